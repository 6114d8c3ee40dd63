"""Drawing a supply contract: a PDF in Chinese with the CJK font embedded (ReportLab, as the
permit documents are drawn). Pure: `ContractText` in, bytes out, so that the demo can draw in
worker processes.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from bandian.applications.models import Application
from bandian.core.pdf import cjk_font
from bandian.core.time import SHANGHAI
from bandian.policy.contracts import ContractTemplate

LEFT = 20 * mm
RIGHT = A4[0] - 20 * mm
TOP = A4[1] - 22 * mm
# The signature lines stay above the utility's stamp (signing.STAMP_BOX, drawn on the last page).
SIGNATURES_LOWEST = 130 + 22 * mm


@dataclass(frozen=True)
class ContractText:
    """Everything printed on a contract."""

    application_no: str
    template: ContractTemplate
    customer: str
    address: str
    capacity_kw: Decimal
    voltage_kv: Decimal
    class_name: str
    county: str
    drawn_on: dt.date


def contract_text(app: Application, template: ContractTemplate, *, class_name: str, at: dt.datetime) -> ContractText:
    return ContractText(
        application_no=app.no,
        template=template,
        customer=app.applicant_name or (app.applicant.display_name if app.applicant else "") or "—",
        address=app.address,
        capacity_kw=app.capacity_kw,
        voltage_kv=app.voltage_kv,
        class_name=class_name,
        county=app.county.name if app.county_id else "",
        drawn_on=at.astimezone(SHANGHAI).date(),
    )


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of at most `width` points: Chinese breaks between any two characters."""
    lines, line, used = [], "", 0.0
    for ch in text:
        w = _char_width(ch, font) * size
        if used + w > width and line:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    return [*lines, line] if line else lines or [""]


@cache
def _char_width(ch: str, font: str) -> float:
    return stringWidth(ch, font, 1)


def _kv(value: Decimal) -> str:
    kv = value.normalize()
    return f"{(kv * 1000).normalize():f} 伏" if kv < 1 else f"{kv:f} 千伏"


def draw_contract(text: ContractText) -> bytes:
    """The contract's PDF (A4, one or two pages): parties, supply terms, clauses, signature lines."""
    font = cjk_font()
    t = text.template
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(f"{t.title} {text.application_no}")
    pdf.setSubject(text.application_no)
    pdf.setAuthor(t.supplier.name)
    pdf.setCreator("bandian")
    y = TOP

    def need(height: float) -> None:
        nonlocal y
        if y - height < 25 * mm:
            pdf.showPage()
            y = TOP

    def para(body: str, *, size: float = 10.5, indent: float = 0, gap: float = 1.6, label: str = "") -> None:
        nonlocal y
        x = LEFT + indent
        head = f"{label}：" if label else ""
        lines = _wrap(head + body, font, size, RIGHT - x)
        need(len(lines) * size * 1.5)
        pdf.setFont(font, size)
        for line in lines:
            pdf.drawString(x, y, line)
            y -= size * 1.5
        y -= gap * mm

    pdf.setFont(font, 18)
    pdf.drawCentredString(A4[0] / 2, y, t.title)
    y -= 9 * mm
    pdf.setFont(font, 9.5)
    pdf.drawRightString(RIGHT, y, f"合同编号：{text.application_no}-HT")
    y -= 9 * mm
    para(f"{t.supplier.name}（地址：{t.supplier.address}；服务热线：{t.supplier.hotline}）", label="供电人")
    para(text.customer, label="用电人")
    para(
        "为明确供电人和用电人在电力供应与使用中的权利和义务，依据《中华人民共和国民法典》《中华人民共和国电力法》"
        "《电力供应与使用条例》等规定，双方就用电申请 " + text.application_no + " 的供用电事宜签订本合同。",
        gap=3,
    )
    para("一、用电基本情况", size=12.5, gap=1)
    para(text.address, label="用电地址", indent=4 * mm)
    para(text.class_name, label="用户类别", indent=4 * mm)
    para(f"{text.capacity_kw.normalize():f} 千瓦", label="用电容量", indent=4 * mm)
    para(_kv(text.voltage_kv), label="供电电压", indent=4 * mm)
    para(t.supply_mode, label="供电方式", indent=4 * mm)
    para(t.property_boundary, label="产权分界点", indent=4 * mm)
    para(t.metering_point, label="计量点", indent=4 * mm)
    para(t.tariff, label="电价类别", indent=4 * mm)
    para(
        f"自双方签订（以供电人电子签章时间为准）之日起 {t.term_years} 年。{t.term_note}",
        label="合同期限",
        indent=4 * mm,
        gap=3,
    )
    numerals = "二三四五六七八九十"
    for n, clause in enumerate(t.clauses):
        para(f"{numerals[n % len(numerals)]}、{clause.heading}", size=12.5, gap=1)
        for i, item in enumerate(clause.items, start=1):
            para(item, label=str(i), indent=4 * mm, gap=0.8)
        y -= 2 * mm
    para(
        "本合同经用电人以短信验证码确认（或在营业厅签字）并经供电人加盖电子签章后生效，电子签章与实物印章具有同等"
        "法律效力。任何人可在供电人网站“合同验真”页面上传本文件，核验签章和内容是否完整、是否与登记一致。",
        size=9.5,
        gap=3,
    )
    if y < SIGNATURES_LOWEST:
        pdf.showPage()
        y = TOP
    pdf.setFont(font, 10.5)
    pdf.drawString(LEFT, y, "用电人（确认）：" + text.customer)
    pdf.drawString(A4[0] / 2 + 10 * mm, y, "供电人（电子签章）：")
    y -= 7 * mm
    pdf.setFont(font, 9.5)
    pdf.drawString(LEFT, y, f"合同生成日期：{text.drawn_on:%Y-%m-%d}    {text.county}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
