"""Bank files as banks and Excel really write them (issue 12): every file of tests/data/field-inputs
gives its right outcome (see the README there), and each class holds beyond the example."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.collection.importers import (
    REMITTANCE_COLUMNS,
    ImportRefused,
    import_deduction_result,
    import_remittances,
    parse_amount_fen,
    read_table,
)
from shebao.collection.models import BankFile, DeductionItem, DeductionRun, Payment, RemittanceLine
from shebao.collection.reconcile import books_reconcile
from shebao.collection.services import payment_receive, remittance_duplicate_resolve, remittance_match
from shebao.core.models import AuditEvent
from shebao.registry.services import employer_register
from tests import personas
from tests.collection.conftest import book_due
from tests.personas import SETUP

FIELD = Path(__file__).resolve().parent.parent / "data" / "field-inputs"
HEADER = ",".join(REMITTANCE_COLUMNS)
BUILDER = "91110113000000001H"  # 北京市测试建筑有限公司, pays by remittance


def field(name: str) -> bytes:
    return (FIELD / name).read_bytes()


@pytest.fixture
def builder(db):
    employer = employer_register(actor=SETUP, credit_code=BUILDER, name="北京市测试建筑有限公司",
                                 district=personas.office("110113"), payment_method="remittance",
                                 bank_account="6222020200112233445")
    book_due(employer, "2020-02", 1_234_560)
    return employer


def received_fen() -> int:
    return Payment.objects.aggregate(total=Sum("amount_fen"))["total"] or 0


# --- The field inputs, each with its right outcome --------------------------------------------
def test_09_a_result_file_with_a_lower_case_credit_code_is_read(db):
    first = employer_register(actor=SETUP, credit_code="91110105000000000U", name="北京扣款一号公司",
                              district=personas.office("110105"), payment_method="bank_deduction")
    second = employer_register(actor=SETUP, credit_code="91110102000000018A", name="北京扣款二号公司",
                               district=personas.office("110102"), payment_method="bank_deduction")
    book_due(first, "2020-02", 4_264_002)
    book_due(second, "2020-02", 227_965)
    run = DeductionRun.objects.create(created_by_label="test")
    DeductionItem.objects.create(pk=1, run=run, employer=first, amount_fen=4_264_002)
    DeductionItem.objects.create(pk=2, run=run, employer=second, amount_fen=227_965)
    data = field("09-lowercase-credit-code-bank-result.csv")

    result = import_deduction_result(actor=SETUP, data=data, filename="09.csv")

    one, two = DeductionItem.objects.get(pk=1), DeductionItem.objects.get(pk=2)
    assert (result.lines, result.succeeded, result.failed) == (2, 1, 1)
    assert (one.status, one.payment.amount_fen, one.payment.reference) == ("succeeded", 4_264_002, "BK20200305000001")
    assert (two.status, two.failure_reason, two.payment) == ("failed", "账户余额不足", None)
    assert import_deduction_result(actor=SETUP, data=data, filename="09-again.csv").already_imported
    assert received_fen() == 4_264_002
    assert books_reconcile().ok


def test_10_a_gbk_statement_is_read_and_matched(builder):
    result = import_remittances(actor=SETUP, data=field("10-gbk-remittances.csv"), filename="10.csv")
    line = RemittanceLine.objects.get()
    assert (result.lines, result.matched) == (1, 1)
    assert (line.amount_fen, line.employer, line.payer_name, line.memo) == (
        1_234_560, builder, "北京市测试建筑有限公司", "社保费 2020年2月")
    assert line.payment.amount_fen == 1_234_560


def test_11_an_amount_with_thousands_separators_is_read_exactly(builder):
    import_remittances(actor=SETUP, data=field("11-thousands-separator-remittances.csv"), filename="11.csv")
    assert RemittanceLine.objects.get().amount_fen == 1_234_560


def test_12_an_excel_mangled_statement_is_refused_and_the_transfer_is_received_once(builder):
    with pytest.raises(ImportRefused) as exc:
        import_remittances(actor=SETUP, data=field("12-excel-scientific-remittances.csv"), filename="12.csv")
    reasons = [r for n, r in exc.value.errors if n == 2]
    assert {n for n, _ in exc.value.errors} == {2}
    assert any("银行流水号" in r and "2.02003E+19" in r and "已丢失" in r for r in reasons)
    assert any("付款账号" in r and "6.22202E+18" in r for r in reasons)
    assert (BankFile.objects.count(), RemittanceLine.objects.count(), Payment.objects.count()) == (0, 0, 0)

    import_remittances(actor=SETUP, data=field("12b-original-statement-same-transfer.csv"), filename="12b.csv")
    import_remittances(actor=SETUP, data=field("12b-original-statement-same-transfer.csv"), filename="12b-again.csv")
    remitted = Payment.objects.filter(source="remittance").exclude(reference="")
    assert [p.amount_fen for p in remitted] == [1_234_560]
    assert books_reconcile().ok


def test_18_the_queue_masks_the_memo_and_the_account(db, client, clerk_chaoyang):
    import_remittances(actor=SETUP, data=field("18-memo-with-id-and-phone.csv"), filename="18.csv")
    line = RemittanceLine.objects.get()
    assert line.payer_account == "6222020200112233445"  # stored normalised, shown masked
    client.force_login(clerk_chaoyang)
    for url in ("/collection/remittances/", f"/collection/remittances/{line.pk}/"):
        page = client.get(url).content.decode()
        assert "身份证110105********6113" in page and "手机138****5678" in page, url
        assert "6222***********3445" in page
        for secret in ("110105199001016113", "138 1234 5678", "13812345678", "6222020200112233445",
                       "6222 0202 0011 2233 445"):
            assert secret not in page, (url, secret)


# --- 6. The same money twice ------------------------------------------------------------------
ORIGINAL = f"20200305123456789012,2020-03-05,12345.60,北京市测试建筑有限公司,6222020200112233445,{BUILDER},社保费"


def statement(*lines: str, encoding: str = "utf-8") -> bytes:
    return (HEADER + "\n" + "".join(line + "\n" for line in lines)).encode(encoding)


@pytest.mark.parametrize("reference", ["2020 0305 1234 5678 9012", "２０２００３０５１２３４５６７８９０１２",
                                       "2020-0305-1234-5678-9012"])
def test_the_same_reference_written_otherwise_is_skipped(builder, reference):
    import_remittances(actor=SETUP, data=statement(ORIGINAL), filename="a.csv")
    result = import_remittances(actor=SETUP, data=statement(ORIGINAL.replace("20200305123456789012", reference, 1)),
                                filename="b.csv")
    assert (result.skipped, RemittanceLine.objects.count(), received_fen()) == (1, 1, 1_234_560)


@pytest.mark.parametrize("variant", [
    ("HX-20200305-0001", "6222020200112233445", BUILDER),
    ("HX-20200305-0002", "6222 0202 0011 2233 445", BUILDER.lower()),
    ("HX-20200305-0003", "６２２２０２０２００１１２２３３４４５", BUILDER),
])
def test_the_same_transfer_under_another_reference_is_held_and_never_credited(builder, variant):
    reference, account, code = variant
    import_remittances(actor=SETUP, data=statement(ORIGINAL), filename="bank.csv")
    result = import_remittances(actor=SETUP,
        data=statement(f"{reference},2020/3/5,\"12,345.60\",北京市测试建筑有限公司,{account},{code},社保费"),
        filename="export.csv")
    held = RemittanceLine.objects.get(bank_reference=reference.replace("-", ""))
    assert result.held == 1 and "同一笔转账" in result.notes[0]
    assert (held.status, held.duplicate_of.bank_reference, held.payment) == ("duplicate", "20200305123456789012", None)
    assert received_fen() == 1_234_560
    assert books_reconcile().ok


def test_two_lines_of_one_transfer_in_one_file_credit_once(builder):
    import_remittances(actor=SETUP, data=statement(ORIGINAL, ORIGINAL.replace("20200305123456789012", "OTHER-REF", 1)),
                       filename="a.csv")
    assert sorted(RemittanceLine.objects.values_list("status", flat=True)) == ["duplicate", "matched"]
    assert received_fen() == 1_234_560


def test_different_transfers_are_not_held(builder):
    import_remittances(actor=SETUP, data=statement(
        ORIGINAL,
        f"R2,2020-03-06,12345.60,北京市测试建筑有限公司,6222020200112233445,{BUILDER},次日又一笔",
        f"R3,2020-03-05,12345.61,北京市测试建筑有限公司,6222020200112233445,{BUILDER},",
        f"R4,2020-03-05,12345.60,另一付款人,6222000011112222,{BUILDER},",
        "R5,2020-03-05,12345.60,不明,,,"), filename="a.csv")
    assert not RemittanceLine.objects.filter(status="duplicate").exists()


def test_staff_confirm_a_duplicate_and_nothing_is_credited(builder, clerk_chaoyang):
    import_remittances(actor=SETUP, data=statement(ORIGINAL, ORIGINAL.replace("20200305123456789012", "OTHER", 1)),
                       filename="a.csv")
    held = RemittanceLine.objects.get(bank_reference="OTHER")
    remittance_duplicate_resolve(line=held, actor=clerk_chaoyang, same_transfer=True, reason="银行回单为同一笔")
    held.refresh_from_db()
    assert (held.status, held.payment, received_fen()) == ("rejected", None, 1_234_560)
    event = AuditEvent.objects.filter(model="collection.RemittanceLine", object_pk=str(held.pk)).last()
    assert event.actor == clerk_chaoyang and "银行回单为同一笔" in event.reason


def test_a_held_line_is_matched_only_after_staff_say_it_is_another_transfer(builder, clerk_chaoyang, client):
    import_remittances(actor=SETUP, data=statement(ORIGINAL, ORIGINAL.replace("20200305123456789012", "OTHER", 1)),
                       filename="a.csv")
    held = RemittanceLine.objects.get(bank_reference="OTHER")
    with pytest.raises(Exception, match="已匹配"):
        remittance_match(line=held, employer=builder, actor=SETUP)
    client.force_login(personas.make_staff("clerk_sy", role=personas.Role.DISTRICT_CLERK, office_code="110113"))
    page = client.get(f"/collection/remittances/{held.pk}/").content.decode()
    assert "疑似重复" in page and "20200305123456789012" in page
    response = client.post(f"/collection/remittances/{held.pk}/duplicate/", {"decision": "other", "reason": "两张回单"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "unmatched" and received_fen() == 1_234_560


def test_the_ledger_refuses_a_second_payment_of_one_bank_reference(builder):
    payment_receive(actor=SETUP, employer=builder, amount_fen=100, received_on=dt.date(2020, 3, 5), source="remittance",
                    reference="BK1")
    with pytest.raises(IntegrityError), transaction.atomic():
        payment_receive(actor=SETUP, employer=builder, amount_fen=100, received_on=dt.date(2020, 3, 5), source="remittance",
                        reference="BK1")


# --- 5. Encodings, workbooks, separators, dates, lines ----------------------------------------
LINE = f"R1,2020-03-05,12345.60,北京市测试建筑有限公司,6222020200112233445,{BUILDER},社保费 二月"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312", "utf-16"])
def test_every_encoding_banks_and_excel_use_is_read(encoding):
    rows, errors = read_table(statement(LINE, encoding=encoding), REMITTANCE_COLUMNS)
    assert errors == []
    assert rows[0][1]["payer_name"] == "北京市测试建筑有限公司" and rows[0][1]["memo"] == "社保费 二月"


def test_a_tab_separated_utf16_file_as_excel_saves_unicode_text_is_read():
    text = "\t".join(REMITTANCE_COLUMNS) + "\r\n" + LINE.replace(",", "\t") + "\r\n"
    rows, errors = read_table(text.encode("utf-16"), REMITTANCE_COLUMNS)
    assert errors == [] and rows[0][1]["amount"] == "12345.60"


def test_the_encoding_chosen_on_upload_is_used():
    rows, errors = read_table(statement(LINE, encoding="gbk"), REMITTANCE_COLUMNS, encoding="gbk")
    assert errors == [] and rows[0][1]["payer_name"] == "北京市测试建筑有限公司"


@given(st.integers(2, 8), st.sampled_from([b"\xff", b"\x80", b"\xfe\xfe"]))
def test_a_bad_byte_is_reported_on_its_own_line(bad_line, bad):
    lines = [LINE.replace("R1", f"R{i}") for i in range(2, 10)]
    data = statement(*lines).split(b"\n")
    data[bad_line - 1] = data[bad_line - 1].replace(b"R", bad + b"R", 1)
    rows, errors = read_table(b"\n".join(data), REMITTANCE_COLUMNS)
    assert [n for n, _ in errors] == [bad_line] and "字节" in errors[0][1]


@settings(max_examples=200)
@given(st.integers(1, 10**12), st.booleans())
def test_amounts_with_or_without_thousands_separators_read_to_the_same_fen(fen, full_width):
    yuan, cents = divmod(fen, 100)
    for text in (f"{yuan}.{cents:02d}", f"{yuan:,}.{cents:02d}", f"￥{yuan:,}.{cents:02d}", f"{yuan:,}.{cents:02d}元"):
        if full_width:
            text = text.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
        assert parse_amount_fen(text) == fen


@pytest.mark.parametrize("text", ["1,2345.60", "12,34.5", ",123.00", "1.234", "1.2E+04", "12 345,60", "-5.00", "0"])
def test_malformed_amounts_are_refused(text):
    with pytest.raises(ValueError):
        parse_amount_fen(text)


@pytest.mark.parametrize("text", ["2020-03-05", "2020/3/5", "2020/03/05", "2020.3.5", "2020年3月5日", "20200305",
                                  "43895", "2020/3/5 0:00", "２０２０－０３－０５"])
def test_dates_as_excel_and_banks_write_them(builder, text):
    import_remittances(actor=SETUP, data=statement(LINE.replace("2020-03-05", text)), filename="d.csv")
    assert RemittanceLine.objects.get().value_date == dt.date(2020, 3, 5)


@pytest.mark.parametrize("text", ["05/03/2020", "3/5/2020", "2020-02-30", "2020-13-01", "yesterday"])
def test_ambiguous_or_impossible_dates_are_refused_on_their_line(builder, text):
    with pytest.raises(ImportRefused) as exc:
        import_remittances(actor=SETUP, data=statement(LINE, LINE.replace("R1", "R2").replace("2020-03-05", text)),
                           filename="d.csv")
    assert [n for n, _ in exc.value.errors] == [3]
    assert not RemittanceLine.objects.exists()


@pytest.mark.parametrize(("column", "value"), [
    ("bank_reference", "2.02003E+19"), ("payer_account", "6.22202E+18"), ("credit_code", "9.1E+17"),
    ("amount", "1.23456E+04"), ("payer_account", "6.22202e18"),
])
def test_scientific_notation_in_any_number_column_names_line_and_column(builder, column, value):
    row = dict(zip(REMITTANCE_COLUMNS, LINE.split(","), strict=True))
    row[column] = value
    with pytest.raises(ImportRefused) as exc:
        import_remittances(actor=SETUP, data=statement(LINE.replace("R1", "R0"), ",".join(row.values())), filename="s.csv")
    [(line_no, reason)] = exc.value.errors
    assert line_no == 3 and column in reason and value in reason
    assert not RemittanceLine.objects.exists() and not BankFile.objects.exists()


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(REMITTANCE_COLUMNS)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_an_xlsx_statement_with_text_numbers_and_excel_dates_is_read(builder):
    data = workbook([["20200305123456789012", dt.datetime(2020, 3, 5), 12345.6, "北京市测试建筑有限公司",
                      "6222020200112233445", BUILDER.lower(), "社保费"]])
    result = import_remittances(actor=SETUP, data=data, filename="statement.xlsx")
    line = RemittanceLine.objects.get()
    assert result.matched == 1
    assert (line.bank_reference, line.value_date, line.amount_fen, line.credit_code) == (
        "20200305123456789012", dt.date(2020, 3, 5), 1_234_560, BUILDER)


def test_an_xlsx_statement_whose_account_excel_stored_as_a_number_is_refused(builder):
    data = workbook([["R1", dt.date(2020, 3, 5), 100, "甲", 6222020200112233445, "", ""],
                     ["R2", dt.date(2020, 3, 5), 100, "乙", 62220202001, "", ""]])
    with pytest.raises(ImportRefused) as exc:
        import_remittances(actor=SETUP, data=data, filename="statement.xlsx")
    [(line_no, reason)] = exc.value.errors
    assert line_no == 2 and "付款账号" in reason and "已丢失" in reason
    assert not RemittanceLine.objects.exists()


# --- 6. Property: no file, however written or repeated, changes the money twice ----------------
class _Rollback(Exception):
    pass


TRANSFERS = st.lists(st.tuples(st.integers(1, 28), st.integers(1, 5_000_00), st.sampled_from(["", "6222020200112233445",
                                                                                              "6222000011112222"])),
                     min_size=1, max_size=5, unique=True)


def _layouts(draw_bool: bool, account: str) -> str:
    return " ".join(account[i:i + 4] for i in range(0, len(account), 4)) if draw_bool else account


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TRANSFERS, st.lists(st.booleans(), min_size=8, max_size=8), st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_a_statement_imported_again_in_any_form_never_changes_the_money(builder, transfers, flags, encoding):
    """The same transfers, once as the bank sent them and once re-exported (other references, other
    encodings, amounts with separators, dates in another layout, accounts in groups): received once."""
    first = [f"B{d:02d}{fen:06d}{i},2020-03-{d:02d},{fen // 100}.{fen % 100:02d},某单位,{acct},{BUILDER},"
             for i, (d, fen, acct) in enumerate(transfers)]
    again = [f"X-{d}-{fen}-{i},2020/3/{d},\"{fen // 100:,}.{fen % 100:02d}\",某单位,{_layouts(flags[i], acct)},"
             f"{BUILDER.lower() if flags[-1] else BUILDER},重新导出" for i, (d, fen, acct) in enumerate(transfers)]
    try:
        with transaction.atomic():
            import_remittances(actor=SETUP, data=statement(*first, encoding=encoding), filename="bank.csv")
            money = received_fen()
            import_remittances(actor=SETUP, data=statement(*first, encoding=encoding), filename="bank-again.csv")
            import_remittances(actor=SETUP, data=statement(*again, encoding="gb18030" if flags[0] else "utf-8"), filename="re.csv")
            import_remittances(actor=SETUP, data=statement(*reversed(first)), filename="reordered.csv")
            assert received_fen() == money
            assert RemittanceLine.objects.filter(status="duplicate").count() == len(transfers)
            assert books_reconcile().ok
            raise _Rollback
    except _Rollback:
        pass
