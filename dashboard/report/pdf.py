"""The executive report as a PDF (reportlab): A4 landscape, one section per page."""
from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (Image, PageBreak, Paragraph, SimpleDocTemplate,
                                Spacer, Table, TableStyle)

from dashboard import theme
from dashboard.report import content as ct
from dashboard.report import sections

PAGE = landscape(A4)
MARGIN = 14 * mm
WIDTH = PAGE[0] - 2 * MARGIN
INK, MUTED = colors.HexColor("#1F2328"), colors.HexColor(theme.MUTED_TEXT)
FAMILY = {f: colors.HexColor(c) for f, c in theme.FAMILY_COLOURS.items()}
HARM_BG, OK_BG = colors.HexColor("#FBE3D6"), colors.HexColor("#E3F1EA")
WATCH_BG = colors.HexColor("#FDF1D6")
PROVISIONAL_BG = colors.HexColor("#EEF0F2")  # grey, as the dashboard greys a provisional change

FONT_FILES = (  # (regular, bold): the first pair found is used
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
)
# Reportlab's own Vera lacks a few signs the catalog uses: spelled in ASCII when it is the font.
ASCII_SIGNS = str.maketrans({"−": "-", "→": "->", "≥": ">=", "≤": "<=", "…": "..."})


def _fonts() -> tuple[str, str, bool]:
    """(regular, bold, full_unicode): DejaVu or Liberation when installed, else reportlab's Vera."""
    for regular, bold in FONT_FILES:
        if Path(regular).is_file() and Path(bold).is_file():
            if "ReportSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("ReportSans", regular))
                pdfmetrics.registerFont(TTFont("ReportSans-Bold", bold))
                pdfmetrics.registerFontFamily("ReportSans", normal="ReportSans",
                                              bold="ReportSans-Bold", italic="ReportSans",
                                              boldItalic="ReportSans-Bold")
            return "ReportSans", "ReportSans-Bold", True
    import reportlab

    folder = Path(reportlab.__file__).parent / "fonts"
    if "ReportVera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("ReportVera", str(folder / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("ReportVera-Bold", str(folder / "VeraBd.ttf")))
        pdfmetrics.registerFontFamily("ReportVera", normal="ReportVera", bold="ReportVera-Bold",
                                      italic="ReportVera", boldItalic="ReportVera-Bold")
    return "ReportVera", "ReportVera-Bold", False


class _Writer:
    """Turns a Report into reportlab flowables."""

    def __init__(self, report: ct.Report, images: dict[str, bytes]):
        self.report, self.images = report, images
        self.font, self.bold, self.unicode = _fonts()
        base = dict(fontName=self.font, textColor=INK, fontSize=10, leading=13)
        self.styles = {
            "title": ParagraphStyle("title", **{**base, "fontName": self.bold, "fontSize": 20,
                                                "leading": 24, "spaceAfter": 2}),
            "subtitle": ParagraphStyle("subtitle", **{**base, "textColor": MUTED, "spaceAfter": 8}),
            "h2": ParagraphStyle("h2", **{**base, "fontName": self.bold, "fontSize": 12,
                                          "leading": 15, "spaceBefore": 6, "spaceAfter": 4}),
            "lead": ParagraphStyle("lead", **{**base, "fontSize": 12, "leading": 16,
                                              "spaceAfter": 3}),
            "body": ParagraphStyle("body", **{**base, "spaceAfter": 4}),
            "small": ParagraphStyle("small", **{**base, "fontSize": 8.5, "leading": 10.5}),
            "muted": ParagraphStyle("muted", **{**base, "fontSize": 9, "leading": 11.5,
                                                "spaceAfter": 3,
                                                "textColor": MUTED}),
            "cell": ParagraphStyle("cell", **{**base, "fontSize": 9.5, "leading": 12}),
            "caption": ParagraphStyle("caption", **{**base, "fontName": self.bold,
                                                    "fontSize": 10, "spaceBefore": 4,
                                                    "spaceAfter": 2}),
        }

    def text(self, value: object) -> str:
        text = "" if value is None else str(value)
        if not self.unicode:
            text = text.translate(ASCII_SIGNS)
        return escape(text)

    def p(self, value: object, style: str = "body", bold: bool = False) -> Paragraph:
        text = self.text(value)
        return Paragraph(f"<b>{text}</b>" if bold else text, self.styles[style])

    def heading(self, title: str, subtitle: str | None = None) -> list:
        out = [self.p(title, "title")]
        if subtitle:
            out.append(self.p(subtitle, "subtitle"))
        return out

    def table(self, rows: list[list], widths: list[float], header_colour=INK,
              body_colour=INK, zebra: bool = True, font_size: float = 9.5,
              numeric_from: int | None = 1) -> Table:
        """A table whose header wraps; columns from `numeric_from` on are right-aligned."""
        head = ParagraphStyle("head", fontName=self.bold, fontSize=font_size,
                              leading=font_size + 2, textColor=header_colour)
        right = ParagraphStyle("head-right", parent=head, alignment=2)
        header = [Paragraph(self.text(c), right if numeric_from is not None and i >= numeric_from
                            else head) for i, c in enumerate(rows[0])]
        data = [header] + [[c if isinstance(c, Paragraph) else self.text(c) for c in row]
                           for row in rows[1:]]
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        style = [
            ("FONTNAME", (0, 1), (-1, -1), self.font),
            ("FONTSIZE", (0, 0), (-1, -1), font_size),
            ("LEADING", (0, 0), (-1, -1), font_size + 2.5),
            ("TEXTCOLOR", (0, 1), (-1, -1), body_colour),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, header_colour),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        if numeric_from is not None:
            style.append(("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"))
        if zebra:
            style += [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F6F7F8"))
                      for r in range(2, len(rows), 2)]
        table.setStyle(TableStyle(style))
        return table

    def image(self, key: str, width: float = WIDTH) -> list:
        chart = self.report.charts.get(key)
        png = self.images.get(key)
        if chart is None or png is None:
            return []
        height = width * chart.height / chart.width
        return [self.p(chart.title, "caption"), Image(io.BytesIO(png), width=width, height=height)]

    def callout(self, text: str, background, width: float = WIDTH) -> Table:
        box = Table([[self.p(text, "body")]], colWidths=[width])
        box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), background),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 8),
                                 ("TOPPADDING", (0, 0), (-1, -1), 5),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
        return box

    def metric_rows(self, found: list[ct.Line]) -> list[list]:
        return [["Metric", "This week", "vs last week", "vs 4 weeks ago"]] + [
            [line.label, line.text, line.shown_change(line.week_change),
             line.shown_change(line.month_change)]
            for line in found]

    # pages, in the order of sections.PAGES

    def headline(self) -> list:
        r = self.report
        out = self.heading(f"{sections.TITLE} · {r.week}",
                           f"{r.period} · {r.scope} · generated {r.generated} · "
                           f"{sections.QUESTION}")
        out += [self.p(s, "lead") for s in r.summary]
        failed = any(c.severity == "error" and c.status == "failed" for c in r.checks)
        out += [Spacer(1, 4), self.callout(r.health, HARM_BG if failed else OK_BG)]
        if r.watch:
            out += [Spacer(1, 3), self.callout("Watch: " + "; ".join(r.watch) + ".", WATCH_BG)]
        out.append(Spacer(1, 6))
        left_w, right_w = WIDTH * 0.56, WIDTH * 0.40
        outcomes = [self.p("Results: relationships and what they bring", "h2"),
                    self.table(self.metric_rows(r.outcomes),
                               [left_w * 0.43, left_w * 0.19, left_w * 0.18, left_w * 0.20],
                               header_colour=FAMILY["outcome"])]
        context = [self.p("Context: audience and activity", "h2"),
                   self.table(self.metric_rows(r.context),
                              [right_w * 0.37, right_w * 0.21, right_w * 0.20, right_w * 0.22],
                              header_colour=MUTED, body_colour=MUTED, font_size=8.5),
                   Spacer(1, 4), self.p(sections.CONTEXT_NOTE, "muted")]
        if r.provisional:  # under the context table: the results column is the longer one
            context += [Spacer(1, 6), self.callout(r.provisional, PROVISIONAL_BG, right_w)]
        both = Table([[outcomes, context]], colWidths=[left_w + 0.04 * WIDTH, right_w])
        both.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return out + [both]

    def roi(self) -> list:
        r = self.report
        out = self.heading(sections.PAGES[1], f"{r.week} · {r.scope}. What the relationships "
                           "cost and what the referrals they brought were worth.")
        out.append(self.table(self.metric_rows(r.roi), [WIDTH * 0.34, WIDTH * 0.22,
                                                        WIDTH * 0.22, WIDTH * 0.22],
                              header_colour=FAMILY["efficiency"]))
        out += [Spacer(1, 6), *self.image("roi", WIDTH * 0.75)]
        labels = ("What this shows: ", "What it does not show: ", "Caution: ")
        out += [Paragraph(f"<b>{self.text(label)}</b>{self.text(note)}", self.styles["body"])
                for label, note in zip(labels, r.roi_notes)]
        return out

    def trends(self) -> list:
        r = self.report
        out = self.heading(sections.PAGES[2], f"The {r.weeks} weeks to {r.week} · {r.scope}. "
                           "Do the outcomes follow the audience?")
        charts = self.image("trend", WIDTH * 0.6) + [Spacer(1, 6)] + self.image("rates",
                                                                               WIDTH * 0.6)
        words = [self.p("Divergence between vanity and outcomes", "h2"),
                 self.p("Weeks where a context figure grew over four weeks while the outcome it "
                        "is mistaken for fell:", "muted")]
        words += ([self.p("• " + m) for m in r.divergence] or
                  [self.p(f"None was flagged in these {r.weeks} weeks.")])
        row = Table([[charts, words]], colWidths=[WIDTH * 0.62, WIDTH * 0.38])
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return out + [row]

    def harm(self) -> list:
        r = self.report
        out = self.heading(sections.PAGES[3], f"{r.week} · {r.scope}. Activity that hurts: "
                           "unfollows that came within 7 days of an automated message from us.")
        out.append(self.table(self.metric_rows(r.harm_lines), [WIDTH * 0.34, WIDTH * 0.22,
                                                               WIDTH * 0.22, WIDTH * 0.22],
                              header_colour=FAMILY["harm"]))
        out += [Spacer(1, 6), self.p(r.harm.text)]
        counts = sections.harm_counts(r.harm, r.weeks)
        out.append(self.table([["What preceded the week's unfollows", "Count"], *counts],
                              [WIDTH * 0.5, WIDTH * 0.15], header_colour=FAMILY["harm"]))
        if "harm" not in self.report.charts:
            out.append(self.p(f"No such unfollow in the {r.weeks} weeks: nothing to chart.",
                              "muted"))
        out += [Spacer(1, 6), *self.image("harm", WIDTH * 0.8)]
        return out

    def quality(self) -> list:
        r = self.report
        out = self.heading(sections.PAGES[4], f"{r.week} · {r.scope}. A number from bad data is "
                           "worse than none.")
        failed = any(c.severity == "error" and c.status == "failed" for c in r.checks)
        out += [self.callout(r.quality, HARM_BG if failed else OK_BG), Spacer(1, 4),
                self.p(r.period_quality), Spacer(1, 2)]
        out.append(self.p("Checks that failed or could not run", "h2"))
        if r.checks:
            rows = [["Check", "Severity", "Status", "Platform", "Results", "Observed"]] + [
                [self.p(c.check, "cell"), c.severity, c.status, c.platform, str(c.results),
                 self.p(c.observed[:120], "cell")] for c in r.checks[:25]]
            out.append(self.table(rows, [WIDTH * w for w in (0.34, 0.1, 0.12, 0.12, 0.08, 0.24)],
                                  numeric_from=None))
        else:
            out.append(self.p("None: every check on the data behind this week passed."))
        out.append(self.p("Data freshness: latest interaction per platform against the week's end",
                          "h2"))
        rows = [["Platform", "Latest interaction", "Status", "Against the week's end"]] + [
            [f.platform, f.latest, f.status, f.text] for f in r.freshness]
        out.append(self.table(rows, [WIDTH * w for w in (0.18, 0.22, 0.12, 0.48)],
                              numeric_from=None))
        return out

    def definitions(self) -> list:
        r = self.report
        out = self.heading(sections.PAGES[5], "Every metric in this report, exactly as it is "
                           "computed (from the metric catalog).")
        rows = [["Metric", "Family", "What it means", "Definition"]] + [
            [self.p(m.label, "cell", bold=True), m.family, self.p(m.description, "small"),
             self.p(m.definition, "small")] for m in r.definitions]
        return out + [self.table(rows, [WIDTH * w for w in (0.16, 0.08, 0.42, 0.34)],
                                 font_size=9, numeric_from=None)]

    def names(self) -> list:
        r = self.report
        out = self.heading(sections.NAMES_PAGE, f"{r.week} · {r.scope}. {sections.NAMES_WARNING}")
        rows = [["Person", "Platform", "With", "From us", "To us", "Messages"]] + [
            [row.handle, row.platform, row.ours_handle, int(row.from_us), int(row.to_us),
             int(row.messages)] for row in r.names.itertuples()]
        if len(rows) == 1:
            return out + [self.p("Nobody wrote to us and heard back from us this week.")]
        return out + [self.table(rows, [WIDTH * w for w in (0.3, 0.14, 0.26, 0.1, 0.1, 0.1)],
                                 numeric_from=3)]

    def story(self) -> list:
        pages = [self.headline(), self.roi(), self.trends(), self.harm(), self.quality(),
                 self.definitions()]
        if self.report.names is not None:
            pages.append(self.names())
        out: list = []
        for number, page in enumerate(pages):
            if number:
                out.append(PageBreak())
            out += page
        return out

    def footer(self, canvas, doc) -> None:
        r = self.report
        canvas.saveState()
        canvas.setFont(self.font, 8)
        canvas.setFillColor(MUTED)
        privacy = sections.NAMES_WARNING if r.names is not None else sections.PRIVACY
        line = f"rapport · {r.week} · {r.scope} · {privacy}"
        canvas.drawString(MARGIN, 8 * mm, line if self.unicode else line.translate(ASCII_SIGNS))
        canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"page {doc.page}")
        canvas.restoreState()


def write_pdf(report: ct.Report, images: dict[str, bytes], out: Path) -> Path:
    """Write the report as a PDF at `out` and return its path."""
    writer = _Writer(report, images)
    doc = SimpleDocTemplate(str(out), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
                            title=f"{sections.TITLE} {report.week}", author="rapport",
                            subject=sections.QUESTION)
    doc.build(writer.story(), onFirstPage=writer.footer, onLaterPages=writer.footer)
    return out
