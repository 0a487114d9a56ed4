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
from report_support import CATEGORY_HEADINGS, Tag, read_pdf, structure_tree

from tracker.runtime import Runtime

PAGE = "/rapporter/namnd/2018/1"
ANNUAL = "/rapporter/kvalitetsberattelse/2018"
TITLE = "Avvikelser inom Socialförvaltningen – rapport januari 2018"


def _finalised(client: Any, runtime: Runtime) -> None:
    """Drafts the month's report on the page and finalises it."""
    assert client.post(f"{PAGE}/utkast").status_code == 302
    (report,) = runtime.app.committee_reports(2018, 1)
    runtime.app.finalise_committee_report(report.id, actor="utvecklare",
                                          diary_number="SN 2018/17")


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
        "Förslag till beslut", "Sammanfattning", "Beskrivning av ärendet", "Bilagor"]
    h3 = [h.text for h in tree.all("H3")]
    for heading, count in CATEGORY_HEADINGS.items():
        assert f"{heading} ({count})" in h3
    assert "Bilaga 1. Avvikelser per månad 2016–2018" in h3
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
    assert alts[0].startswith("Avvikelser per månad 2016–2018. ")
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
    runtime.app.finalise_committee_report(report.id, actor="utvecklare",
                                          diary_number="SN 2018/17")
    final = pages("final")
    assert not [page for page in final if "UTKAST" in page]
    assert "UTKAST" not in utvecklare.get(PAGE).get_data(as_text=True)
