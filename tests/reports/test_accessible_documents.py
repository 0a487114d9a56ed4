"""The documents a municipality publishes are accessible (DOS-lagen: PDF/UA for PDFs, WCAG for
Word): the committee report and the annual section as tagged PDFs whose structure tree holds
the headings, tables with header cells and charts with an alternative text that states their
numbers; a draft or an unsaved proposal says UTKAST on every page, the finalised report
nowhere."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from report_support import (
    CATEGORY_HEADINGS,
    Tag,
    docx_document,
    libreoffice,
    pdf_words,
    read_open_document,
    read_pdf,
    structure_tree,
)

from tracker.runtime import Runtime
from web.documents.pdf import DRAFT_MARK, STYLESHEET

PAGE = "/rapporter/namnd/2018/1"
ANNUAL = "/rapporter/kvalitetsberattelse/2018"
TITLE = "Avvikelser inom Socialförvaltningen – rapport januari 2018"


HANDLAGGARE = "Åsa Öberg-Ärlig"


def _finalised(client: Any, runtime: Runtime, *, author: str | None = None) -> None:
    """Drafts the month's report on the page (the handläggare edited in, when given) and
    finalises it."""
    assert client.post(f"{PAGE}/utkast").status_code == 302
    (report,) = runtime.app.committee_reports(2018, 1)
    if author:
        runtime.app.edit_committee_report(report.id, actor="utvecklare",
                                          text={"author": author}, sections={})
    report = runtime.app.confirm_committee_review(report.id, actor="utvecklare",
                                                  masked="Inget.", flags=[])
    runtime.app.finalise_committee_report(report.id, actor="utvecklare",
                                          diary_number="SN 2018/17")


def _whole_words(cells: list[list[str]], words: list[str]) -> list[str]:
    """The words of the cells that the rendered page does not hold whole (a line may break at
    a space or after a hyphen, never inside a word)."""
    shown = set(words)

    def whole(word: str) -> bool:
        return word in shown or all(p in shown for p in re.split(r"(?<=-)", word) if p)

    return sorted({word for row in cells for cell in row for word in cell.split()
                   if not whole(word)})


def _pdfinfo(body: bytes, folder: Path) -> dict[str, str]:
    path = folder / "info.pdf"
    path.write_bytes(body)
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                         text=True).stdout
    return {key.strip(): value.strip() for key, _, value in
            (line.partition(":") for line in out.splitlines())}


def _header_cells(table: Tag) -> dict[str, list[str]]:
    """A table's TH texts by their /Scope."""
    found: dict[str, list[str]] = {}
    for cell in table.all("TH"):
        found.setdefault(str(cell.attributes.get("Scope")), []).append(cell.text)
    return found


@pytest.fixture
def utvecklare(client_for: Callable[[str], Any], january_2018: list[str]) -> Any:
    """Signed in after the January 2018 example is filed (with the clock in February 2018)."""
    return client_for("utvecklare")


def test_the_finalised_committee_pdf_is_tagged_with_headings_tables_and_described_charts(
    utvecklare: Any, runtime: Runtime, tmp_path: Path
) -> None:
    _finalised(utvecklare, runtime)
    body = utvecklare.get(f"{PAGE}.pdf").get_data()
    info = _pdfinfo(body, tmp_path)
    assert info["Tagged"] == "yes"
    assert info["Title"] == TITLE
    assert info["Metadata Stream"] == "yes"  # XMP: PDF/UA-1 identification
    tree = structure_tree(body)
    # the headings as structure, in the document's order
    assert [h.text for h in tree.all("H1")] == [TITLE]
    assert [h.text for h in tree.all("H2")] == [
        "Förvaltningens förslag till beslut", "Sammanfattning", "Beskrivning av ärendet", "Bilagor"]
    h3 = [h.text for h in tree.all("H3")]
    for heading, count in CATEGORY_HEADINGS.items():
        assert f"{heading} ({count})" in h3
    assert [h for h in h3 if re.fullmatch(r"Bilaga 1\. Avvikelser .*per månad 2016–2018", h)]
    # tables: a caption, column headers, row headers, data cells that name their headers
    tables = tree.all("Table")
    assert len(tables) == 3
    ifo = next(t for t in tables if t.all("Caption")[0].text.startswith("Individ- och"))
    assert ifo.all("Caption")[0].text == "Individ- och familjeomsorg (IFO) januari 2018, n = 9"
    headers = _header_cells(ifo)
    assert headers["/Column"] == ["Kvalitetsområde", "Antal"]
    assert "Förhandsbedömning överskridit 14 dagar" in " ".join(headers["/Row"])
    assert "Totalt (n)" in headers["/Row"]
    cells = ifo.all("TD")
    assert cells and all(len(cell.attributes["Headers"]) == 2 for cell in cells)
    # every chart is a Figure whose alternative text states its numbers
    figures = tree.all("Figure")
    assert len(figures) == 3
    alts = [figure.alt or "" for figure in figures]
    assert alts[0].startswith("Avvikelser Socialförvaltningen per månad 2016–2018. ")
    assert "2018: jan 13" in alts[0]
    assert alts[1].startswith("Individ- och familjeomsorg (IFO) januari 2018, n = 9. ")
    assert "Förhandsbedömning överskridit 14 dagar: 5" in alts[1]
    assert "Registrering och arkiv: 2" in alts[1]
    assert "Genomförande av insats: 3" in alts[2]
    # language and the title shown as the window's title (PDF/UA)
    import pypdf

    catalog = pypdf.PdfReader(tmp_path / "info.pdf").trailer["/Root"]
    assert catalog["/Lang"] == "sv"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert bool(catalog["/MarkInfo"]["/Marked"])


def test_the_annual_pdf_is_tagged_with_its_table_and_described_chart(
    utvecklare: Any, tmp_path: Path
) -> None:
    body = utvecklare.get(f"{ANNUAL}.pdf").get_data()
    info = _pdfinfo(body, tmp_path)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "Avvikelser 2018 – underlag till kvalitetsberättelsen"
    tree = structure_tree(body)
    assert [h.text for h in tree.all("H1")] == [info["Title"]]
    assert "Avvikelser per kvalitetsområde 2018 (Tabell 32)" in [h.text for h in tree.all("H2")]
    table_32 = tree.all("Table")[0]
    headers = _header_cells(table_32)
    assert headers["/Column"] == ["Kvalitetsområde", "IFO", "HVB", "Totalt",
                                  "Lex Sarah-utredningar"]
    assert "TOTALT" in headers["/Row"]
    (figure,) = tree.all("Figure")
    assert figure.alt is not None
    assert figure.alt.startswith("Avvikelser per månad 2016–2018. ")
    assert "2018: jan 13" in figure.alt and "(totalt 13)" in figure.alt


def test_a_draft_and_an_unsaved_proposal_say_utkast_on_every_page_the_final_report_nowhere(
    utvecklare: Any, runtime: Runtime, tmp_path: Path
) -> None:
    def pages(name: str) -> list[str]:
        pdf = read_pdf(utvecklare.get(f"{PAGE}.pdf").get_data(), tmp_path, name)
        return [page for page in pdf.pages if page.strip()]

    # the print stylesheet's page head (browser and PDF) says the renderer's mark
    assert f'content: "{DRAFT_MARK}"' in STYLESHEET.read_text(encoding="utf-8")
    proposal = pages("proposal")  # nothing saved yet: the tracker's own proposal
    assert len(proposal) >= 2
    assert all("UTKAST" in page for page in proposal)
    assert "UTKAST" in utvecklare.get(PAGE).get_data(as_text=True)
    assert utvecklare.post(f"{PAGE}/utkast").status_code == 302
    draft = pages("draft")
    assert all("UTKAST" in page for page in draft)
    # the watermark is drawn, not written: extracted text never has its letters in between
    assert not re.search(r"^\s*(U|TK|AS|T)\s*$", "\n".join(draft), re.M)
    assert _pdfinfo(utvecklare.get(f"{PAGE}.pdf").get_data(), tmp_path)["Title"] \
        == f"UTKAST: {TITLE}"
    (report,) = runtime.app.committee_reports(2018, 1)
    report = runtime.app.confirm_committee_review(report.id, actor="utvecklare",
                                                  masked="Inget.", flags=[])
    runtime.app.finalise_committee_report(report.id, actor="utvecklare",
                                          diary_number="SN 2018/17")
    final = pages("final")
    assert not [page for page in final if "UTKAST" in page]
    assert "UTKAST" not in utvecklare.get(PAGE).get_data(as_text=True)


def test_the_word_report_as_libreoffice_reads_it(
    utvecklare: Any, runtime: Runtime, tmp_path: Path
) -> None:
    """Described pictures, header rows, whole words in the tables and the properties of the
    finalised report; UTKAST on every page of the draft, none on the final one."""
    (tmp_path / "utkast.docx").write_bytes(utvecklare.get(f"{PAGE}.docx").get_data())
    _finalised(utvecklare, runtime, author=HANDLAGGARE)
    final = utvecklare.get(f"{PAGE}.docx").get_data()
    (tmp_path / "final.docx").write_bytes(final)
    draft_pdf, final_pdf = libreoffice([tmp_path / "utkast.docx", tmp_path / "final.docx"],
                                       "pdf")
    (opened,) = [read_open_document(path)
                 for path in libreoffice([tmp_path / "final.docx"], "fodt")]
    # the document's properties: the handläggare, made now, its title, Swedish
    assert opened.meta["title"] == TITLE
    assert opened.meta["initial-creator"] == HANDLAGGARE
    assert opened.meta["language"] == "sv-SE"
    assert opened.meta["creation-date"].startswith(runtime.app.today().isoformat())
    core = docx_document(final).core_properties
    assert (core.author, core.language, core.title) == (HANDLAGGARE, "sv-SE", TITLE)
    assert core.created is not None and core.created.date() == runtime.app.today()
    assert "python-docx" not in (core.comments + core.last_modified_by)
    # every picture has a description that names its numbers
    assert len(opened.pictures) == 3
    descriptions = [description for _, description in opened.pictures]
    assert all(descriptions)
    assert "2018: jan 13" in descriptions[0]
    assert descriptions[1].startswith("Individ- och familjeomsorg (IFO) januari 2018, n = 9. ")
    assert "Förhandsbedömning överskridit 14 dagar: 5" in descriptions[1]
    assert "Genomförande av insats: 3" in descriptions[2]
    # every table's first row is a header row (repeated on each page), and no data table is
    # laid out as a table for looks
    assert len(opened.tables) == 3
    assert [head for head, _ in opened.tables] == [
        [["Månad", "2016", "2017", "2018"]],
        [["Kvalitetsområde", "Antal"]], [["Kvalitetsområde", "Antal"]]]
    # the columns fit their words: nothing broken mid-word as LibreOffice lays it out
    words = pdf_words(final_pdf)
    assert "Kvalitetsområde" in words
    cells = [row for head, body in opened.tables for row in head + body]
    assert _whole_words(cells, words) == []
    # UTKAST on every page of the draft, nowhere in the finalised report
    draft_pages = read_pdf(draft_pdf.read_bytes(), tmp_path, "utkast-read").pages
    assert all("UTKAST" in page for page in draft_pages if page.strip())
    assert docx_document(final).core_properties.title == TITLE
    assert "UTKAST" not in read_pdf(final_pdf.read_bytes(), tmp_path, "final-read").text


def test_the_annual_word_file_as_libreoffice_reads_it(utvecklare: Any, tmp_path: Path) -> None:
    """Tabell 32's five columns fit their words (the defect was "Kvalitetsomr|åde"); the
    author is whoever downloaded it."""
    path = tmp_path / "arsavsnitt.docx"
    path.write_bytes(utvecklare.get(f"{ANNUAL}.docx").get_data())
    (rendered,) = libreoffice([path], "pdf")
    (opened,) = [read_open_document(p) for p in libreoffice([path], "fodt")]
    assert opened.meta["initial-creator"] == "utvecklare"
    assert opened.meta["language"] == "sv-SE"
    head, _ = opened.tables[0]
    assert head == [["Kvalitetsområde", "IFO", "HVB", "Totalt", "Lex Sarah-utredningar"]]
    assert all(head for head, _ in opened.tables)
    words = pdf_words(rendered)
    assert "Kvalitetsområde" in words
    assert _whole_words([row for h, b in opened.tables for row in h + b], words) == []
    ((_, description),) = opened.pictures
    assert description.startswith("Avvikelser per månad 2016–2018. ")
    assert "2018: jan 13" in description
