"""Addresses and memos encrypted at rest (issue 16 §4, docs/encryption.md): the outbox's recipient, an
outreach recipient's address, an opt-out's address (looked up by its keyed hash) and a remittance's memo
are Fernet tokens in their rows (read here with raw SQL), while every message still reaches its address,
an opt-out still skips it, a remittance still matches by the reference in its memo, and pages and
exports show them masked. Existing rows are encrypted by forward-only migrations."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from shebao.cases.models import OutboxMessage
from shebao.cases.notifications import FileAdapter, deliver_batch
from shebao.core import crypto
from shebao.core.models import AuditEvent
from shebao.operations import outreach
from shebao.operations.models import OPT_OUT_KIND, OptOut, OutreachRecipient
from tests import personas
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db
PHONE, OTHER_PHONE = "13800000011", "13800000012"
MEMO_PHONE = "13912345678"


def raw(model, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def assert_token(stored: str, *clear: str) -> None:
    """`stored` is a token and holds none of `clear`. A token is base64 text: a short ASCII value
    ("SB") turns up in it by chance (one run in forty failed so), so each value looked for is either
    not ASCII or long enough that chance does not find it."""
    assert stored.startswith(crypto.TOKEN_PREFIX), stored
    for value in clear:
        assert not value.isascii() or len(value) >= 8, f"{value!r}: too short to tell from base64 by chance"
        assert value not in stored


@pytest.fixture(autouse=True)
def _dirs(settings, tmp_path):
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


@pytest.fixture
def employers(db):
    a = personas.make_employer("北京朝阳甲科技有限公司", serial=11)
    b = personas.make_employer("北京朝阳乙商贸有限公司", serial=12)
    outreach.employer_contact_save(actor=personas.SETUP, employer=a, phone=PHONE, email="hr@jia.example")
    outreach.employer_contact_save(actor=personas.SETUP, employer=b, phone=OTHER_PHONE,
                                   postal_address="北京市朝阳区望京街1号")
    return a, b


def test_outreach_addresses_and_the_outbox_are_tokens_and_every_message_still_reaches_its_address(
        client, clerk_chaoyang, reviewer_chaoyang, employers):
    # An opt-out typed with spaces: stored as a token, with the keyed hash of the normalised address.
    opt = outreach.opt_out_record(actor=clerk_chaoyang, channel="sms", address="138 0000 0011", reason="本人来电")
    assert_token(raw(OptOut, "address", opt.pk), PHONE)
    assert raw(OptOut, "address_hash", opt.pk) == crypto.blind_index(PHONE, kind=OPT_OUT_KIND)
    assert OptOut.objects.get(pk=opt.pk).address == PHONE
    trail = " ".join(str(e.changes) for e in AuditEvent.objects.filter(model="operations.OptOut"))
    assert PHONE not in trail
    # The one-per-address rule holds on the hash: the same number again (full-width) is refused.
    with nothing_written(), pytest.raises(ValidationError, match="已登记退订"):
        outreach.opt_out_record(actor=clerk_chaoyang, channel="sms", address="１３８００００００１１")
    # ... but the same number on another channel is another opt-out.
    outreach.opt_out_record(actor=clerk_chaoyang, channel="wechat", address=PHONE)

    t = outreach.TEMPLATES["no_contact"]
    o = outreach.outreach_draft(actor=clerk_chaoyang, title=t["title"], audience="district_employers",
                                channels=["sms", "email", "letter"], purpose="service", subject=t["subject"],
                                body=t["body"])
    outreach.outreach_approve(actor=reviewer_chaoyang, outreach=o, version=o.version)
    rows = {(r.name, r.channel): r for r in o.recipients.select_related("message")}
    a, b = employers
    # The opted-out number is skipped (compared by hash), the other is queued.
    assert rows[(a.name, "sms")].status == OutreachRecipient.Status.OPTED_OUT
    assert rows[(b.name, "sms")].status == OutreachRecipient.Status.QUEUED
    for r in rows.values():
        if r.address:
            assert_token(raw(OutreachRecipient, "address", r.pk), r.address)
    assert rows[(b.name, "letter")].address == "北京市朝阳区望京街1号"
    queued = list(OutboxMessage.objects.filter(event=f"outreach:{o.pk}"))
    assert sorted(m.recipient for m in queued) == [OTHER_PHONE, "hr@jia.example"]
    for m in queued:
        assert_token(raw(OutboxMessage, "recipient", m.pk), m.recipient)

    # Sending reads the address through the model: the carrier gets it whole.
    assert deliver_batch(adapter=FileAdapter) == {"sent": 2, "failed": 0}
    sms = [json.loads(line) for line in (personas_dir() / "sms.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [m["to"] for m in sms] == [OTHER_PHONE]

    # The pages show the addresses masked, the letters still carry the postal address.
    client.force_login(reviewer_chaoyang)
    page = client.get(reverse("backoffice:outreach", args=[o.pk])).content.decode()
    assert "138****0012" in page and OTHER_PHONE not in page and "已发送：<strong>2</strong>" in page
    assert client.get(reverse("backoffice:outreach_letters", args=[o.pk])).content.startswith(b"%PDF")
    client.force_login(clerk_chaoyang)
    page = client.get(reverse("backoffice:opt_outs")).content.decode()
    assert "138****0011" in page and PHONE not in page


def personas_dir():
    from django.conf import settings

    return settings.SHEBAO_NOTIFY_DIR


def test_an_applicants_notification_keeps_its_recipient_as_a_token(settings):
    from shebao.cases.notifications import outbox_message

    m = outbox_message(event="accept", channel="email", recipient="zhang@example.cn", subject="受理", body="已受理")
    m.save()
    assert_token(raw(OutboxMessage, "recipient", m.pk), "zhang@example.cn")
    assert OutboxMessage.objects.get(pk=m.pk).recipient == "zhang@example.cn"


def test_a_remittance_memo_is_a_token_still_matched_by_its_reference_and_shown_masked(client, collection_clerk):
    from shebao.backoffice.exports import remittance_spec
    from shebao.collection.importers import import_remittances
    from shebao.collection.models import RemittanceLine
    from shebao.collection.services import payment_reference
    from tests.collection.conftest import book_due

    employer = personas.make_employer("北京朝阳汇款测试有限公司", serial=11, payment_method="remittance")
    book_due(employer, "2019-12", 10_000)
    memo = f"{payment_reference(employer)} 联系{MEMO_PHONE}"
    import_remittances(actor=personas.SETUP, filename="s.csv", data=(
        "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
        f"M1,2020-01-06,100.00,某公司,,,{memo}\n"
        f"M2,2020-01-06,55.00,某人,,,代缴 {MEMO_PHONE}\n").encode())
    matched, queued = RemittanceLine.objects.get(bank_reference="M1"), RemittanceLine.objects.get(bank_reference="M2")
    # Matched by the reference in the memo, which the row keeps only as a token.
    assert matched.employer == employer and matched.matched_by
    assert matched.memo == memo
    for line in (matched, queued):
        assert_token(raw(RemittanceLine, "memo", line.pk), MEMO_PHONE, payment_reference(employer))
    # The queue, the line's page and an export for who may not read personal data: masked.
    client.force_login(collection_clerk)
    page = client.get(reverse("collection:remittance_queue")).content.decode()
    assert "M2" in page and MEMO_PHONE not in page and "139****5678" in page
    page = client.get(reverse("collection:remittance_line", args=[queued.pk])).content.decode()
    assert MEMO_PHONE not in page and "139****5678" in page
    spec = remittance_spec(collection_clerk, {})
    exported = [row for row in spec.rows() if row[0] == "M2"]
    assert exported and exported[0][6] == ("代缴 " + MEMO_PHONE if spec.reads.full else queued.memo_masked)


def test_the_migrations_encrypt_rows_written_in_clear(clerk_chaoyang, employers):
    from shebao.cases.notifications import outbox_message
    from shebao.collection.importers import import_remittances
    from shebao.collection.models import RemittanceLine

    m = outbox_message(event="accept", channel="sms", recipient=PHONE, subject="受理", body="已受理")
    m.save()
    opt = outreach.opt_out_record(actor=clerk_chaoyang, channel="sms", address=PHONE)
    t = outreach.TEMPLATES["no_contact"]
    o = outreach.outreach_draft(actor=clerk_chaoyang, title=t["title"], audience="district_employers",
                                channels=["letter"], purpose="legal", subject=t["subject"], body=t["body"])
    outreach.outreach_approve(actor=personas.make_staff("rev2", role=personas.Role.DISTRICT_REVIEWER,
                                                        office_code="110105"), outreach=o, version=o.version)
    letter = o.recipients.exclude(address="").first()
    import_remittances(actor=personas.SETUP, filename="s.csv", data=(
        "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
        f"C1,2020-01-06,1.00,某人,,,{MEMO_PHONE}\n").encode())
    line = RemittanceLine.objects.get(bank_reference="C1")
    # As before the migrations: every value in clear, the opt-out without its hash.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {OutboxMessage._meta.db_table} SET recipient = %s WHERE id = %s", [PHONE, m.pk])
        cursor.execute(f"UPDATE {OptOut._meta.db_table} SET address = %s, address_hash = '' WHERE id = %s",
                       [PHONE, opt.pk])
        cursor.execute(f"UPDATE {OutreachRecipient._meta.db_table} SET address = %s WHERE id = %s",
                       ["北京市朝阳区望京街1号", letter.pk])
        cursor.execute(f"UPDATE {RemittanceLine._meta.db_table} SET memo = %s WHERE id = %s", [MEMO_PHONE, line.pk])
    assert OutboxMessage.objects.get(pk=m.pk).recipient == PHONE  # clear text is still read as it is
    for module in ("cases.migrations.0014_outbox_recipient_encrypted",
                   "operations.migrations.0005_recipients_encrypted",
                   "collection.migrations.0017_remittance_memo_encrypted"):
        migration = importlib.import_module(f"shebao.{module}")
        migration.encrypt_existing(apps, None)
        assert not migration.Migration.operations[-1].reversible  # forward only
    assert_token(raw(OutboxMessage, "recipient", m.pk), PHONE)
    assert_token(raw(OptOut, "address", opt.pk), PHONE)
    assert raw(OptOut, "address_hash", opt.pk) == crypto.blind_index(PHONE, kind=OPT_OUT_KIND)
    assert_token(raw(OutreachRecipient, "address", letter.pk), "望京街")
    assert_token(raw(RemittanceLine, "memo", line.pk), MEMO_PHONE)
    assert OutboxMessage.objects.get(pk=m.pk).recipient == PHONE
    assert RemittanceLine.objects.get(pk=line.pk).memo == MEMO_PHONE


def test_the_sources_of_addresses_are_tokens_too(employers, clerk_chaoyang, reviewer_chaoyang):
    """Where the recipients come from: an employer's outreach contact (e-mail, WeChat id, postal
    address), a case's notification e-mail and WeChat id, a card order's postal address."""
    from shebao.cards.models import CardOrder
    from shebao.cases.models import Case
    from shebao.operations.models import EmployerContact

    a, b = employers
    outreach.employer_contact_save(actor=personas.SETUP, employer=a, phone=PHONE, email="hr@jia.example",
                                   wechat_openid="oWX123456", postal_address="北京市朝阳区望京街1号")
    contact = EmployerContact.objects.get(employer=a)
    for column, clear in (("email", "hr@jia.example"), ("wechat_openid", "oWX123456"),
                          ("postal_address", "望京街")):
        assert_token(raw(EmployerContact, column, contact.pk), clear)
    # The outreach run still reads them: the letter and the e-mail go to the addresses typed.
    t = outreach.TEMPLATES["no_contact"]
    o = outreach.outreach_draft(actor=clerk_chaoyang, title=t["title"], audience="district_employers",
                                channels=["email", "wechat", "letter"], purpose="legal", subject=t["subject"],
                                body=t["body"])
    outreach.outreach_approve(actor=reviewer_chaoyang, outreach=o, version=o.version)
    got = {(r.name, r.channel): r.address for r in o.recipients.all()}
    assert got[(a.name, "email")] == "hr@jia.example" and got[(a.name, "wechat")] == "oWX123456"
    assert got[(a.name, "letter")] == "北京市朝阳区望京街1号"

    from shebao.registry.models import EmploymentSpell
    from tests.cases.conftest import client_for, submit

    # An employee of the employer, whom the report's content names (every road requires the content).
    EmploymentSpell.objects.create(person=personas.make_person("王工", serial=33), employer=a, from_month="2015-01")
    answer = submit(client_for(clerk_chaoyang), business="monthly_report_back_payment", channel="online",
                    employer=a.pk, applied_on="2020-02-10", contact_email="wang@example.cn",
                    contact_wechat="oWANG0001")
    assert answer.status_code == 201, answer.content[:300]
    case = Case.objects.get(pk=answer.json()["id"])
    assert_token(raw(Case, "contact_email", case.pk), "wang@example.cn")
    assert_token(raw(Case, "contact_wechat", case.pk), "oWANG0001")
    assert Case.objects.get(pk=case.pk).contact_email == "wang@example.cn"
    assert [f.name for f in CardOrder._meta.concrete_fields if f.name == "postal_address"]
    assert CardOrder._meta.get_field("postal_address").get_internal_type() == "TextField"
    from shebao.core.fields import EncryptedTextField

    assert isinstance(CardOrder._meta.get_field("postal_address"), EncryptedTextField)
