"""The tjänsteskrivelse's heading block comes from the organisation's settings (nämnd,
förvaltning, the author's title), the author is the person drafting, the date is today; the
diarienummer is typed in when the report is finalised. The same block in page, PDF and Word."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from report_support import confirm_review, docx_document, read_pdf

PAGE = "/rapporter/namnd/2018/1"


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {
        "TRACKER_COMMITTEE_NAME": "Vård- och omsorgsnämnden",
        "TRACKER_ADMINISTRATION_NAME": "Välfärdsförvaltningen",
        "TRACKER_REPORT_AUTHOR_TITLE": "Kvalitetsutvecklare",
    }


def test_the_heading_block_comes_from_the_settings(
    client_for: Callable[[str], Any], january_2018: list[str], tmp_path: Path
) -> None:
    client = client_for("utvecklare")
    assert client.post(f"{PAGE}/utkast").status_code == 302
    confirm_review(client, PAGE)
    version = client.get(PAGE).get_data(as_text=True).split('name="version" value="')[1]
    assert client.post(f"{PAGE}/faststall", data={
        "diary_number": "VON 2018/17", "finalised_on": "2018-02-06",
        "version": version.split('"')[0]}).status_code == 302
    pdf = " ".join(read_pdf(client.get(f"{PAGE}.pdf").get_data(), tmp_path).text.split())
    word = docx_document(client.get(f"{PAGE}.docx").get_data())
    heading_cells = " ".join(cell.text for table in word.tables[:1] for row in table.rows
                             for cell in row.cells)
    word_text = heading_cells + " " + " ".join(p.text for p in word.paragraphs)
    for document in (pdf, word_text):
        assert "Välfärdsförvaltningen" in document
        assert "Handläggare: utvecklare, Kvalitetsutvecklare" in document
        assert "TJÄNSTESKRIVELSE" in document
        assert "Datum: 2018-02-06" in document  # the day it was drafted
        assert "Diarienummer: VON 2018/17" in document
        assert "Till: Vård- och omsorgsnämnden" in document
        assert "Avvikelser inom Välfärdsförvaltningen – rapport januari 2018" in document
        assert "Socialnämnden" not in document and "Socialförvaltningen" not in document
    # the running head of every PDF page
    assert pdf.count("Välfärdsförvaltningen · Diarienummer VON 2018/17") >= 2
