from __future__ import annotations

from datetime import date

from django.db import transaction

from shebao.core import clock
from shebao.core.commands import ShebaoCommand, count_arg
from shebao.core.permissions import SystemActor
from shebao.registry.models import Office
from shebao.staff.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from shebao.staff.models import User
from shebao.staff.otp import DEMO_TOTP_KEY_HEX, secret_base32
from shebao.staff.services import staff_otp_enroll


class Command(ShebaoCommand):
    help = "创建演示工作人员账号（可重复运行）并打印登录信息。Create the demo staff accounts."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=count_arg, default=40, help="每个演示区的示例申请数（已有申请则不再生成）")

    @transaction.atomic
    def handle(self, *args, **opts):
        for username, display, role, office_code, superuser in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"display_name": display, "role": role, "office": Office.objects.get(code=office_code),
                          "is_staff": superuser, "is_superuser": superuser},
            )
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if not user.totpdevice_set.filter(key=DEMO_TOTP_KEY_HEX).exists():
                # Every demo account shares the published demo secret: one entry in an authenticator app.
                staff_otp_enroll(actor=SystemActor.command("demo_setup"), user=user, key_hex=DEMO_TOTP_KEY_HEX)
        from shebao.cases.models import Case
        from shebao.staff.demo_cases import demo_cases_create

        if opts["cases"] and not Case.objects.exists():
            # Inside the emergency: the business date when the demo sets one (make demo), else 2020-02-20.
            applied_on = clock.business_date() or date(2020, 2, 20)
            clerk = User.objects.get(username="chaoyang")
            from shebao.staff.demo_cases import demo_books_create

            # The books first: the refund samples refund the paid due they lay down.
            books = demo_books_create(actor=clerk, district_code="110105", applied_on=applied_on)
            if books:
                self.stdout.write(f"示例账务：{books}")
            made = demo_cases_create(actor=clerk, district_code="110105", count=opts["cases"],
                                     applied_on=applied_on)
            made += demo_cases_create(actor=User.objects.get(username="haidian"), district_code="110108",
                                      count=opts["cases"] // 2, applied_on=applied_on)
            # How many of the samples were made, and which were not and why (review: the demo made
            # fewer cases than it set out to, silently).
            for line in made.lines(applied_on):
                self.stdout.write(line)
        from shebao.staff.demo_benefits import demo_benefits_create

        if opts["cases"]:
            today = clock.business_date() or date(2020, 2, 20)
            retirees = demo_benefits_create(clerk=User.objects.get(username="chaoyang"), month=today.isoformat()[:7])
            if retirees:
                self.stdout.write(f"已生成示例退休人员{retirees}人及{today:%Y-%m}养老金发放批次")
        from shebao.staff.demo_relief import demo_relief_create

        if opts["cases"]:
            relief = demo_relief_create(clerk=User.objects.get(username="chaoyang"))
            if relief:
                self.stdout.write(relief)
        from shebao.operations.demo import demo_operations_create

        for what in demo_operations_create():
            self.stdout.write(f"已生成{what}")
        from shebao.portal.demo import demo_portal_create

        portal_lines = demo_portal_create(password=DEMO_PASSWORD)
        from shebao.reports.tallies import tallies_refresh

        # The generated books are bulk-loaded without audit events: recount every tally, so the
        # leaders' dashboard shows the demo's money from the first view (it never refreshes on a read).
        refreshed = tallies_refresh(full=True)
        self.stdout.write(f"领导看板统计已全量重算（{len(refreshed.buckets)}类数据）")
        self.stdout.write("\n社保经办系统（演示）: http://127.0.0.1:8000/")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, display, *_ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<16} {display}")
        demo_device = User.objects.get(username=DEMO_ACCOUNTS[0][0]).totpdevice_set.get()
        self.stdout.write("登录还须填写动态口令（第二重验证）。演示账号共用一个验证器密钥："
                          f"{secret_base32(demo_device)}")
        self.stdout.write("  在验证器应用（如腾讯身份验证器、Google Authenticator）中手动添加此密钥，"
                          "或运行 DEBUG=true .venv/bin/shebao staff_otp admin --code 查看当前口令（仅限演示环境）。")
        for line in portal_lines:
            self.stdout.write(line)
        self.stdout.write("")
