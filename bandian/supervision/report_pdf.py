"""The month's supervision report as a PDF in Chinese (the CJK font embedded, `core.pdf`): a title,
the time it was generated and the policy in force, and the table of targets."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bandian.core.pdf import cjk_font
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.supervision.dashboard import DashboardData


def month_report_pdf(title: str, rows: list[list[str]], board: DashboardData) -> bytes:
    """The report's table (header row first) on A4 pages; raises core.pdf.FontMissing without the font."""
    font = cjk_font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", fontName=font, fontSize=14, leading=18)
    note = ParagraphStyle("note", fontName=font, fontSize=8, leading=10, textColor=colors.grey)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=title, author=_("州发展改革委"),
    )  # fmt: skip
    generated = board.generated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    story = [
        Paragraph(title, heading),
        Paragraph(_("生成时间 %(t)s；现行方案 %(p)s") % {"t": generated, "p": active_policy().policy.name}, note),
        Spacer(1, 4 * mm),
    ]
    table = Table(
        [[Paragraph(str(value), cell) for value in row] for row in rows],
        colWidths=[62 * mm, 48 * mm, 22 * mm, 22 * mm, 26 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    doc.build(story)
    return buffer.getvalue()
