"""A dead worker's spouse is of the lawful age of marriage on the day of the death, read from the base pack
(``work_injury.spouse_min_age``: 婚姻法（1980年）第六条, from 2021-01-01 民法典 第一千零四十七条: a man 22, a
woman 20), at the birthday and a day before it."""

from __future__ import annotations

from datetime import date

import pytest

from shebao.rules import load_policy
from shebao.rules.work_injury import relative_age_problem

BASE = load_policy("base")
WORKER = date(1980, 6, 1)


def _spouse(policy, *, born: date, male: bool, died_on: date) -> str | None:
    return relative_age_problem(policy, relation="spouse", birth_date=born, male=male, worker_birth_date=WORKER,
                                died_on=died_on)


@pytest.mark.parametrize("died_on", [date(2020, 3, 2), date(2021, 3, 2)])  # the 婚姻法's value, then the 民法典's
@pytest.mark.parametrize(("male", "age"), [(True, 22), (False, 20)])
def test_a_spouse_is_taken_from_the_birthday_of_the_marriage_age(died_on: date, male: bool, age: int) -> None:
    birthday = date(died_on.year - age, died_on.month, died_on.day)
    assert _spouse(BASE, born=birthday, male=male, died_on=died_on) is None
    day_after = date(birthday.year, birthday.month, birthday.day + 1)  # one day short of the age at the death
    said = _spouse(BASE, born=day_after, male=male, died_on=died_on)
    assert said is not None and f"未满{age}周岁（法定婚龄）" in said


def test_the_marriage_age_is_the_packs_in_force_on_the_day_of_the_death() -> None:
    # a what-if raising a woman's age from 2022 leaves a death of 2021 as it was, and applies from its day
    changed = BASE.with_announcement({"work_injury.spouse_min_age": {"male": 22, "female": 21}}, effective="2022-01-01")
    assert _spouse(changed, born=date(2001, 3, 2), male=False, died_on=date(2021, 3, 2)) is None
    assert _spouse(changed, born=date(2001, 3, 2), male=False, died_on=date(2022, 3, 2)) is None  # 21 that day
    said = _spouse(changed, born=date(2001, 3, 3), male=False, died_on=date(2022, 3, 2))  # 20 under the new rule
    assert said is not None and "未满21周岁" in said
    assert _spouse(BASE, born=date(2001, 3, 3), male=False, died_on=date(2022, 3, 2)) is None  # 20 under the law
    value, stated = BASE.stated_value("work_injury.spouse_min_age", date(2021, 1, 1))
    assert value == {"male": 22, "female": 20} and "民法典 第一千零四十七条" in stated["document"]
    assert "婚姻法（1980年）第六条" in BASE.stated_value("work_injury.spouse_min_age", date(2020, 12, 31))[1]["document"]


# --- Every relation at its boundary (the project's plausibility checks: 14 years a generation, 300 days) ------
DIED = date(2020, 3, 2)


def _problem(relation: str, born: date, *, male: bool = True, who: str = "领取人") -> str | None:
    return relative_age_problem(BASE, relation=relation, birth_date=born, male=male, worker_birth_date=WORKER,
                                died_on=DIED, who=who)


def test_a_parent_is_at_least_14_years_older_and_a_grandparent_28() -> None:
    assert _problem("parent", date(1966, 6, 1)) is None
    assert _problem("parent", date(1966, 6, 2)) == (
        "领取人出生于1966-06-02，比死者（1980-06-01出生）年长不足14岁，不能是死者的父母；请核对证件号码和与死者的关系")
    assert _problem("grandparent", date(1952, 6, 1)) is None
    assert _problem("grandparent", date(1952, 6, 2)) == (
        "领取人出生于1952-06-02，比死者（1980-06-01出生）年长不足28岁，不能是死者的祖父母、外祖父母；"
        "请核对证件号码和与死者的关系")


def test_a_child_is_at_least_14_years_younger_and_may_be_born_up_to_300_days_after_the_death() -> None:
    assert _problem("child", date(1994, 6, 1)) is None
    assert _problem("child", date(1994, 5, 31), who="第2位供养亲属") == (
        "第2位供养亲属出生于1994-05-31，比死者（1980-06-01出生）年轻不足14岁，不像是死者的子女；请核对证件号码和与死者的关系")
    assert _problem("child", date(2020, 12, 27)) is None  # 300 days after the death
    assert _problem("child", date(2020, 12, 28)) == (
        "领取人出生于2020-12-28，晚于死者死亡（2020-03-02）300天以上，不能是死者的子女，请核对证件号码")


def test_a_grandchild_is_at_least_28_years_younger() -> None:
    assert _problem("grandchild", date(2008, 6, 1)) is None
    assert _problem("grandchild", date(2008, 5, 31)) == (
        "领取人出生于2008-05-31，比死者（1980-06-01出生）年轻不足28岁，不像是死者的孙子女、外孙子女；"
        "请核对证件号码和与死者的关系")


@pytest.mark.parametrize(("relation", "zh"), [("sibling", "兄弟姐妹"), ("spouse", "配偶"), ("parent", "父母"),
                                             ("other", "其他供养亲属"), ("cousin", "cousin")])
def test_nobody_but_a_child_is_born_after_the_death(relation: str, zh: str) -> None:
    assert _problem(relation, date(2020, 3, 3)) == (
        f"领取人出生于2020-03-03，晚于死者死亡（2020-03-02），不能是死者的{zh}，请核对证件号码")


def test_a_sibling_may_be_of_any_age_born_by_the_death() -> None:
    assert _problem("sibling", date(2020, 3, 2)) is None and _problem("sibling", date(1930, 1, 1)) is None
    assert _problem("other", date(2019, 1, 1)) is None


def test_a_twin_is_a_sibling_and_no_parent() -> None:
    """Born the same day as the worker: no years between them (rules.work_injury._years_between of one day)."""
    assert _problem("sibling", WORKER) is None
    assert "年长不足14岁" in (_problem("parent", WORKER) or "")
