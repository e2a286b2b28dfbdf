"""The work-injury exchange import says ID numbers masked and reads full-width digits (review-input12
F10): `shebao work_injury_import` printed a refused line's ID number whole, and an ID number written in
full-width digits found no one. Dates too: full-width digits read, a day the calendar lacks said so.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from django.core.management import CommandError, call_command

from shebao.benefits.models import ExchangeRecord
from shebao.benefits.work_injury import exchange_file_import
from tests import personas
from tests.nothing_written import nothing_written
from tests.personas import SETUP

UNKNOWN_ID = "110105198503010027"


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def _line(id_number: str, **extra) -> dict:
    return {"kind": "recognition", "reference": "京人社工伤认〔2020〕0099号", "id_number": id_number,
            "decided_on": "2020-02-08", "injured_on": "2020-01-27", "medical_staff": True, **extra}


def _file(tmp_path, *records: dict):
    path = tmp_path / "hr.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def nurse(db):
    return personas.make_person("护士乙", birth=dt.date(1985, 3, 1), serial=42, male=False)


def test_the_command_prints_a_refused_lines_id_number_masked(db, tmp_path, capsys):
    path = _file(tmp_path, _line(UNKNOWN_ID), _line(_wide(UNKNOWN_ID), reference="R2"))
    with nothing_written(), pytest.raises(CommandError):
        call_command("work_injury_import", str(path))
    err = capsys.readouterr().err
    assert "110105********0027" in err and "不是本市参保人员" in err
    assert UNKNOWN_ID not in unicodedata.normalize("NFKC", err)


def test_an_id_number_and_dates_in_full_width_digits_are_read(nurse, tmp_path, capsys):
    line = _line(_wide(nurse.id_number), decided_on=_wide("2020-02-08"), injured_on=_wide("2020-01-27"))
    call_command("work_injury_import", str(_file(tmp_path, line)))
    assert "新导入1条" in capsys.readouterr().out
    rec = ExchangeRecord.objects.get()
    assert (rec.person, rec.decided_on, rec.injured_on) == (nurse, dt.date(2020, 2, 8), dt.date(2020, 1, 27))


def test_a_day_the_calendar_lacks_is_said_so(nurse):
    with nothing_written():
        report = exchange_file_import(data=(json.dumps(_line(nurse.id_number, decided_on="2020-02-30")) + "\n").encode(),
                                      filename="f.jsonl", actor=SETUP)
    assert report.refused and report.errors == [(1, "决定日期“2020-02-30”不存在：2020年2月只有29天")]
