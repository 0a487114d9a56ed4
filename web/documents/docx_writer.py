"""A small layer over python-docx for our documents: Word's own heading styles (so the
navigation pane and a table of contents work), tables as real tables, charts as PNG,
Swedish language, and "Sida X(Y)" in the header from Word's PAGE / NUMPAGES fields."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import IO, Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

PAGE_WIDTH_CM, MARGIN_CM = 21.0, 2.5


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the pages."""
    run = paragraph.add_run()
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


def _language(document: Any, tag: str = "sv-SE") -> None:
    for style_name in ("Normal", "Heading 1", "Heading 2", "Heading 3"):
        properties = document.styles[style_name].element.get_or_add_rPr()
        language = OxmlElement("w:lang")
        language.set(qn("w:val"), tag)
        properties.append(language)


class Writer:
    def __init__(self, *, title: str, header_left: str = "") -> None:
        self.document = Document()
        self.document.core_properties.title = title
        self.document.core_properties.language = "sv-SE"
        _language(self.document)
        section = self.document.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(PAGE_WIDTH_CM)  # A4
        section.left_margin = section.right_margin = Cm(MARGIN_CM)
        section.top_margin = section.bottom_margin = Cm(2.0)
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if header_left:
            header.add_run(header_left + "\t")
        header.add_run("Sida ")
        _field(header, "PAGE")
        header.add_run("(")
        _field(header, "NUMPAGES")
        header.add_run(")")
        normal = self.document.styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(11)

    @property
    def width(self) -> Length:
        return Cm(PAGE_WIDTH_CM - 2 * MARGIN_CM)

    def heading_block(
        self, *, left: Sequence[str], right: Sequence[str], recipient: str,
        recipient_label: str = "Till",
    ) -> None:
        """The tjänsteskrivelse's head: sender left, document kind, date and diary number
        right, then who it goes to."""
        table = self.document.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, lines, bold_first in ((table.cell(0, 0), left, True),
                                        (table.cell(0, 1), right, True)):
            cell.paragraphs[0].text = ""
            for index, line in enumerate(lines):
                paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
                run = paragraph.add_run(line)
                run.bold = bold_first and index == 0
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

    def picture(self, png: bytes) -> None:
        self.document.add_picture(io.BytesIO(png), width=self.width)

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[Any]], *, small: bool = False
    ) -> Table:
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = self.document.styles["Table Grid"]
        for cell, name in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].text = ""
            cell.paragraphs[0].add_run(str(name)).bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.paragraphs[0].text = "" if value is None else str(value)
                if isinstance(value, int):
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if small:
            for row in table.rows:
                for cell in row.cells:
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(8)
        self.document.add_paragraph()
        return table

    def save(self, target: IO[bytes]) -> None:
        self.document.save(target)
