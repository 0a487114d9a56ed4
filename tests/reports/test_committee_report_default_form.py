"""The committee's own form by default (the source municipality's tjänsteskrivelse):
Förvaltningens förslag till beslut, Diarienummer, a signature block with name and title
after Beskrivning av ärendet, a numbered Bilagor list, the förvaltning's name in the chart
titles; each case's own text, when the author includes it, as the last Bilaga."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from report_support import docx_document, read_pdf

PAGE = "/rapporter/namnd/2018/1"


def _word_text(body: bytes) -> str:
    document = docx_document(body)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_default_form_is_the_committees_own(
    client_for: Callable[[str], Any], january_2018: list[str], tmp_path: Path,
) -> None:
    client = client_for("utvecklare")
    assert client.post(f"{PAGE}/utkast", data={"case_texts": "true"}).status_code == 302
    pdf = read_pdf(client.get(f"{PAGE}.pdf").get_data(), tmp_path)
    flat = " ".join(pdf.text.split())
    flat = re.sub(r" Socialförvaltningen · Diarienummer – Sida \d+\(\d+\)", "", flat)
    word = " ".join(_word_text(client.get(f"{PAGE}.docx").get_data()).split())
    for document in (flat, word):
        assert "Förvaltningens förslag till beslut" in document
        assert "Diarienummer: –" in document
        # the signature block after Beskrivning av ärendet: name, then title
        assert re.search(r"utvecklare Verksamhetsutvecklare Bilagor 1\. Avvikelser "
                         r"Socialförvaltningen per månad 2016–2018 2\. Avvikelser "
                         r"Socialförvaltningen per verksamhet januari 2018 3\. Avvikelserna "
                         r"ärende för ärende januari 2018", document), document[-3000:]
        assert "Bilaga 3. Avvikelserna ärende för ärende januari 2018" in document
        assert "handläggaren var föräldraledig" in document  # the appendix the author chose
    # the chart titles name the förvaltning
    assert "Avvikelser Socialförvaltningen per månad 2016–2018" in flat
