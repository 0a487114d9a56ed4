"""The month's report to the committee as PDF and Word through the API: the January 2018
example of DOMAIN.md comes out with its numbers, its categories, the tjänsteskrivelse's
header block, page numbers "Sida 1(N)" and both appendix charts drawn."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from report_support import (
    CATEGORY_HEADINGS,
    bar_columns,
    docx_document,
    ink,
    page_ends,
    read_pdf,
)

DOCUMENT = "/api/v1/reports/monthly/document?year=2018&month=1&format="


def _download(api: Callable[..., Any], kind: str, user: str = "utvecklare") -> Any:
    response = api(user, "GET", DOCUMENT + kind)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def test_the_january_report_as_pdf_says_what_happened(
    api: Callable[..., Any], january_2018: list[str], tmp_path: Path
) -> None:
    response = _download(api, "pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    assert 'filename="avvikelser-2018-01.pdf"' in response.headers["Content-Disposition"]
    pdf = read_pdf(response.get_data(), tmp_path)
    flat = " ".join(pdf.text.split())
    assert ("13 avvikelser har inkommit under perioden 1–31 januari 2018; "
            "nio från IFO och fyra från HVB.") in flat
    assert re.search(r"\(IFO\) januari 2018, n = 9\b", flat)
    assert re.search(r"\(HVB\) januari 2018, n = 4\b", flat)
    assert re.search(r"Totalt \(n\)\s+9\b", flat)
    assert re.search(r"Totalt \(n\)\s+4\b", flat)
    for heading, count in CATEGORY_HEADINGS.items():
        assert f"{heading} ({count})" in flat, heading
    # grouped: the causes the analyses name and the measures in general terms; each case's
    # own words only when the author asks for them (the secrecy review's default)
    assert ("5 avvikelser (IFO 5). Orsaker: frånvaro eller bemanning (1). Fyra avvikelser "
            "saknar ännu en orsaksanalys med angivna orsaker. En åtgärd är beslutad, varav "
            "inga genomförda.") in flat
    assert "handläggaren var föräldraledig" not in flat
    assert "Ersättare utses" not in flat
    for part in ("Förvaltningens förslag till beslut", "Sammanfattning",
                 "Beskrivning av ärendet", "Bilagor", "TJÄNSTESKRIVELSE",
                 "Socialnämnden", "Socialförvaltningen"):
        assert part in flat
    # 2016 and 2017 are before the tracker was taken into use: no figure, not 0
    assert "Månad 2016 2017 2018 jan uppgift saknas uppgift saknas 13 " in flat
    assert "feb uppgift saknas uppgift saknas uppgift saknas" in flat
    assert "Totalt uppgift saknas uppgift saknas 13" in flat


def test_the_pdf_pages_show_header_page_numbers_and_both_charts(
    api: Callable[..., Any], january_2018: list[str], tmp_path: Path
) -> None:
    pdf = read_pdf(_download(api, "pdf").get_data(), tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf.path)], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    # the charts are drawn as vectors: not one raster image in the file
    listed = subprocess.run(["pdfimages", "-list", str(pdf.path)], capture_output=True,
                            text=True, check=True).stdout.splitlines()
    assert listed[2:] == [], listed
    dpi = 100
    images = pdf.images(dpi)
    pages = len(images)
    assert pages >= 2
    assert ink(images[0]) > 0.01, "the first page is blank"
    scale = dpi / 72
    words = pdf.words()

    def box_of(page: int, word: str) -> tuple[int, int, int, int]:
        found = [b for p, w, b in words if p == page and w == word]
        assert found, (page, word)
        x0, y0, x1, y1 = found[0]
        return (int(x0 * scale), int(y0 * scale), int(x1 * scale) + 1, int(y1 * scale) + 1)

    # page numbers "Sida 1(N)" ... "Sida N(N)", drawn in each page's top margin
    for page in range(pages):
        texts = [w for p, w, _ in words if p == page]
        assert "Sida" in texts, page
        assert f"{page + 1}({pages})" in texts, (page, texts[:10])
        number = box_of(page, f"{page + 1}({pages})")
        assert number[1] < images[page].height * 0.1  # in the top margin
        assert ink(images[page], number) > 0.05
    # no heading or table caption is left at the foot of a page, away from what it heads
    headings = ("Bilaga", "Bilagor", "Förvaltningens förslag till beslut", "Sammanfattning",
                "Beskrivning av ärendet", "Avvikelser per", *CATEGORY_HEADINGS,
                "Individ- och familjeomsorg (IFO)", "HVB och stödboende (HVB)")
    assert not [end for end in page_ends(pdf) if end.startswith(headings)], page_ends(pdf)
    # the header block on page 1: kind, date and diary number, drawn
    for word in ("TJÄNSTESKRIVELSE", "Diarienummer:", "Handläggare:"):
        assert ink(images[0], box_of(0, word)) > 0.05, word
    # both appendix charts: coloured bars below each heading
    for appendix in ("1.", "2."):
        page, box = next(
            (p, b) for index, (p, w, b) in enumerate(words)
            if w == "Bilaga" and words[index + 1][1] == appendix
        )
        top = int(box[3] * scale)
        image = images[page]
        below = (0, top, image.width, min(image.height, top + int(260 * scale)))
        assert bar_columns(image, below) >= 3, f"no bars drawn under Bilaga {appendix}"


def test_the_january_report_as_word_has_headings_tables_and_charts(
    api: Callable[..., Any], january_2018: list[str]
) -> None:
    response = _download(api, "docx")
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert 'filename="avvikelser-2018-01.docx"' in response.headers["Content-Disposition"]
    document = docx_document(response.get_data())
    headings = {p.text: p.style.name for p in document.paragraphs
                if p.style.name.startswith("Heading")}
    assert headings["Förvaltningens förslag till beslut"] == "Heading 2"
    assert headings["Sammanfattning"] == "Heading 2"
    assert headings["Beskrivning av ärendet"] == "Heading 2"
    assert headings["Bilagor"] == "Heading 2"
    for heading, count in CATEGORY_HEADINGS.items():
        assert headings[f"{heading} ({count})"] == "Heading 3"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "13 avvikelser har inkommit under perioden 1–31 januari 2018; nio från IFO och " \
           "fyra från HVB." in text
    cells = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Totalt (n)", "9"] in cells
    assert ["Totalt (n)", "4"] in cells
    assert ["jan", "uppgift saknas", "uppgift saknas", "13"] in cells
    assert ["dec", "uppgift saknas", "uppgift saknas", "uppgift saknas"] in cells
    assert len(document.inline_shapes) == 3  # appendix 1 and a chart per operation
    pictures = [rel.target_part.blob for rel in document.part.rels.values()
                if rel.reltype.endswith("/image")]
    assert len(pictures) == 3
    for index, blob in enumerate(pictures):
        picture = Image.open(io.BytesIO(blob)).convert("RGB")
        assert bar_columns(picture, (0, 0, picture.width, picture.height)) >= 3, index
    header = document.sections[0].header.paragraphs[0]
    assert "NUMPAGES" in header._p.xml
    # the PDF's running head: sender and diary number, UTKAST (an unsaved proposal), page
    assert header.text.startswith("Socialförvaltningen · Diarienummer –\tUTKAST\tSida ")
