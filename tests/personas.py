"""The people every test talks about, made in one place: clerks of 朝阳区 and 海淀区, a reviewer,
the municipal administrator, a read-only leader, an employer and an insured person of 朝阳区."""

from __future__ import annotations

import datetime as dt

from shebao.core.permissions import SystemActor
from shebao.registry.checks import credit_check_character, id_check_character
from shebao.registry.models import Office
from shebao.registry.services import employer_register, person_register
from shebao.staff.models import Role, User

PASSWORD = "shebao-test-pw"
# What the tests set up before the story starts is done by a named job, as a command's would be.
SETUP = SystemActor("test_setup", "测试数据准备")


def office(code: str) -> Office:
    return Office.objects.get(code=code)


def make_staff(username: str, *, role: str, office_code: str, display_name: str = "") -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, office=office(office_code),
        display_name=display_name or username,
    )
    return user


def citizen_id(region: str, birth: dt.date, serial: int, *, male: bool) -> str:
    """A valid GB 11643 number: the 17th digit is odd for men, even for women."""
    seq = serial * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_character(first17)


def credit_code(serial: int, region: str = "110105") -> str:
    first17 = f"91{region}{serial:09d}"
    return first17 + credit_check_character(first17)


def make_employer(name: str = "北京朝阳测试科技有限公司", *, district_code: str = "110105", serial: int = 1,
                  **fields):
    return employer_register(actor=SETUP, credit_code=credit_code(serial, district_code), name=name,
                             district=office(district_code), **fields)


def make_person(name: str = "张三", *, district_code: str = "110105", birth: dt.date = dt.date(1975, 5, 1),
                male: bool = True, serial: int = 1, account_type: str = "general", **fields):
    return person_register(
        actor=SETUP, id_number=citizen_id(district_code, birth, serial, male=male), name=name,
        district=office(district_code), account_type=account_type, account_opened_on=dt.date(2000, 1, 1),
        phone=fields.pop("phone", "13812345678"), **fields,
    )


ROLES = Role


def numbered(prefix: str, n: int | str) -> str:
    """A person's name numbered for a fixture, its digits written as Han numerals ("人员", 12 -> "人员一二"):
    a name has no digits (core.inputs.person_name_problem, which registration holds every name to)."""
    return prefix + "".join("零一二三四五六七八九"[int(c)] if c.isdigit() else c for c in str(n))


def relative(name: str = "近亲属甲", *, serial: int = 1, relation: str = "spouse"):
    """The relative who receives a death's immediate payment (benefits.work_injury.AwardPayee): a valid
    citizen ID number of nobody registered (serial 900 + ``serial``, born 1979-04-05, a woman)."""
    from shebao.benefits.work_injury import AwardPayee

    return AwardPayee(name=name, relation=relation,
                      id_number=citizen_id("110105", dt.date(1979, 4, 5), 900 + serial, male=False))
