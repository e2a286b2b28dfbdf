"""The offices of Beijing's social insurance agency, addressed by the notice: the municipal center,
the 16 district centers, the development-area center (counted as a district) and agent offices.

`weight` is the district's share of employers and people (roughly by employment), used only by the
data generator.
"""

from __future__ import annotations

MUNICIPAL_CENTER = ("110000", "北京市社会保险基金管理中心")

DISTRICTS: list[tuple[str, str, int]] = [
    ("110101", "东城区社会保险基金管理中心", 6),
    ("110102", "西城区社会保险基金管理中心", 9),
    ("110105", "朝阳区社会保险基金管理中心", 20),
    ("110106", "丰台区社会保险基金管理中心", 7),
    ("110107", "石景山区社会保险基金管理中心", 3),
    ("110108", "海淀区社会保险基金管理中心", 18),
    ("110109", "门头沟区社会保险基金管理中心", 1),
    ("110111", "房山区社会保险基金管理中心", 3),
    ("110112", "通州区社会保险基金管理中心", 4),
    ("110113", "顺义区社会保险基金管理中心", 5),
    ("110114", "昌平区社会保险基金管理中心", 5),
    ("110115", "大兴区社会保险基金管理中心", 4),
    ("110116", "怀柔区社会保险基金管理中心", 1),
    ("110117", "平谷区社会保险基金管理中心", 1),
    ("110118", "密云区社会保险基金管理中心", 1),
    ("110119", "延庆区社会保险基金管理中心", 1),
    ("110302", "北京经济技术开发区社会保险保障中心", 3),
]

# The development area's center is an office, not an administrative division (GB/T 2260): its
# people's ID numbers carry the code of the district the area lies in (大兴区).
ID_REGION_OF_OFFICE = {"110302": "110115"}


def id_region(office_code: str) -> str:
    """The GB/T 2260 code that ID numbers of people registered at an office start with.

    >>> id_region("110105"), id_region("110302")
    ('110105', '110115')
    """
    return ID_REGION_OF_OFFICE.get(office_code, office_code)


# Two agent offices per district is enough for the demo; real ones are registered by staff.
AGENT_OFFICES = [
    ("110105A1", "朝阳区望京街道社保代办机构", "110105"),
    ("110105A2", "朝阳区建外街道社保代办机构", "110105"),
    ("110108A1", "海淀区中关村街道社保代办机构", "110108"),
    ("110108A2", "海淀区学院路街道社保代办机构", "110108"),
]


def short_name(name: str) -> str:
    """>>> short_name("朝阳区社会保险基金管理中心")
    '朝阳区'
    """
    for suffix in ("社会保险基金管理中心", "社会保险保障中心"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def create_offices(Office) -> None:
    """Create the offices if there are none (the data migration, and tests that flush the database)."""
    if Office.objects.exists():
        return
    Office.objects.create(code=MUNICIPAL_CENTER[0], name=MUNICIPAL_CENTER[1], kind="municipal_center")
    by_code = {}
    for code, name, weight in DISTRICTS:
        by_code[code] = Office.objects.create(code=code, name=name, kind="district_center", weight=weight)
    for code, name, parent in AGENT_OFFICES:
        Office.objects.create(code=code, name=name, kind="agent_office", parent=by_code[parent])
