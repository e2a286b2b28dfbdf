"""The size class of an enterprise from its employees, revenue and assets, by industry (划型).

The standard is 中小企业划型标准规定 (工信部联企业〔二〇一一〕300号), 第四条 (一)–(十六); its thresholds
live in ``sme_size_classes.yaml`` with the clause of each industry, and the reading of 第四条 is
stated there. A relief pack reads the class an employer's facts record (`rules.relief`); this module
is the calculator the municipal center uses before recording it.

Units: employees in persons (从业人员), revenue (营业收入) and assets (资产总额) in 万元 as `Decimal`.
Bad input raises `InputError` with a Chinese ``zh`` and the ``field`` at fault. Plain Python.

>>> r = size_class_for(industry="H62", employees=45, revenue=Decimal("800"))
>>> r.size_class, r.industry.label
('small', '餐饮业')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from shebao.core.normalize import normalize_number_text

from .dates import InputError
from .yamlload import load_yaml

DATA = Path(__file__).with_name("sme_size_classes.yaml")
INDICATORS = ("employees", "revenue", "assets")
INDICATOR_LABELS = {"employees": "从业人员", "revenue": "营业收入", "assets": "资产总额"}
INDICATOR_UNITS = {"employees": "人", "revenue": "万元", "assets": "万元"}
# Plausible bounds of an input (not thresholds of the standard): a figure outside them is a typing
# error. China's largest employer has about 1.5 million staff; the largest revenue about 3 trillion yuan.
MAX_EMPLOYEES = 5_000_000
MAX_WAN = Decimal(1_000_000_000)  # 万元 (10 trillion yuan)
SECTIONS = "ABCDEFGHIJKLMNOPQRST"  # GB/T 4754-2017 门类
# Sections whose industries the standard splits below the section: the code must name the division.
_SPLIT_SECTIONS = "FGHIK"
_FIGURE_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
SIZE_CLASS_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


@dataclass(frozen=True)
class SmeIndustry:
    """One industry of 第四条: its GB/T 4754-2017 prefixes and thresholds (indicator -> value)."""

    id: str
    label: str
    clause: str
    codes: tuple[str, ...]
    sme_below: dict[str, Decimal]
    medium: dict[str, Decimal]
    small: dict[str, Decimal]

    @property
    def indicators(self) -> tuple[str, ...]:
        """The indicators this industry is classified by, in the standard's order."""
        used = set(self.sme_below) | set(self.medium) | set(self.small)
        return tuple(i for i in INDICATORS if i in used)


@dataclass(frozen=True)
class SizeClassResult:
    """The class (large/medium/small/micro), the industry read, and why, in Chinese."""

    size_class: str
    industry: SmeIndustry
    reason: str
    document: str

    @property
    def label(self) -> str:
        return SIZE_CLASS_LABELS[self.size_class]

    @property
    def basis(self) -> str:
        return f"{self.document} {self.industry.clause}"


@lru_cache(maxsize=1)
def sme_standard() -> tuple[dict[str, str], tuple[SmeIndustry, ...]]:
    """The standard's heading (document, title, date) and its industries, from the data file."""
    raw = load_yaml(DATA)
    out = []
    for item in raw["industries"]:
        def amounts(key: str, item: dict = item) -> dict[str, Decimal]:  # type: ignore[type-arg]
            return {k: Decimal(str(v)) for k, v in (item.get(key) or {}).items()}

        out.append(SmeIndustry(id=item["id"], label=item["label"], clause=item["clause"],
                               codes=tuple(item["codes"]), sme_below=amounts("sme_below"),
                               medium=amounts("medium"), small=amounts("small")))
    return dict(raw["standard"]), tuple(out)


def sme_industries() -> tuple[SmeIndustry, ...]:
    return sme_standard()[1]


def industry_code_problem(code: str) -> str:
    """Why ``code`` is not a GB/T 4754-2017 code (a section letter A–T, then up to four digits), in
    Chinese, or "". A bare section is a code (a relief pack may name one).

    >>> industry_code_problem("H62"), bool(industry_code_problem("Z99")), bool(industry_code_problem("H6a"))
    ('', True, True)
    """
    code = (code or "").strip().upper()
    if code and code.isascii() and code[0] in SECTIONS and len(code) <= 5 and (code[1:] == "" or code[1:].isdigit()):
        return ""
    shown = code if len(code) <= 20 else code[:20] + "…"  # 5,000 characters were echoed whole (review-input14 8)
    return f"行业代码“{shown}”不是国民经济行业分类（GB/T 4754-2017）的代码：应为门类字母A–T加数字，如H62（餐饮业）"


def sme_industry_for(code: str) -> SmeIndustry:
    """The industry of 第四条 a GB/T 4754-2017 code falls in (longest prefix; else 其他未列明行业).

    Raises InputError for a code that is not a section letter A–T followed by digits, or a bare
    section the standard splits (F, G, H, I, K need the division, e.g. F52).

    >>> sme_industry_for("g5921").id, sme_industry_for("C13").id, sme_industry_for("M73").id
    ('warehousing', 'industry', 'other')
    """
    code = (code or "").strip().upper()
    if not code:
        raise InputError("industry is required", zh="请填写国民经济行业代码（如H62餐饮业）", field="industry")
    problem = industry_code_problem(code)
    if problem:
        raise InputError(f"unknown industry code {code!r}", zh=problem, field="industry")
    if len(code) == 1 and code in _SPLIT_SECTIONS:
        raise InputError(f"industry code {code!r} needs its division",
                         zh=f"门类{code}下各行业的划型标准不同，请填写到大类（字母加两位数字），如{code}{_example(code)}",
                         field="industry")
    best: SmeIndustry | None = None
    best_len = 0
    for ind in sme_industries():
        for prefix in ind.codes:
            if code.startswith(prefix) and len(prefix) > best_len:
                best, best_len = ind, len(prefix)
    return best or next(i for i in sme_industries() if not i.codes)


def _example(section: str) -> str:
    return {"F": "52", "G": "54", "H": "62", "I": "65", "K": "70"}.get(section, "01")


def indicator_value(raw: str | int | Decimal | None, indicator: str) -> int | Decimal | None:
    """Parse one indicator: employees a whole number, revenue and assets in 万元 with at most two
    decimals; empty is None. Raises InputError (Chinese) for a negative, absurd or malformed figure."""
    label, unit = INDICATOR_LABELS[indicator], INDICATOR_UNITS[indicator]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    # Full-width digits and point (３７．５ from a Chinese input method) are digits (core.normalize).
    text = normalize_number_text(raw).replace(",", "").strip()
    # Written out in digits, as the statistics table has it: no exponent (1e3), no sign but the minus
    # refused below, no spaces inside (review-input11 F7: "1e3" was read as 1000万元 in a legal size decision).
    if not _FIGURE_RE.fullmatch(text.removeprefix("-")):
        raise InputError(f"{indicator}: not a plain number", zh=f"{label}“{text[:20]}”不是数字（请直接写阿拉伯数字，不用科学计数法）",
                         field=indicator)
    if indicator == "employees" and "." in text:  # a head count is a whole number, never 3010.0
        raise InputError("employees: not whole", zh="从业人员应为整数（人）", field=indicator)
    value = Decimal(text)  # digits with at most one point: always a finite Decimal
    if value < 0:
        raise InputError(f"{indicator}: negative", zh=f"{label}不能为负数", field=indicator)
    if indicator == "employees":
        if value > MAX_EMPLOYEES:
            raise InputError("employees: implausible", zh=f"从业人员{text}人超出合理范围，请核对", field=indicator)
        return int(value)
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InputError(f"{indicator}: too many decimals", zh=f"{label}以万元为单位，最多保留两位小数", field=indicator)
    if value > MAX_WAN:
        raise InputError(f"{indicator}: implausible", zh=f"{label}{text}{unit}超出合理范围，请核对（单位为万元）",
                         field=indicator)
    return value


def _fmt(indicator: str, value: Decimal) -> str:
    return f"{INDICATOR_LABELS[indicator]}{value.normalize():f}{INDICATOR_UNITS[indicator]}"


def _all_at_least(floors: dict[str, Decimal], figures: dict[str, Decimal]) -> bool:
    return all(figures[k] >= v for k, v in floors.items())


def size_class_for(*, industry: str, employees: int | Decimal | None = None, revenue: Decimal | None = None,
                   assets: Decimal | None = None) -> SizeClassResult:
    """Classify an enterprise of GB/T 4754-2017 code ``industry`` under 第四条 of the standard.

    Every indicator the industry is classified by is required (InputError naming the first missing
    one). Large unless some indicator is below its `sme_below` value; then medium or small if every
    indicator meets that class's floor, else micro (the note to 第四条: a class's floors must all be
    met, else the class below).

    >>> size_class_for(industry="C13", employees=1000, revenue=Decimal(40000)).size_class
    'large'
    >>> size_class_for(industry="C13", employees=1000, revenue=Decimal("39999.99")).size_class
    'medium'
    >>> size_class_for(industry="C13", employees=19, revenue=Decimal(5000)).size_class
    'micro'
    """
    ind = sme_industry_for(industry)
    heading = sme_standard()[0]
    given = {"employees": employees, "revenue": revenue, "assets": assets}
    figures: dict[str, Decimal] = {}
    for k in ind.indicators:
        v = given[k]
        if v is None:
            raise InputError(f"{k} is required for {ind.id}",
                             zh=f"{ind.label}按{'、'.join(INDICATOR_LABELS[i] for i in ind.indicators)}划型，"
                                f"请填写{INDICATOR_LABELS[k]}（{INDICATOR_UNITS[k]}）", field=k)
        figures[k] = Decimal(v)
    shown = "、".join(_fmt(k, figures[k]) for k in ind.indicators)
    below = [k for k, v in ind.sme_below.items() if figures[k] < v]
    if not below:
        floors = "且".join(_fmt(k, v) + "及以上" for k, v in ind.sme_below.items())
        return SizeClassResult("large", ind, f"{shown}：{floors}，为大型企业", heading["document"])
    for cls, floors_of in (("medium", ind.medium), ("small", ind.small)):
        if _all_at_least(floors_of, figures):
            floors = "且".join(_fmt(k, v) + "及以上" for k, v in floors_of.items())
            return SizeClassResult(cls, ind, f"{shown}：{floors}，为{SIZE_CLASS_LABELS[cls]}企业", heading["document"])
    short = "或".join(_fmt(k, v) + "以下" for k, v in ind.small.items() if figures[k] < v)
    return SizeClassResult("micro", ind, f"{shown}：{short}，为微型企业", heading["document"])
