"""Plain-Chinese sentences about the policy in force, written from the policy itself (0.1).

The notice asks that the policy be "及时向社会通告": every sentence a page shows about it (the home
page's summary, the public announcements page, the clause note beside a due, the announcement list)
is generated here from parameter values, their labels (``label`` in the packs' parameter files) and
the pack's ``wording.yaml``, so it changes the moment an announcement changes a value. Nothing about
the policy in force is written by hand in a template.

>>> from shebao.rules import load_policy
>>> month_due_text(load_policy(), "2020-01")
'2020年1月费款征收期延长至2020年3月31日'
>>> date_zh("2020-04-30")
'2020年4月30日'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from .dates import add_months
from .policy import Parameter, Policy, Statement, epidemic_lifted_on

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def placeholders(template: str) -> list[str]:
    """The names in ``{…}`` of a statement template, in order."""
    return _PLACEHOLDER.findall(template)


def date_zh(value: date | str) -> str:
    """``2020-04-30`` -> ``2020年4月30日``."""
    d = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{d.year}年{d.month}月{d.day}日"


def month_zh(month: str) -> str:
    """``2020-03`` -> ``2020年3月``."""
    return f"{int(month[:4])}年{int(month[5:7])}月"


def months_zh(months: list[str]) -> str:
    """Months of one year share the year: ``2020年1月、2月``; of several: ``2019年12月、2020年1月``."""
    out, year = [], None
    for m in sorted(months):
        out.append(month_zh(m) if m[:4] != year else f"{int(m[5:7])}月")
        year = m[:4]
    return "、".join(out)


def clause_zh(clause: str) -> str:
    """A clause id as people read it: ``0.2`` -> ``第0.2条``; ``Reading 0.3b`` -> ``解读0.3b``."""
    clause = clause.strip()
    if clause.startswith("Reading "):
        return f"解读{clause[len('Reading '):]}"
    if clause == "base":
        return "常态规则"
    return f"第{clause}条"


# Keys of the rate and age maps, as people say them.
KEY_ZH = {"male": "男性", "female": "女性", "female_cadre": "女干部", "female_worker": "女工人",
          **{str(i): f"{'一二三四五六七八'[i - 1]}类行业" for i in range(1, 9)},
          # the months-divisor table of the personal-account pension, by age at retirement
          **{str(age): f"{age}岁退休" for age in range(40, 71)},
          # work-injury disability grades (劳动能力鉴定 一级至十级)
          **{f"grade_{g}": f"{_G}级伤残" for g, _G in enumerate("一二三四五六七八九十", start=1)},
          # survivors' pension shares (工伤保险条例 第三十九条第一款第（二）项)
          "spouse": "配偶", "other": "其他亲属每人", "lone_supplement": "孤寡老人或孤儿每人另加"}
UNIT_ZH = {"days": "天", "working_days": "个工作日", "months": "个月", "years": "周岁", "times": "倍"}


def _numeral(n: int) -> str:
    """Small whole numbers in Chinese numerals (万分之五), others in digits."""
    return "零一二三四五六七八九十"[n] if 0 <= n <= 10 else str(n)


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}元"


WAN = 10**4  # 万: late-fee rates are said as 万分之N
RATE_UNIT = f"per_{10 ** 5}"  # the packs' unit of contribution rates (16% is 16 thousand)


def _percent(rate: int) -> str:
    value = Fraction(rate, 1000)
    return f"{value.numerator}%" if value.denominator == 1 else f"{float(value):g}%"


def value_zh(p: Parameter, value: Any, *, enum_label: Callable[[str, str], str] | None = None) -> str:
    """A value of parameter ``p`` in plain Chinese, by its type and unit.

    ``enum_label(enum, code)`` names a code of a string list (the catalog's labels); without it the
    list is counted, never shown as codes. ``None`` is "未公布" (not announced yet).
    """
    if value is None:
        return "未公布"
    if p.type == "month_dates":
        by_day: dict[str, list[str]] = {}
        for m, d in value.items():
            by_day.setdefault(str(d), []).append(m)
        if not by_day:
            return "无"
        return "；".join(f"{months_zh(ms)}费款征收期延长至{date_zh(d)}" for d, ms in sorted(by_day.items()))
    if p.type == "date":
        return date_zh(value)
    if p.type == "month":
        return month_zh(str(value))
    if p.type == "choice":
        return p.value_labels.get(str(value), "（未命名的口径）")
    if p.type == "rational":
        f = Fraction(value)
        if WAN % f.denominator == 0:
            return f"每日万分之{_numeral(f.numerator * WAN // f.denominator)}"
        return f"每日{f.numerator}/{f.denominator}"
    if p.type in ("int_map", "month_map"):
        one = Parameter(p.name, p.description, p.unit, "month" if p.type == "month_map" else "int", ())
        return "，".join(f"{KEY_ZH.get(k, k)}{value_zh(one, v)}" for k, v in value.items())
    if p.type == "string_list":
        if enum_label is not None and p.enum:
            return "、".join(enum_label(p.enum, x) for x in value) or "无"
        return f"{len(value)}项"
    if p.unit == RATE_UNIT:
        return _percent(int(value))
    if p.unit in ("fen_per_month", "fen", "fen_per_year"):
        return _yuan(int(value)) + {"fen_per_month": "/月", "fen_per_year": "/年"}.get(p.unit, "")
    if p.unit == "day_of_month":
        return f"每月{value}日"
    if p.unit == "tenths_celsius":
        return f"{int(value) // 10}.{int(value) % 10}℃"
    return f"{value}{UNIT_ZH.get(p.unit, '')}"


def month_due_text(policy: Policy, month: str) -> str:
    """The note beside a due whose collection period was extended (0.2): its own month and date."""
    overrides = policy.value("collection.period_overrides") or {}
    if month not in overrides:
        return f"{month_zh(month)}费款按期缴纳"
    return f"{month_zh(month)}费款征收期延长至{date_zh(overrides[month])}"


def due_clause_text(policy: Policy, clause: str, month: str) -> str:
    """The note beside a due for a clause its late fee rests on: ``第0.2条 2020年1月费款征收期延长至…``."""
    if clause == "0.2":
        return f"{clause_zh(clause)} {month_due_text(policy, month)}"
    if clause == "0.3":
        return f"{clause_zh(clause)} {makeup_relief_text(policy, lifted_on=_lifted(policy))}"
    return clause_zh(clause)


def makeup_relief_text(policy: Policy, *, lifted_on: date | None) -> str:
    """Clause 0.3 (Reading 0.3b) in words, from the policy's make-up months: with the lifting date
    `lifted_on` known, ``疫情期间欠费于2020年8月31日前（含当日）补缴的，免收滞纳金``; before it is
    announced, ``疫情期间欠费于疫情解除后3个月内补缴的，免收滞纳金``. Never a literal count of months:
    the months are the pack's ``epidemic.makeup_months`` (or its announced change)."""
    months = policy.value("epidemic.makeup_months")
    if lifted_on is not None:
        return f"疫情期间欠费于{date_zh(add_months(lifted_on, months))}前（含当日）补缴的，免收滞纳金"
    shown = value_zh(policy.parameter("epidemic.makeup_months"), months)
    return f"疫情期间欠费于疫情解除后{shown}内补缴的，免收滞纳金"


# Dates and months the rules derive from parameters, offered to the statements' templates.
def _lifted(policy: Policy) -> date | None:
    return epidemic_lifted_on(policy)


def _makeup_deadline(policy: Policy) -> str:
    lifted = _lifted(policy)
    return "" if lifted is None else date_zh(add_months(lifted, policy.value("epidemic.makeup_months")))


def _documents_due_on(policy: Policy) -> str:
    lifted = _lifted(policy)
    if lifted is None:
        return ""
    months = policy.value("epidemic.documents_due_months_after_lifted", lifted)
    if months is None:  # a lifted date before the parameter's first value: the value as announced
        months = policy.value("epidemic.documents_due_months_after_lifted")
    return date_zh(add_months(lifted, months))


def _lifted_month(policy: Policy) -> str:
    lifted = _lifted(policy)
    return "" if lifted is None else f"{lifted.year}年{lifted.month}月"


DERIVED: dict[str, Callable[[Policy], str]] = {
    "makeup_deadline": _makeup_deadline,  # Reading 0.3b: lifted date + make-up months
    "documents_due_on": _documents_due_on,  # 1.3: lifted date + months for owed documents
    "lifted_month": _lifted_month,  # Reading 0.3a: the relief window ends with this month
}


@dataclass(frozen=True)
class Sentence:
    """One sentence about the policy in force, with what it rests on.

    ``text`` ends without a full stop; ``clause`` is the notice's id, ``clause_zh`` how people read
    it; ``reference`` is the document of the value it was written from (a pack's notice or a
    published announcement) and ``since`` that value's effective date.
    """

    id: str
    text: str
    clause: str
    clause_zh: str
    parameter: str | None = None
    reference: str = ""
    since: str = ""
    source: str = ""  # what it rests on, in Chinese: the announcement's citation or the pack's title


def _fill(template: str, policy: Policy, own: Mapping[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in own:
            return own[name]
        if name in DERIVED:
            return DERIVED[name](policy)
        return value_zh(policy.parameter(name), policy.value(name))

    return _PLACEHOLDER.sub(one, template)


def _source(policy: Policy, document: str) -> str:
    """An announcement's citation as the policy holds it; a pack's own value cites the pack's title."""
    if any(a.reference.document == document for a in policy.announcements):
        return document
    return str(policy.title.get("zh") or "")


def _statement_sentences(policy: Policy, st: Statement) -> list[Sentence]:
    if st.parameter is None:
        return [Sentence(st.id, st.templates["text"], st.clause, clause_zh(st.clause),
                         source=_source(policy, ""))]
    p = policy.parameter(st.parameter)
    entry = p.entry()
    value = None if entry is None else entry.value
    ref, since = (entry.reference.document, entry.effective) if entry is not None else ("", "")
    out = []
    if "each" in st.templates:
        # One sentence per due date and the announcement it rests on (each month keeps its own).
        groups: dict[tuple[str, str], list[str]] = {}
        for m, d in (value or {}).items():
            groups.setdefault((str(d), entry.source(m).document if entry else ""), []).append(m)
        for (d, document), months in sorted(groups.items()):
            text = _fill(st.templates["each"], policy, {"months": months_zh(months), "date": date_zh(d)})
            out.append(Sentence(f"{st.id}:{d}", text, st.clause, clause_zh(st.clause), p.name, document, since,
                                _source(policy, document)))
        return out
    form = "unset" if value is None and "unset" in st.templates else "set" if "set" in st.templates else "value"
    if form not in st.templates:
        return []
    text = _fill(st.templates[form], policy, {"value": value_zh(p, value)})
    return [Sentence(st.id, text, st.clause, clause_zh(st.clause), p.name, ref, since, _source(policy, ref))]


def policy_sentences(policy: Policy) -> list[Sentence]:
    """Every sentence about the policy as announced so far, in the pack's order (``wording.yaml``)."""
    cached = policy._compiled.get("sentences")
    if cached is None:
        cached = policy._compiled["sentences"] = tuple(
            s for st in policy.statements for s in _statement_sentences(policy, st))
    return list(cached)


def announcement_text(policy: Policy, parameter: str, value: Any, *, effective: str | None = None,
                      enum_label: Callable[[str, str], str] | None = None) -> str:
    """What an announcement says, in plain Chinese: ``疫情解除日期：2020年4月30日``.

    ``value`` is the announcement's raw (stored) value; raises KeyError for an unknown parameter.
    """
    p = policy.parameter(parameter)
    typed = _typed(p, value)
    head = f"自{date_zh(effective)}起，" if effective else ""
    if p.type == "month_dates":
        return f"{head}{value_zh(p, typed)}"
    verb = "为" if p.type in ("date", "month") else "调整为"
    return f"{head}{p.label or '参数'}{verb}{value_zh(p, typed, enum_label=enum_label)}"


def _typed(p: Parameter, raw: Any) -> Any:
    """A stored (JSON) value as the rules hold it, for display only (already checked on publishing)."""
    if raw is None:
        return None
    if p.type == "month_dates":
        return {m: date.fromisoformat(str(d)) for m, d in dict(raw).items()}
    if p.type == "date":
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    if p.type == "rational" and isinstance(raw, dict):
        return Fraction(raw["numerator"], raw["denominator"])
    return raw


def parameter_label(policy: Policy, parameter: str) -> str:
    """The Chinese label of a parameter (its code only if the pack gave none)."""
    try:
        p = policy.parameter(parameter)
    except KeyError:
        return "未知参数"
    return p.label or "未命名参数"
