"""The executive report as editable slides (python-pptx): titles, numbers and tables are text
and tables, charts are pictures; one slide per section (the definitions take several)."""
from __future__ import annotations

import io
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from dashboard import theme
from dashboard.report import content as ct
from dashboard.report import sections

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
LEFT, TOP, BODY_W = Inches(0.5), Inches(1.25), Inches(12.333)
INK, MUTED = RGBColor(0x1F, 0x23, 0x28), RGBColor.from_string(theme.MUTED_TEXT.lstrip("#"))
FAMILY = {f: RGBColor.from_string(c.lstrip("#")) for f, c in theme.FAMILY_COLOURS.items()}
DEFINITIONS_PER_SLIDE = 8
TITLE_ONLY = 5  # the default template's "Title Only" layout


class _Deck:
    """Builds the slides of one report."""

    def __init__(self, report: ct.Report, images: dict[str, bytes]):
        self.report, self.images = report, images
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = SLIDE_W, SLIDE_H

    def slide(self, title: str, subtitle: str | None = None, notes: str | None = None):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[TITLE_ONLY])
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = LEFT, Inches(0.3), BODY_W, Inches(0.7)
        shape.text = title
        para = shape.text_frame.paragraphs[0]
        para.font.size, para.font.bold, para.font.color.rgb = Pt(28), True, INK
        para.alignment = 1  # left
        if subtitle:
            self.text(slide, [subtitle], LEFT, Inches(0.95), BODY_W, Inches(0.35), size=12,
                      colour=MUTED)
        privacy = (sections.NAMES_WARNING if self.report.names is not None else sections.PRIVACY)
        self.text(slide, [f"rapport · {self.report.week} · {self.report.scope} · {privacy}"],
                  LEFT, Inches(7.05), BODY_W, Inches(0.3), size=9, colour=MUTED)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        return slide

    def text(self, slide, paragraphs: list[str], left, top, width, height, size: int = 14,
             colour: RGBColor = INK, bold_prefix: list[str] | None = None):
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for index, text in enumerate(paragraphs):
            para = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            prefix = (bold_prefix or [None] * len(paragraphs))[index]
            if prefix:
                run = para.add_run()
                run.text = prefix
                run.font.bold, run.font.size, run.font.color.rgb = True, Pt(size), colour
            run = para.add_run()
            run.text = text
            run.font.size, run.font.color.rgb = Pt(size), colour
            para.space_after = Pt(4)
        return box

    def table(self, slide, rows: list[list[str]], left, top, width, widths: list[float],
              size: int = 12, colour: RGBColor = INK, header: RGBColor = INK,
              row_height=Inches(0.3), numeric_from: int | None = 1):
        """A table of text cells; columns from `numeric_from` on are right-aligned."""
        shape = slide.shapes.add_table(len(rows), len(rows[0]), left, top, width,
                                       Emu(row_height * len(rows)))
        table = shape.table
        for index, share in enumerate(widths):
            table.columns[index].width = Emu(int(width * share))
        for r, row in enumerate(rows):
            table.rows[r].height = row_height
            for c, value in enumerate(row):
                cell = table.cell(r, c)
                cell.text = "" if value is None else str(value)
                cell.margin_top = cell.margin_bottom = Inches(0.02)
                para = cell.text_frame.paragraphs[0]
                para.font.size = Pt(size)
                para.font.bold = r == 0
                para.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else colour
                if r and numeric_from is not None and c >= numeric_from:
                    para.alignment = 3  # right
                cell.fill.solid()
                cell.fill.fore_color.rgb = (header if r == 0 else RGBColor(0xF6, 0xF7, 0xF8)
                                            if r % 2 == 0 else RGBColor(0xFF, 0xFF, 0xFF))
        return shape

    def picture(self, slide, key: str, left, top, width):
        png = self.images.get(key)
        if png is not None:
            slide.shapes.add_picture(io.BytesIO(png), left, top, width=width)

    @staticmethod
    def metric_rows(found: list[ct.Line]) -> list[list[str]]:
        return [["Metric", "This week", "vs last week", "vs 4 weeks before"]] + [
            [line.label, line.text, line.shown_change(line.week_change),
             line.shown_change(line.month_change)]
            for line in found]

    # slides, in the order of sections.PAGES

    def headline(self) -> None:
        r = self.report
        slide = self.slide(f"{sections.TITLE} · {r.week}",
                           f"{r.period} · {r.scope} · generated {r.generated}",
                           notes="\n".join([sections.QUESTION, *r.summary, r.health, *r.watch,
                                             r.provisional]).strip())
        self.text(slide, r.summary, LEFT, Inches(1.25), BODY_W, Inches(1.25), size=13)
        failed = any(c.severity == "error" and c.status == "failed" for c in r.checks)
        self.text(slide, [r.health], LEFT, Inches(2.6), BODY_W, Inches(0.3), size=12,
                  colour=FAMILY["harm"] if failed else INK)
        if r.watch:
            self.text(slide, ["Watch: " + "; ".join(r.watch) + "."], LEFT, Inches(2.88), BODY_W,
                      Inches(0.3), size=11, colour=RGBColor(0x8A, 0x5A, 0x00))
        self.text(slide, ["Results: relationships and what they bring"], LEFT, Inches(3.22),
                  Inches(7), Inches(0.3), size=13, colour=FAMILY["outcome"])
        self.table(slide, self.metric_rows(r.outcomes), LEFT, Inches(3.55), Inches(7.1),
                   [0.4, 0.2, 0.19, 0.21], size=10, header=FAMILY["outcome"],
                   row_height=Inches(0.25))
        self.text(slide, ["Context: audience and activity"], Inches(7.9),
                  Inches(3.22), Inches(4.9), Inches(0.3), size=12, colour=MUTED)
        self.table(slide, self.metric_rows(r.context), Inches(7.9), Inches(3.55), Inches(4.9),
                   [0.34, 0.22, 0.21, 0.23], size=9, colour=MUTED, header=MUTED,
                   row_height=Inches(0.25))
        self.text(slide, [sections.CONTEXT_NOTE], Inches(7.9), Inches(5.9), Inches(4.9),
                  Inches(0.6), size=9, colour=MUTED)
        if r.provisional:
            self.text(slide, [r.provisional], Inches(7.9), Inches(6.5), Inches(4.9),
                      Inches(0.8), size=9, colour=INK)

    def roi(self) -> None:
        r = self.report
        slide = self.slide(sections.PAGES[1], f"{r.week} · {r.scope}. What the relationships "
                           "cost and what the referrals they brought were worth.",
                           notes="\n".join(r.roi_notes))
        self.table(slide, self.metric_rows(r.roi), LEFT, TOP + Inches(0.1), Inches(6.0),
                   [0.4, 0.2, 0.19, 0.21], size=10, header=FAMILY["efficiency"],
                   row_height=Inches(0.28))
        labels = ["What this shows: ", "What it does not show: ", "Caution: "][:len(r.roi_notes)]
        self.text(slide, r.roi_notes, LEFT, Inches(3.55), Inches(6.0), Inches(3.3), size=11,
                  bold_prefix=labels)
        self.picture(slide, "roi", Inches(6.75), TOP + Inches(0.3), Inches(6.1))

    def trends(self) -> None:
        r = self.report
        slide = self.slide(sections.PAGES[2], f"The {r.weeks} weeks to {r.week} · {r.scope}. "
                           "Do the outcomes follow the audience?")
        self.picture(slide, "trend", LEFT, TOP + Inches(0.05), Inches(7.0))
        self.picture(slide, "rates", LEFT, Inches(4.6), Inches(7.0))
        words = r.divergence or [f"None was flagged in these {r.weeks} weeks."]
        self.text(slide, ["Divergence between vanity and outcomes"], Inches(7.9), TOP,
                  Inches(4.9), Inches(0.3), size=14, colour=FAMILY["outcome"])
        self.text(slide, ["Weeks where a context figure grew over four weeks while the outcome "
                          "it is mistaken for fell:"], Inches(7.9), TOP + Inches(0.4),
                  Inches(4.9), Inches(0.5), size=11, colour=MUTED)
        self.text(slide, words, Inches(7.9), TOP + Inches(1.0), Inches(4.9), Inches(4.6), size=11)

    def harm(self) -> None:
        r = self.report
        slide = self.slide(sections.PAGES[3], f"{r.week} · {r.scope}. Unfollows that came "
                           "within 7 days of an automated message from us.")
        self.table(slide, self.metric_rows(r.harm_lines), LEFT, TOP + Inches(0.1), Inches(6.0),
                   [0.4, 0.2, 0.19, 0.21], size=10, header=FAMILY["harm"])
        counts = [["What preceded the week's unfollows", "Count"],
                  *sections.harm_counts(r.harm, r.weeks)]
        self.table(slide, counts, LEFT, TOP + Inches(1.0), Inches(6.0), [0.8, 0.2], size=10,
                   header=FAMILY["harm"], row_height=Inches(0.27))
        self.text(slide, [r.harm.text], Inches(6.8), TOP + Inches(0.1), Inches(6.0),
                  Inches(1.6), size=12)
        self.picture(slide, "harm", Inches(6.8), Inches(3.2), Inches(6.0))

    def quality(self) -> None:
        r = self.report
        slide = self.slide(sections.PAGES[4], f"{r.week} · {r.scope}. A number from bad data "
                           "is worse than none.")
        self.text(slide, [r.quality, r.period_quality], LEFT, TOP, BODY_W, Inches(0.9), size=12)
        top = TOP + Inches(1.0)
        if r.checks:
            rows = [["Check", "Severity", "Status", "Platform", "Results", "Observed"]] + [
                [c.check, c.severity, c.status, c.platform, str(c.results), c.observed[:60]]
                for c in r.checks[:8]]
            self.table(slide, rows, LEFT, top, BODY_W, [0.34, 0.1, 0.12, 0.12, 0.08, 0.24],
                       size=10, row_height=Inches(0.27), numeric_from=None)
            top += Inches(0.27 * len(rows) + 0.3)
        rows = [["Platform", "Latest interaction", "Status", "Against the week's end"]] + [
            [f.platform, f.latest, f.status, f.text] for f in r.freshness]
        self.table(slide, rows, LEFT, top, BODY_W, [0.18, 0.22, 0.12, 0.48], size=10,
                   row_height=Inches(0.27), numeric_from=None)

    def definitions(self) -> None:
        found = self.report.definitions
        parts = [found[i:i + DEFINITIONS_PER_SLIDE]
                 for i in range(0, len(found), DEFINITIONS_PER_SLIDE)] or [[]]
        for number, part in enumerate(parts, start=1):
            slide = self.slide(sections.PAGES[5] + (f" ({number}/{len(parts)})"
                                                     if len(parts) > 1 else ""),
                               "Every metric in this report, exactly as it is computed.")
            rows = [["Metric", "Family", "What it means", "Definition"]] + [
                [m.label, m.family, m.description, m.definition] for m in part]
            self.table(slide, rows, LEFT, TOP, BODY_W, [0.15, 0.09, 0.42, 0.34], size=9,
                       row_height=Inches(0.3), numeric_from=None)

    def names(self) -> None:
        r = self.report
        slide = self.slide(sections.NAMES_PAGE, f"{r.week} · {r.scope}. {sections.NAMES_WARNING}")
        if r.names is None or r.names.empty:
            self.text(slide, ["Nobody wrote to us and heard back from us this week."], LEFT, TOP,
                      BODY_W, Inches(0.5))
            return
        rows = [["Person", "Platform", "With", "From us", "To us", "Messages"]] + [
            [row.handle, row.platform, row.ours_handle, int(row.from_us), int(row.to_us),
             int(row.messages)] for row in r.names.head(16).itertuples()]
        self.table(slide, rows, LEFT, TOP, BODY_W, [0.3, 0.14, 0.26, 0.1, 0.1, 0.1], size=10,
                   row_height=Inches(0.3), numeric_from=3)

    def build(self) -> Presentation:
        self.headline()
        self.roi()
        self.trends()
        self.harm()
        self.quality()
        self.definitions()
        if self.report.names is not None:
            self.names()
        return self.prs


def write_pptx(report: ct.Report, images: dict[str, bytes], out: Path) -> Path:
    """Write the report as slides at `out` and return its path."""
    _Deck(report, images).build().save(str(out))
    return out
