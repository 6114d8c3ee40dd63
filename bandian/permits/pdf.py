"""The combined document of a case (统一出件), a PDF in Chinese with the CJK font embedded.

Parallel cases get the combined approval (并联审批决定书), commitment cases the approval on
commitment (告知承诺审批决定书), filing cases the filing receipt (备案回执). One document lists
every item and the department that decided it.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from bandian.core.pdf import cjk_font
from bandian.policy.schema import Policy

if TYPE_CHECKING:
    from bandian.permits.models import ApprovalCase, PermitItem


TITLES = {
    "parallel": "外线工程并联审批决定书",
    "commitment": "外线工程告知承诺审批决定书",
    "filing": "外线工程备案回执",
}


def _local(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"  # type: ignore[arg-type]


def case_document(case: ApprovalCase, items: list[PermitItem], policy: Policy) -> bytes:
    """The PDF for a decided case: the route, every item with its department and decision."""
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"{TITLES[case.path]} {case.no}")
    width, height = A4
    y = height - 25 * mm

    def line(text: str, size: int = 11, gap: float = 7 * mm, x: float = 20 * mm) -> None:
        nonlocal y
        if y < 25 * mm:
            pdf.showPage()
            y = height - 25 * mm
        pdf.setFont(font, size)
        pdf.drawString(x, y, text)
        y -= gap

    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, y, TITLES[case.path])
    y -= 14 * mm
    app = case.application
    line(f"编号：{case.no}")
    line(f"用电申请：{app.no}  {app.applicant_name}")
    line(f"用电地址：{app.address}")
    line(f"线路路径：{case.route}")
    wells = "是" if case.has_wells else "否"
    line(f"线路长度：{case.route_length_m} 米    电压等级：{case.voltage_kv} kV    含电缆井：{wells}")
    if case.crossings:
        line(f"跨越/穿越：{case.crossings}")
    line(f"受理时间：{_local(case.opened_at)}    办结时间：{_local(case.decided_at)}")
    if case.path == "commitment":
        kv, metres = policy.approval.commitment_max_kv, policy.approval.commitment_max_length_m
        days = policy.permits.restoration_workdays
        line(f"本工程适用告知承诺制（≤{kv:g} kV、≤{metres:g} 米、不含电缆井），依供电企业书面承诺予以批准。")
        line(f"承诺：接电后向各相关部门报告施工完成，并于 {days} 个工作日内恢复道路和绿化。")
    elif case.path == "filing":
        line("本工程为低压短距离线路，实行审批改备案，以下事项已备案。")
    y -= 4 * mm
    line("审批事项", size=13, gap=9 * mm)
    for n, item in enumerate(items, start=1):
        spec = policy.permits.items.get(item.item_type)
        name = spec.zh if spec else item.item_type
        line(f"{n}. {name}", size=11, gap=6 * mm)
        line(
            f"承办部门：{item.department.name}    结果：{item.get_status_display()}    时间：{_local(item.decided_at)}",
            size=10,
            x=26 * mm,
        )
    y -= 6 * mm
    line(f"依据：{policy.policy.document}（{policy.policy.name}）", size=9)
    line("本文书由外线工程并联审批系统统一出件，各部门审批意见以上表为准。", size=9)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
