"""The assessment run's report by district (征缴核定报告, 0.3) as a PDF, in Chinese (issue 20).

What a run found, on paper for the center's meeting: the run (as-of date, policy and its version,
the lifting date announced then, who ran it and when), the city's totals, each district's employers
in arrears, arrears, late fees and the late fees waived under 0.3 (with a chart of them), and the
employers with the most arrears. Names are printed in full (core.pdffonts).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from reportlab.lib.units import mm

from shebao.core.money import format_yuan
from shebao.registry.offices import short_name
from shebao.reports.pdfcharts import bar_chart, chart_height
from shebao.reports.pdfpages import LEFT, RIGHT, Pages
from shebao.rules.wording import makeup_relief_text

DISTRICT_HEADS = ["区", "欠费单位数", "欠费（元）", "滞纳金（元）", "减免滞纳金（元）"]
TOP_HEADS = ["单位名称", "所属区", "欠费（元）", "逾期笔数", "滞纳金（元）", "减免（元）"]



def assessment_report_pdf(*, run: Any, districts: list[Any], top: list[dict[str, Any]], policy: Any,
                          printed_by: str) -> bytes:
    """The report of `run` (collection.AssessmentRun) as PDF bytes: `districts` its AssessmentDistrict
    rows (those the reader may see), `top` the employers with most arrears
    (collection.selectors.assessment_lines), `policy` (rules.Policy) the pack whose make-up months
    word clause 0.3 in the closing note (rules.wording.makeup_relief_text, with the run's lifting date).
    Raises core.pdffonts' errors rather than print a gap."""
    pages = Pages.open(title=f"征缴核定报告（核定日{run.as_of:%Y-%m-%d}，批次#{run.pk}）",
                       heading="社会保险费征缴核定报告（按区）")
    c, font = pages.c, pages.font
    pages.text(f"核定日：{run.as_of:%Y-%m-%d}    批次：#{run.pk}", 10)
    lifted = f"{run.lifted_on:%Y-%m-%d}" if run.lifted_on else "尚未公告"
    pages.text(f"政策包：{run.policy_name}（版本{run.policy_version}）；疫情解除日期：{lifted}", 10)
    ran = timezone.localtime(run.created_at) if timezone.is_aware(run.created_at) else run.created_at
    pages.text(f"运行：{run.created_by_label or '系统'}，{ran:%Y-%m-%d %H:%M}；核定应缴{run.dues:,}笔", 10)
    pages.text(f"全市：欠费单位{run.employers_in_arrears:,}家，欠费{format_yuan(run.arrears_fen)}元，"
               f"滞纳金{format_yuan(run.late_fee_fen)}元，减免滞纳金{format_yuan(run.waived_fen)}元（第0.3条）", 10)
    pages.y -= 3 * mm
    pages.heading("一、各区核定结果")
    rows = [[d.district.name, f"{d.employers_in_arrears:,}", format_yuan(d.arrears_fen), format_yuan(d.late_fee_fen),
             format_yuan(d.waived_fen)] for d in districts]
    if districts:
        rows.append(["合计", f"{sum(d.employers_in_arrears for d in districts):,}",
                     format_yuan(sum(d.arrears_fen for d in districts)),
                     format_yuan(sum(d.late_fee_fen for d in districts)),
                     format_yuan(sum(d.waived_fen for d in districts))])
    pages.table(DISTRICT_HEADS, rows, empty="本批次没有欠费。")  # columns from their content (review-user13 (3))
    if districts:
        labels = [short_name(d.district.name) for d in districts]
        pages.y -= 4 * mm
        pages.need(chart_height(len(labels), 3))
        pages.y -= bar_chart(c, x=LEFT, y=pages.y, width=RIGHT - LEFT, font=font, title="各区欠费、滞纳金与减免（元）",
                             labels=labels, series=[("欠费", [d.arrears_fen / 100 for d in districts]),
                                                    ("滞纳金", [d.late_fee_fen / 100 for d in districts]),
                                                    ("减免滞纳金", [d.waived_fen / 100 for d in districts])])
    pages.y -= 4 * mm
    pages.heading(f"二、欠费最多的{len(top)}家单位")
    pages.table(TOP_HEADS, [[item["employer_name"], item["district_name"], format_yuan(item["arrears_fen"]),
                             f"{item['overdue_dues']:,}", format_yuan(item["late_fee_fen"]),
                             format_yuan(item["waived_fen"])] for item in top], empty="没有欠费单位。")
    # Clause 0.3 in the policy's own words: the make-up months come from the pack (and the lifting
    # date announced when the run was made), never a literal count written here.
    relief = makeup_relief_text(policy, lifted_on=run.lifted_on)
    return pages.finish(note=f"说明：滞纳金按核定时施行的征缴政策计算；依北京市社会保险基金管理中心2020年1月31日通知"
                             f"第0.3条，{relief}，列为减免滞纳金。", printed_by=printed_by)
