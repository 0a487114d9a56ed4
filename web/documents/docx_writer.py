"""A small layer over python-docx for our documents: Word's own heading styles (so the
navigation pane and a table of contents work), tables as real tables, charts as PNG,
Swedish language, and "Sida X(Y)" in the header from Word's PAGE / NUMPAGES fields.

Accessible as Word and LibreOffice check it: every picture carries its description (alt
text), every table a caption, a header row that repeats on each page and column widths that
fit its words (no "Kvalitetsomr|åde"), the document's properties name its author, title,
language (sv-SE) and the moment it was made. A draft says UTKAST in the header of every
page."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph

PAGE_WIDTH_CM, MARGIN_CM = 21.0, 2.5
LANGUAGE = "sv-SE"
APPLICATION = "Avvikelser och Lex Sarah"
# Sizing columns: a generous character width at 11 pt bold (Calibri, or the sans-serif a
# reader without it gets instead), and a cell's left and right margins together.
CHAR_CM, CELL_PADDING_CM = 0.28, 0.5
TEXT_COLOUR = RGBColor(0x11, 0x11, 0x11)
DRAFT_COLOUR = RGBColor(0x8B, 0x1A, 0x1A)
LETTER_HEADER_TABS = (Twips(4680), Twips(9360))  # python-docx template's Header style
_WORD_BREAKS = re.compile(r"\s+|(?<=-)")  # a line may break at a space or after a hyphen


def _field(paragraph: Paragraph, instruction: str, size: Pt) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the pages."""
    run = paragraph.add_run()
    run.font.size = size
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate, shown, end):
        run._r.append(element)


def _language(document: Any, tag: str = LANGUAGE) -> None:
    """Swedish for every style and for the document's defaults (spelling, hyphenation,
    screen readers' voice)."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if run_defaults is not None and run_defaults.find(qn("w:rPr")) is not None:
        language = run_defaults.find(qn("w:rPr")).find(qn("w:lang"))
        if language is not None:
            language.set(qn("w:val"), tag)
    for style_name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        properties = document.styles[style_name].element.get_or_add_rPr()
        for old in properties.findall(qn("w:lang")):
            properties.remove(old)
        language = OxmlElement("w:lang")
        language.set(qn("w:val"), tag)
        properties.append(language)


def _plain_headings(document: Any) -> None:
    """Headings in near-black like the PDF's, not the template's theme blue."""
    for style_name in ("Heading 1", "Heading 2", "Heading 3", "Caption"):
        properties = document.styles[style_name].element.get_or_add_rPr()
        for old in properties.findall(qn("w:color")):
            properties.remove(old)
        document.styles[style_name].font.color.rgb = TEXT_COLOUR


def _application(document: Any) -> None:
    """docProps/app.xml from python-docx's template names "Microsoft Macintosh Word"."""
    for part in document.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            part._blob = re.sub(rb"<Application>[^<]*</Application>",
                                f"<Application>{APPLICATION}</Application>".encode(),
                                part.blob)


def column_widths(header: Sequence[str], rows: Sequence[Sequence[Any]], total_cm: float,
                  *, scale: float = 1.0) -> list[float]:
    """Widths (cm) that keep each column's longest word whole and give the rest of the width
    to the columns whose text would otherwise wrap most."""
    def texts(column: int) -> list[str]:
        cells = [str(header[column])] + [
            "" if row[column] is None else str(row[column]) for row in rows if column < len(row)
        ]
        return [cell for cell in cells if cell]

    def cm(characters: int) -> float:
        return characters * CHAR_CM * scale + CELL_PADDING_CM

    columns = [texts(column) for column in range(len(header))]
    least = [cm(max((len(w) for t in c for w in _WORD_BREAKS.split(t)), default=1))
             for c in columns]
    wanted = [max(cm(max((len(t) for t in c), default=1)), low)
              for c, low in zip(columns, least, strict=True)]
    if sum(wanted) <= total_cm:  # everything fits on one line: share out what is left
        spare = total_cm - sum(wanted)
        return [w + spare * w / sum(wanted) for w in wanted]
    if sum(least) >= total_cm:  # even the words do not fit: shrink evenly
        return [w * total_cm / sum(least) for w in least]
    spare = total_cm - sum(least)
    wrapping = [w - low for w, low in zip(wanted, least, strict=True)]
    return [low + spare * extra / sum(wrapping)
            for low, extra in zip(least, wrapping, strict=True)]


def _set_width(element: Any, tag: str, width: Length) -> None:
    found = element.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        element.append(found)
    found.set(qn("w:w"), str(int(width.twips)))
    found.set(qn("w:type"), "dxa")


def _property(table: Table, tag: str, value: str) -> None:
    """A table property (tblCaption, tblDescription, tblLayout) in tblPr's own order."""
    properties = table._tbl.tblPr
    element = properties.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        # CT_TblPr's sequence ends with tblLayout, tblCellMar, tblLook, tblCaption,
        # tblDescription: the two captions go last, the layout before tblLook.
        look = properties.find(qn("w:tblLook"))
        if tag == "w:tblLayout" and look is not None:
            look.addprevious(element)
        else:
            properties.append(element)
    element.set(qn("w:type" if tag == "w:tblLayout" else "w:val"), value)


class Writer:
    def __init__(
        self, *, title: str, header_left: str = "", author: str = "",
        created: datetime | None = None, draft_mark: str = "",
    ) -> None:
        """`author`: the handläggare, or the person who downloads; `created`: now unless
        given; `draft_mark`: UTKAST for a draft, in the header of every page."""
        self.document = Document()
        properties = self.document.core_properties
        moment = created or datetime.now(UTC)
        properties.title = title
        properties.language = LANGUAGE
        properties.author = properties.last_modified_by = author
        properties.created = properties.modified = moment
        properties.comments = ""  # the template says "generated by python-docx"
        properties.revision = 1
        _language(self.document)
        _plain_headings(self.document)
        _application(self.document)
        self._pictures = 0
        section = self.document.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(PAGE_WIDTH_CM)  # A4
        section.left_margin = section.right_margin = Cm(MARGIN_CM)
        section.top_margin = section.bottom_margin = Cm(2.0)
        # The PDF's running head: sender left, UTKAST centred, page number right.
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.LEFT
        small = Pt(8)
        self.document.styles["Header"].font.size = small  # also the page fields' digits
        stops = header.paragraph_format.tab_stops
        for position in LETTER_HEADER_TABS:  # the template's stops, for US Letter
            stops.add_tab_stop(position, WD_TAB_ALIGNMENT.CLEAR)
        stops.add_tab_stop(Cm(self.width.cm / 2), WD_TAB_ALIGNMENT.CENTER)
        stops.add_tab_stop(self.width, WD_TAB_ALIGNMENT.RIGHT)
        header.add_run(header_left + "\t").font.size = small
        if draft_mark:
            mark = header.add_run(draft_mark)
            self._mark(mark)
            mark.font.size = Pt(11)
        header.add_run("\t")
        for part in ("Sida ", "PAGE", "(", "NUMPAGES", ")"):
            if part.isupper():
                _field(header, part, small)
            else:
                header.add_run(part).font.size = small
        normal = self.document.styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(11)

    @staticmethod
    def _mark(run: Any) -> None:
        run.bold = True
        run.font.color.rgb = DRAFT_COLOUR

    def draft_mark(self, text: str) -> None:
        """UTKAST above the heading block, as in the PDF (the header repeats it)."""
        self._mark(self.document.add_paragraph().add_run(text))

    @property
    def width(self) -> Length:
        return Cm(PAGE_WIDTH_CM - 2 * MARGIN_CM)

    def heading_block(
        self, *, left: Sequence[str], right: Sequence[str], recipient: str,
        recipient_label: str = "Till",
    ) -> None:
        """The tjänsteskrivelse's head: sender left, document kind, date and diary number
        right, then who it goes to. Lines with a right tab stop, not a layout table (a
        screen reader would announce a table that holds no data)."""
        lines = max(len(left), len(right))
        for index in range(lines):
            paragraph = self.document.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.tab_stops.add_tab_stop(self.width,
                                                              WD_TAB_ALIGNMENT.RIGHT)
            if index < len(left):
                paragraph.add_run(left[index]).bold = index == 0
            if index < len(right):
                paragraph.add_run("\t")
                paragraph.add_run(right[index]).bold = index == 0
        self.document.add_paragraph()
        paragraph = self.document.add_paragraph()
        paragraph.add_run(f"{recipient_label}: ").bold = True
        paragraph.add_run(recipient)

    def heading(self, text: str, level: int) -> None:
        self.document.add_heading(text, level=level)

    def paragraphs(self, text: str) -> None:
        """Blank lines separate paragraphs; single line breaks stay line breaks."""
        for block in (text or "").split("\n\n"):
            if not block.strip():
                continue
            paragraph = self.document.add_paragraph()
            for index, line in enumerate(block.strip("\n").split("\n")):
                if index:
                    paragraph.add_run().add_break()
                paragraph.add_run(line)

    def picture(self, png: bytes, *, description: str) -> None:
        """A chart as PNG with its description as alt text (what a screen reader reads and
        Word shows under "Alternativ text"): the chart's title and every number in it."""
        self._pictures += 1
        shape = self.document.add_picture(io.BytesIO(png), width=self.width)
        properties = shape._inline.docPr
        properties.set("name", f"Diagram {self._pictures}")
        properties.set("descr", description)

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "",
        small: bool = False,
    ) -> Table:
        """A data table: its caption above it (also the table's own title for assistive
        technology), a header row repeated on every page, widths that fit its words."""
        if caption:
            self.document.add_paragraph(caption, style="Caption")
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = self.document.styles["Table Grid"]
        table.autofit = False
        if caption:
            _property(table, "w:tblCaption", caption)
        _property(table, "w:tblLayout", "fixed")
        heading_row = table.rows[0]
        repeat = OxmlElement("w:tblHeader")
        heading_row._tr.get_or_add_trPr().append(repeat)
        for cell, name in zip(heading_row.cells, header, strict=True):
            cell.paragraphs[0].text = ""
            cell.paragraphs[0].add_run(str(name)).bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.paragraphs[0].text = "" if value is None else str(value)
                if isinstance(value, int):
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        widths = column_widths(header, rows, self.width.cm, scale=8 / 11 if small else 1.0)
        _set_width(table._tbl.tblPr, "w:tblW", Cm(sum(widths)))
        for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
            column.w = Cm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
                if small:
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(8)
        self.document.add_paragraph()
        return table

    def save(self, target: IO[bytes]) -> None:
        self.document.save(target)
