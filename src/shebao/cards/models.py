"""A replacement card's order (补换卡订单), from the completed application to the card delivered.

5.1: replacement cards are applied for online and delivered by express post (EMS from the pack's
`cards.ems_delivery_from`, 2020-02-03); the person follows the delivery by its tracking number;
while the card is being replaced, the card-collection certificate (领卡证明) is valid for medical
treatment. Writes go through `services.py`; nothing here has logic in save().
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core.fields import EncryptedTextField
from shebao.core.masking import mask_id_number, mask_phone
from shebao.rules.catalog import label


class CardReason(models.TextChoices):
    LOST = "lost", label("card_reason", "lost")
    DAMAGED = "damaged", label("card_reason", "damaged")
    DATA_CHANGED = "data_changed", label("card_reason", "data_changed")
    OTHER = "other", label("card_reason", "other")


class CardOrder(models.Model):
    """One replacement card: made, posted by EMS, delivered. Its certificate code is printed on the
    领卡证明 and checked on the public verification page."""

    class Status(models.TextChoices):
        ORDERED = "ordered", "已申请制卡"
        MADE = "made", "已制卡"
        POSTED = "posted", "已交EMS寄出"
        DELIVERED = "delivered", "已妥投"

    # The order of the steps: a card moves one step forward at a time.
    STEPS = (Status.ORDERED, Status.MADE, Status.POSTED, Status.DELIVERED)
    # 5.1: the certificate is valid for treatment while the card is being replaced, i.e. until it
    # has reached the person.
    CERTIFICATE_VALID = frozenset({Status.ORDERED, Status.MADE, Status.POSTED})

    case = models.OneToOneField("cases.Case", verbose_name="申请", on_delete=models.PROTECT,
                                related_name="card_order")
    person = models.ForeignKey("registry.Person", verbose_name="参保人员", on_delete=models.PROTECT,
                               related_name="card_orders")
    office = models.ForeignKey("registry.Office", verbose_name="经办机构", on_delete=models.PROTECT,
                               related_name="+")
    reason = models.CharField("补换原因", max_length=20, choices=CardReason.choices)
    recipient_name = models.CharField("收件人", max_length=100)
    recipient_phone = EncryptedTextField("收件人电话", max_length=20)  # encrypted at rest (core.crypto)
    postal_address = EncryptedTextField("邮寄地址", max_length=200)  # encrypted at rest (core.crypto)
    postal_code = models.CharField("邮政编码", max_length=6, blank=True)
    status = models.CharField("制卡状态", max_length=10, choices=Status.choices, default=Status.ORDERED,
                              db_index=True)
    ems_tracking_number = models.CharField("EMS邮件号", max_length=20, blank=True, db_index=True)
    certificate_code = models.CharField("领卡证明验证码", max_length=12, unique=True)
    certificate_issued_on = models.DateField("领卡证明出具日期")
    ordered_at = models.DateTimeField("申请制卡时间")
    made_at = models.DateTimeField("制卡完成时间", null=True, blank=True)
    posted_at = models.DateTimeField("寄出时间", null=True, blank=True)
    delivered_at = models.DateTimeField("妥投时间", null=True, blank=True)
    last_actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最后处理人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "补换卡订单"
        verbose_name_plural = "补换卡订单"
        ordering = ["-ordered_at", "-pk"]
        indexes = [models.Index(fields=["office", "status", "ordered_at"])]

    def __str__(self) -> str:
        return f"补换卡 #{self.pk}"

    @property
    def audit_district_code(self) -> str:
        return self.office.code if self.office_id else ""

    @property
    def certificate_valid(self) -> bool:
        """5.1: the 领卡证明 serves for treatment until the new card has been delivered."""
        return self.status in self.CERTIFICATE_VALID

    @property
    def certificate_code_display(self) -> str:
        """The code as printed: three groups of four (ABCD-EFGH-JKLM)."""
        c = self.certificate_code
        return "-".join(c[i:i + 4] for i in range(0, len(c), 4))

    @property
    def recipient_phone_masked(self) -> str:
        return mask_phone(self.recipient_phone)

    @property
    def person_id_number_masked(self) -> str:
        return mask_id_number(self.person.id_number)
