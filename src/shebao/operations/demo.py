"""Demo data of the agency's own work (`shebao demo_setup`): contacts of 朝阳区's employers for
outreach, a fortnight's duty roster of 朝阳区's hall and the day's hall log. Idempotent: nothing is
made twice."""

from __future__ import annotations

import datetime as dt

from shebao.core import clock
from shebao.core.permissions import SystemActor
from shebao.operations import halls, outreach
from shebao.operations.models import DutyAssignment, EmployerContact, HallDayLog
from shebao.registry.models import Employer, Office
from shebao.staff.models import User

JOB = SystemActor.command("demo_setup")


def demo_operations_create() -> list[str]:
    """Make the demo's outreach directory, roster and log; returns what was made, in Chinese."""
    made = []
    chaoyang = Office.objects.get(code="110105")
    if not EmployerContact.objects.exists():
        for n, e in enumerate(Employer.objects.filter(district=chaoyang).order_by("credit_code")[:20]):
            outreach.employer_contact_save(
                actor=JOB, employer=e, person_name=f"人事专员{n + 1}", phone=f"1380000{n:04d}" if n % 4 else "",
                email=f"hr{n + 1}@example.invalid" if n % 3 else "",
                postal_address=f"北京市朝阳区演示路{n + 1}号" if n % 2 == 0 else "")
        made.append("朝阳区单位联系方式20家")
    hall = User.objects.filter(username="hall").first()
    leader = User.objects.filter(username="chaoyang_leader").first()
    today = clock.business_date() or dt.date(2020, 2, 20)
    if hall and leader and not DutyAssignment.objects.filter(hall=chaoyang).exists():
        for i in range(14):
            halls.duty_assign(actor=hall, hall=chaoyang, day=today + dt.timedelta(days=i), leader=leader)
        made.append("朝阳区大厅带班安排14天")
    if hall and today <= clock.today() and not HallDayLog.objects.filter(hall=chaoyang, day=today).exists():
        halls.hall_log_save(actor=hall, hall=chaoyang, day=today, visitors_checked=86,
                            ventilation="开窗通风2次，每次30分钟", posters_in_place=True)
        made.append(f"朝阳区大厅{today:%Y-%m-%d}防疫日志")
    return made
