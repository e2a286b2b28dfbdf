"""``shebao decide | late_fee | retirement | audit_deadline | rules``: the rules on JSON lines, without Django.

Lines are parsed one by one (a bad line yields an error line, the others go on), then evaluated
in batch per policy (a line's ``"policy"`` is a what-if announcement), and written in input order.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

USAGE = """用法：shebao decide [--explain] < 申请.jsonl
      shebao late_fee < 应缴记录.jsonl
      shebao retirement < 人员.jsonl
      shebao audit_deadline < 稽核案件.jsonl
      shebao rules [--on 年-月-日] [--pack 政策包]"""

# What each command does (its --help), and its options (name, argparse keywords)
_COMMANDS: dict[str, tuple[str, tuple[tuple[str, dict[str, Any]], ...]]] = {
    "decide": ("按政策判定每行申请（JSON Lines）的办理方式，每行输出一个结果",
               (("--explain", {"action": "store_true", "help": "逐条列出所用事实、尝试的规则和参数"}),)),
    "late_fee": ("计算每行应缴记录（JSON Lines）的滞纳金及减免，每行输出一个结果", ()),
    "retirement": ("计算每行人员（JSON Lines）的法定退休年龄和到龄月份，每行输出一个结果", ()),
    "audit_deadline": ("计算每行稽核案件（JSON Lines）的办结期限（工作日），每行输出一个结果", ()),
    "rules": ("列出政策包、某日施行的参数及判定规则表", (
        ("--on", {"metavar": "年-月-日", "help": "列出该日施行的参数（默认：最新公告）"}),
        ("--pack", {"metavar": "政策包", "help": "只列出该政策包"}))),
}


def _parse(cmd: str, args: list[str]) -> Any:
    """The command's options parsed in Chinese (`shebao.core.cli.ChineseArgumentParser`): an unknown
    option or a bad value exits with status 2 after a Chinese line and the usage (review-input13 F7:
    they were said in English)."""
    from shebao.core.cli import ChineseArgumentParser

    description, options = _COMMANDS[cmd]
    parser = ChineseArgumentParser(prog=f"shebao {cmd}", description=description)
    for name, keywords in options:
        parser.add_argument(name, **keywords)
    if cmd == "rules":
        from .policy import available_packs

        parser.set_defaults(packs=available_packs())
        parsed = parser.parse_args(args)
        if parsed.on is not None:
            parsed.on = _on_date(parser, parsed.on)
        if parsed.pack is not None and parsed.pack not in parsed.packs:
            parser.usage_error(f"没有政策包“{parsed.pack[:40]}”，现有：{'、'.join(parsed.packs)}")
        return parsed
    return parser.parse_args(args)


def _on_date(parser: Any, value: str) -> str:
    from .dates import InputError, business_date_check, parse_date

    try:
        business_date_check(parse_date(value, "--on", label="日期"), "--on", label="日期")
    except InputError as exc:
        parser.usage_error(f"参数 --on：{exc.zh}")
    return value


def main(argv: list[str], stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=stdout if argv else sys.stderr)
        return 0 if argv else 2
    cmd, args = argv[0], argv[1:]
    if cmd not in _COMMANDS:
        print(f"shebao：没有规则命令“{cmd[:40]}”\n{USAGE}", file=sys.stderr)
        return 2
    try:
        options = _parse(cmd, args)
    except SystemExit as exc:  # argparse after --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        if cmd == "decide":
            return _decide(stdin, stdout, explain=options.explain)
        if cmd == "late_fee":
            return _late_fee(stdin, stdout)
        if cmd == "retirement":
            return _retirement(stdin, stdout)
        if cmd == "audit_deadline":
            return _audit_deadline(stdin, stdout)
        return _rules(options, stdout)
    except BrokenPipeError:
        return 1


def _read(stdin: TextIO, *, zh: bool = False) -> list[tuple[int, Any, Any]]:
    """(line number, id, parsed object or an error string) per non-blank line; ``zh``: errors in
    Chinese (the newer commands answer every error in Chinese)."""
    out = []
    from shebao.core.json_once import JsonDuplicateKey, json_object_once

    for n, line in enumerate(stdin.read().split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, object_pairs_hook=json_object_once)
        except JsonDuplicateKey as exc:  # the last value would win silently (review-input11 F3's class)
            key = str(exc.key)[:40]
            out.append((n, None, f"第{n}行：项目“{key}”出现了不止一次"
                        + ("" if zh else f" / line {n}: key {key!r} given twice")))
            continue
        except (ValueError, RecursionError) as exc:
            reason = str(exc.args[0]).split(":")[0] if exc.args else "nested too deeply"
            out.append((n, None, f"第{n}行：不是有效的 JSON" + ("" if zh else f" / line {n}: invalid JSON ({reason})")))
            continue
        if not isinstance(obj, dict):
            out.append((n, None, f"第{n}行：须为 JSON 对象" + ("" if zh else f" / line {n}: expected a JSON object")))
            continue
        out.append((n, obj.get("id"), obj))
    return out


def _policy_for(obj: dict[str, Any], cache: dict[str, Any]) -> tuple[str, Any]:
    raw = obj.get("policy")
    if raw is None and "" in cache:
        return "", cache[""]
    from .policy import load_policy

    if raw is None:
        key = ""
    elif not isinstance(raw, dict):
        raise ValueError("policy: expected an object such as {\"epidemic_lifted_on\": \"2020-04-30\"}")
    else:
        key = json.dumps(raw, sort_keys=True)
    if key not in cache:
        try:
            cache[key] = load_policy(overrides=raw) if raw else load_policy()
        except KeyError as exc:
            raise ValueError(f"policy: {exc.args[0]}") from None
    return key, cache[key]


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


class _Tail(str):
    """The rest of an answer line after its id, already JSON (``"mode": ..., ...``)."""


def _run_batches(
    items: list[tuple[int, Any, Any]], prepare: Callable[[dict[str, Any]], Any],
    evaluate: Callable[[Any, list[Any]], list[Any]],
) -> tuple[list[str], bool]:
    """Answer lines in input order: each line is prepared alone (a bad one yields an error line),
    then evaluated in one batch per policy."""
    from .dates import InputError
    from .yamlload import PackError

    results: list[str | None] = [None] * len(items)
    groups: dict[str, tuple[Any, list[int], list[Any]]] = {}
    policies: dict[str, Any] = {}
    ok = True
    for i, (_, ident, obj) in enumerate(items):
        if isinstance(obj, str):
            results[i] = _dump({"id": ident, "error": obj})
            ok = False
            continue
        try:
            key, policy = _policy_for(obj, policies)
            prepared = prepare(obj)
        except (InputError, PackError, ValueError, TypeError) as exc:
            results[i] = _dump({"id": ident, "error": _reason(exc)})
            ok = False
            continue
        g = groups.setdefault(key, (policy, [], []))
        g[1].append(i)
        g[2].append(prepared)
    for policy, idx, rows in groups.values():
        for i, res in zip(idx, _evaluate_guarded(evaluate, policy, rows)):
            ident = items[i][1]
            if type(res) is _Tail:
                results[i] = f'{{"id": {_dump(ident)}, {res}}}'
            elif isinstance(res, str):
                results[i] = _dump({"id": ident, "error": res})
                ok = False
            else:
                results[i] = _dump({"id": ident, **res})
    return [r for r in results if r is not None], ok


OUT_OF_RANGE = "数值超出可计算的范围 / a value is out of the range the rules compute in"


def _evaluate_guarded(evaluate: Callable[[Any, list[Any]], list[Any]], policy: Any, rows: list[Any]) -> list[Any]:
    """The batch's answers; a batch that overflows is evaluated line by line, so the line at fault gets an
    error line and the others their answers (review-input12 F6: one huge amount killed the whole batch).
    The inputs are range-checked before (late_fee.AMOUNT_FEN_MAX, facts.INT_FACT_MAX): this is the net."""
    try:
        return evaluate(policy, rows)
    except (ArithmeticError, ValueError):
        if len(rows) == 1:
            return [OUT_OF_RANGE]
    out: list[Any] = []
    for row in rows:
        try:
            out.extend(evaluate(policy, [row]))
        except (ArithmeticError, ValueError):
            out.append(OUT_OF_RANGE)
    return out


def _reason(exc: Exception) -> str:
    """An error line's text: Chinese first, then the English (review-input12 F6: `late_fee` and `decide`
    answered in English only); an error already in Chinese alone as it is."""
    from .dates import InputError
    from .yamlload import PackError

    if isinstance(exc, PackError):
        return f"政策参数有误 / policy: {exc.reason}"
    if isinstance(exc, InputError) and exc.zh and exc.zh != "输入有误" and exc.zh != str(exc):
        return f"{exc.zh} / {exc}"
    return str(exc)


def _decide(stdin: TextIO, stdout: TextIO, *, explain: bool) -> int:
    from .decision import DecisionError, decide_row
    from .facts import encode_application

    items = _read(stdin)

    def prepare(obj: dict[str, Any]) -> Any:
        if "policy" in obj:
            obj = {k: v for k, v in obj.items() if k != "policy"}
        return encode_application(obj)

    if explain:
        traces: dict[int, tuple[str, ...]] = {}

        def prepare_keyed(obj: dict[str, Any]) -> Any:
            return prepare(obj), id(obj)

        def evaluate_one_by_one(policy: Any, keyed_rows: list[Any]) -> list[Any]:
            out: list[Any] = []
            for row, key in keyed_rows:
                try:
                    d = decide_row(row, policy, explain=True)
                except DecisionError as exc:
                    out.append(str(exc))
                    continue
                traces[key] = d.trace
                out.append(d.as_json())
            return out

        results, ok = _run_batches(items, prepare_keyed, evaluate_one_by_one)
        lines = []
        for (_, ident, obj), line in zip(items, results, strict=True):
            lines.append(f"== {ident}")
            lines.extend(traces.get(id(obj), ()))
            lines.append(line)
            lines.append("")
        stdout.write("\n".join(lines) + ("\n" if lines else ""))
        return 0 if ok else 1
    results, ok = _run_batches(items, prepare, _decide_batch)
    stdout.write("\n".join(results) + ("\n" if results else ""))
    return 0 if ok else 1


def _decide_batch(policy: Any, rows: list[Any]) -> list[Any]:
    """Decide a batch as a table, then write each answer; answers are cached by the facts they show."""
    from .decision import decide_table, error_message, prepared_for
    from .facts import as_mapping, columns_from_rows
    from .tables import ERR_PERIOD_NOT_PAST, compile_tables

    compiled = compile_tables(policy)
    res = decide_table(columns_from_rows(rows), policy)
    modes, rules, sup, err = res.mode.tolist(), res.rule.tolist(), res.support.tolist(), res.error.tolist()
    by_row: dict[Any, Any] = {}  # the whole outcome and row -> answer
    by_shown: dict[Any, _Tail] = {}  # prepared decision and the facts its texts show -> answer
    out: list[Any] = []
    for i, row in enumerate(rows):
        key = (modes[i], rules[i], sup[i], err[i], row)
        answer = by_row.get(key)
        if answer is None:
            if err[i]:
                answer = error_message(err[i], sup[i] if err[i] != ERR_PERIOD_NOT_PAST else 0, compiled)
            else:
                facts = as_mapping(row)
                prep = prepared_for(facts, modes[i], rules[i], sup[i], policy, compiled)
                shown = (id(prep), tuple([row[j] for j in prep.inputs]))
                answer = by_shown.get(shown)
                if answer is None:
                    zh, en = prep.texts(facts, compiled)
                    answer = by_shown[shown] = _Tail(_dump({
                        "mode": prep.mode, "clauses": list(prep.clauses), "requires": list(prep.requires),
                        "explanation": f"{zh} / {en}"})[1:-1])
            if len(by_row) > 100_000:
                by_row.clear()
                by_shown.clear()
            by_row[key] = answer
        out.append(answer)
    return out


def _late_fee(stdin: TextIO, stdout: TextIO) -> int:
    import numpy as np

    from .dates import (
        InputError,
        business_date_check,
        business_month_check,
        day_date,
        day_number,
        month_index,
        parse_date,
    )
    from .late_fee import AMOUNT_FEN_MAX, amount_check, late_fees

    items = _read(stdin)

    def prepare(obj: dict[str, Any]) -> tuple[int, int, int]:
        unknown = set(obj) - {"id", "month", "amount_fen", "paid_on", "as_of", "policy"}
        if unknown:
            shown = sorted(str(k)[:40] for k in unknown)[:20]
            raise InputError(f"unknown field(s) {shown}", zh=f"未知字段 {shown}")
        for name, zh_name in (("month", "所属月份"), ("amount_fen", "金额（分）")):
            if name not in obj:
                raise InputError(f"missing field '{name}'", zh=f"缺少字段 {name}（{zh_name}）")
        amount = amount_check(obj["amount_fen"])
        if ("paid_on" in obj) == ("as_of" in obj):
            raise InputError("give exactly one of paid_on (paid) or as_of (unpaid, day of assessment)",
                             zh="paid_on（缴费日）与 as_of（未缴时的核定日）须填写且只填写其中一项")
        field = "paid_on" if "paid_on" in obj else "as_of"
        # every date a business date (review-input13 F8: paid_on 9999-12-31 was counted, 1.46e15 fen)
        month = business_month_check(month_index(obj["month"]), "month")
        return month, amount, day_number(business_date_check(parse_date(obj[field], field), field))

    def evaluate(policy: Any, rows: list[Any]) -> list[dict[str, Any] | str]:
        arr = np.array(rows, dtype="int64").reshape(-1, 3)
        res = late_fees(arr[:, 0], arr[:, 1], arr[:, 2], policy)
        due = res.due_on.view("int64").tolist()
        od, fee, wv = res.overdue_days.tolist(), res.late_fee_fen.tolist(), res.waived_fen.tolist()
        c2, c3 = res.clause_0_2.tolist(), res.clause_0_3.tolist()
        iso: dict[int, str] = {}
        out: list[dict[str, Any] | str] = []
        for i in range(len(rows)):
            if fee[i] > AMOUNT_FEN_MAX or wv[i] > AMOUNT_FEN_MAX:
                # money the project cannot hold is no answer (review-input13 F8)
                out.append(f"滞纳金（{max(fee[i], wv[i])}分）超过金额上限{AMOUNT_FEN_MAX}分（100亿元），无法计算，请核对金额与日期"
                           f" / the late fee exceeds the amount cap of {AMOUNT_FEN_MAX} fen")
                continue
            d = due[i]
            s = iso.get(d)
            if s is None:
                s = iso[d] = day_date(d).isoformat()
            out.append({"due_on": s, "overdue_days": od[i], "late_fee_fen": fee[i], "waived_fen": wv[i],
                        "clauses": (["0.2"] if c2[i] else []) + (["0.3"] if c3[i] else [])})
        return out

    results, ok = _run_batches(items, prepare, evaluate)
    stdout.write("\n".join(results) + ("\n" if results else ""))
    return 0 if ok else 1


def _zh_date(value: Any, field: str, *, business: bool = False) -> Any:
    """A date of the command's input, its error in Chinese; ``business``: a business date as well
    (`dates.business_date_check`, review-input13 F8)."""
    from .dates import BUSINESS_DATE_FROM, BUSINESS_DATE_TO, InputError, parse_date

    try:
        day = parse_date(value, field)
    except InputError:
        raise InputError(f"{field}：须为日期 YYYY-MM-DD（日历上存在的日期），收到 {value!r}") from None
    if business and not BUSINESS_DATE_FROM <= day <= BUSINESS_DATE_TO:
        raise InputError(f"{field}：日期须在{BUSINESS_DATE_FROM.isoformat()}至{BUSINESS_DATE_TO.isoformat()}之间，"
                         f"收到 {day.isoformat()!r}")
    return day


def _zh_fields(obj: dict[str, Any], allowed: set[str], required: tuple[str, ...]) -> None:
    from .dates import InputError

    unknown = set(obj) - allowed
    if unknown:
        raise InputError(f"未知字段 {sorted(unknown)}")
    for name in required:
        if name not in obj:
            raise InputError(f"缺少字段 {name}")


_CATEGORIES = {"cadre": True, "worker": False}
CATEGORY_NOT_FOR_MEN = "男性的法定退休年龄不分干部与工人，所填身份类别 category 不影响结果 / category applies to women only"


def _retirement(stdin: TextIO, stdout: TextIO) -> int:
    """``{"id", "birth_date", "gender", "category"}`` per line -> ``{"id", "age_years", "age_months",
    "retirement_month"}``: the statutory age (years and months) and the month it is reached
    (rules/retirement.py); ``category`` ("cadre" | "worker") is required for women only."""
    import numpy as np

    from .dates import BIRTH_DATE_FROM, BIRTH_DATE_TO, InputError, day_number, month_str, numpy_ops
    from .retirement import category_code, schedule

    items = _read(stdin, zh=True)

    def prepare(obj: dict[str, Any]) -> tuple[int, int, int]:
        _zh_fields(obj, {"id", "birth_date", "gender", "category", "policy"}, ("birth_date", "gender"))
        born = _zh_date(obj["birth_date"], "birth_date")
        if not BIRTH_DATE_FROM <= born <= BIRTH_DATE_TO:  # review-input12 F12: 9999-12-31 answered 10062-12
            raise InputError(f"birth_date：出生日期须在{BIRTH_DATE_FROM.isoformat()}至{BIRTH_DATE_TO.isoformat()}之间，"
                             f"收到 {born.isoformat()!r}")
        category = obj.get("category")
        if category is not None and category not in _CATEGORIES:
            raise InputError(f"category 须为 cadre（干部）或 worker（工人），收到 {category!r}")
        code = category_code(obj["gender"], _CATEGORIES.get(category))
        return day_number(born), code, int(category is not None and code == 0)

    def evaluate(policy: Any, rows: list[Any]) -> list[dict[str, Any] | str]:
        ops = numpy_ops()
        arr = np.array(rows, dtype="int64").reshape(-1, 3)
        ages = np.asarray(schedule(policy).age_months(arr[:, 0], arr[:, 1], ops)) + np.zeros(len(rows), "int64")
        months = (ops.month_of(arr[:, 0]) + ages).tolist()
        # A man's category is read and said not to count (review-input12 F12: it was ignored silently).
        return [{"age_years": a // 12, "age_months": a % 12, "retirement_month": month_str(m),
                 **({"note": CATEGORY_NOT_FOR_MEN} if said else {})}
                for a, m, said in zip(ages.tolist(), months, arr[:, 2].tolist())]

    results, ok = _run_batches(items, prepare, evaluate)
    stdout.write("\n".join(results) + ("\n" if results else ""))
    return 0 if ok else 1


def _audit_deadline(stdin: TextIO, stdout: TextIO) -> int:
    """``{"id", "opened_on", "extended", "suspensions": [{"from", "to"}]}`` per line -> ``{"id",
    "deadline", "working_days"}`` (rules/audit.py: ``working_days`` is what ``AuditDeadline`` says:
    the working days counted up to the deadline, or up to an open suspension when it is null)."""
    from .audit import Suspension, audit_deadline, audit_time_limit
    from .dates import InputError

    items = _read(stdin, zh=True)

    def prepare(obj: dict[str, Any]) -> tuple[Any, bool, list[Suspension]]:
        _zh_fields(obj, {"id", "opened_on", "extended", "suspensions", "policy"}, ("opened_on",))
        opened = _zh_date(obj["opened_on"], "opened_on", business=True)
        extended = obj.get("extended", False)
        if not isinstance(extended, bool):
            raise InputError(f"extended 须为 true 或 false，收到 {extended!r}")
        raw = obj.get("suspensions", [])
        if not isinstance(raw, list):
            raise InputError("suspensions 须为列表 [{\"from\": 日期, \"to\": 日期或 null}]")
        suspensions = []
        for i, s in enumerate(raw):
            where = f"suspensions[{i}]"
            if not isinstance(s, dict):
                raise InputError(f"{where} 须为对象 {{\"from\": 日期, \"to\": 日期或 null}}")
            _zh_fields(s, {"from", "to"}, ("from",))
            start = _zh_date(s["from"], f"{where}.from", business=True)
            end = None if s.get("to") is None else _zh_date(s["to"], f"{where}.to", business=True)
            if end is not None and end < start:
                raise InputError(f"{where}：结束日 {s['to']} 早于开始日 {s['from']}")
            suspensions.append(Suspension(start, end))
        return opened, extended, suspensions

    def evaluate(policy: Any, rows: list[Any]) -> list[dict[str, Any] | str]:
        out: list[dict[str, Any] | str] = []
        for opened, extended, suspensions in rows:
            try:
                limit = audit_time_limit(policy, opened_on=opened, extended=extended)
                r = audit_deadline(opened, time_limit=limit, suspensions=suspensions)
            except InputError as exc:
                out.append(str(exc))
                continue
            out.append({"deadline": None if r.deadline is None else r.deadline.isoformat(),
                        "working_days": r.working_days})
        return out

    results, ok = _run_batches(items, prepare, evaluate)
    stdout.write("\n".join(results) + ("\n" if results else ""))
    return 0 if ok else 1


def _rules(options: Any, stdout: TextIO) -> int:
    from .policy import load_policy
    from .tables import compile_tables

    on: str | None = options.on
    pack: str | None = options.pack
    packs = options.packs
    w = stdout.write
    w(f"政策包：{'、'.join(packs)}\n")
    for name in [pack] if pack else packs:
        policy = load_policy(name)
        w(f"\n# 政策包 {policy.name} {policy.version} — {policy.title.get('zh', '')}\n")
        w(f"{on or '最新公告'}施行的参数：\n")
        for pname in sorted(policy.parameters):
            p = policy.parameters[pname]
            e = p.entry(on)
            label = p.label or p.description
            if e is None:
                w(f"  {pname} = （尚无取值）    {label}\n")
                continue
            w(f"  {pname} = {_show_value(e.value)} [{p.unit}] 自{e.effective}起    "
              f"（{e.reference.clause}；{e.reference.document}）— {label}\n")
        compiled = compile_tables(policy)
        for ct in compiled.tables:
            w(f"判定表 {ct.name}（{ct.file}），命中策略 {ct.hit_policy}\n")
            for g in ct.guard:
                w(f"  适用条件：{g.fact} {g.op} {g.rhs_text}    [{g.clause or ''}]\n")
            for r in ct.rules:
                cond = " 且 ".join(f"{p.fact} {p.op} {p.rhs_text}" for p in r.preds)
                w(f"  {r.id} [{r.clause}] 若 {cond} → {r.mode}，须提交 {list(r.requires)}\n")
            if ct.default_mode is not None:
                w("  其余 → regular\n")
    return 0


def _show_value(v: Any) -> str:
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_show_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, tuple):
        return "[" + ", ".join(map(str, v)) + "]"
    return "null" if v is None else str(v)
