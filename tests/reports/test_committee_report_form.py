"""The committee's own form: every fixed word of the report's PDF and Word comes from the
editable draft or the settings (TRACKER_COMMITTEE_FORM), never from the code: with a canary
for each word of the form and each text of the draft, the documents hold the canaries and
nothing else but figures, the taxonomy's names and the months; no internal note ("att
verifiera mot den tryckta föreskriften") anywhere."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from report_support import confirm_review, docx_document, page_version, read_pdf

from tracker.config import COMMITTEE_FORM, Settings
from tracker.runtime import Runtime

PAGE = "/rapporter/namnd/2018/1"
FORM = {key: f"Kanarie{index}" for index, key in enumerate(COMMITTEE_FORM)} | {
    "series_title": "Kanarieserie {administration} {first}–{last}",
    "operations_title": "Kanarieverksamheter {administration} {period}",
    "operation_title": "Kanarieoperation {operation} {code} {period} {n}",
    "cases_title": "Kanariefall {period}",
    "missing_period": "Kanariesaknas {period}",
}
SETTINGS = {"TRACKER_COMMITTEE_NAME": "Kanarienämnden",
            "TRACKER_ADMINISTRATION_NAME": "Kanarieförvaltningen",
            "TRACKER_REPORT_AUTHOR_TITLE": "Kanarietitel"}
# Notes that were once printed into every committee report.
INTERNAL_NOTES = ("att verifiera", "tryckta föreskriften", "verifiera mot")


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | SETTINGS | {"TRACKER_COMMITTEE_FORM": json.dumps(FORM)}


def _word_text(body: bytes) -> str:
    document = docx_document(body)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _edit_every_text(client: Any) -> dict[str, str]:
    """Every free text of the draft becomes a canary; returns them."""
    html = client.get(f"{PAGE}/redigera").get_data(as_text=True)
    data = {name: value for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html) if name != "csrf_token"}
    areas = re.findall(r'<textarea[^>]*name="([^"]+)"', html)
    canaries = {name: f"Kanarietext {name}" for name in areas}
    canaries |= {"author": "Kanarieförfattare", "title": "Kanarierubrik",
                 "diary_number": "KAN 2018/1"}
    response = client.post(f"{PAGE}/redigera", data=data | canaries)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return canaries


def _allowed_words(runtime: Runtime, canaries: dict[str, str]) -> set[str]:
    """What the documents may say: the canaries, the taxonomy's and operations' names, the
    months, numbers."""
    report = runtime.app.committee_reports(2018, 1)[-1]
    texts = [*canaries.values(), *FORM.values(), *SETTINGS.values(), *report.text.values()]
    for operation in report.figures["operations"]:
        texts += [operation["name"], operation["code"]]
        texts += [f"{row['name']} {row['short']}" for row in operation["rows"]]
    texts += [section["heading"] for section in report.sections]
    texts += ["jan feb mar apr maj jun jul aug sep okt nov dec januari"]
    return {word for text in texts for word in re.findall(r"[^\W\d_]+", text)}


def test_every_fixed_word_comes_from_the_draft_or_the_settings(
    client_for: Callable[[str], Any], january_2018: list[str], runtime: Runtime,
    tmp_path: Path,
) -> None:
    client = client_for("utvecklare")
    assert client.post(f"{PAGE}/utkast").status_code == 302
    canaries = _edit_every_text(client)
    confirm_review(client, PAGE)
    version = page_version(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}/faststall", data={
        "diary_number": "KAN 2018/1", "version": version}).status_code == 302
    pdf = " ".join(read_pdf(client.get(f"{PAGE}.pdf").get_data(), tmp_path).text.split())
    word = _word_text(client.get(f"{PAGE}.docx").get_data())
    flat_word = " ".join(word.split())
    for document in (pdf, flat_word):
        for key in ("kind", "author_label", "date_label", "diary_label", "recipient_label",
                    "proposal_heading", "summary_heading", "description_heading",
                    "appendices_heading", "appendix_label", "category_column",
                    "count_column", "month_column", "total_row"):
            assert FORM[key] in document, key
        assert "Kanarieserie Kanarieförvaltningen 2016–2018" in document
        assert "Kanarieverksamheter Kanarieförvaltningen januari 2018" in document
        for name, canary in canaries.items():
            if name != "report_date":
                assert canary in document, name
        for note in INTERNAL_NOTES:
            assert note not in document.lower()
        # none of the default form's words, the old legal paragraph or the generated texts
        for default in ("Förvaltningens förslag", "TJÄNSTESKRIVELSE", "Sammanfattning",
                        "Beskrivning av ärendet", "Bilagor", "Diarienummer", "Handläggare",
                        "SOSFS", "avvikelser har inkommit", "Socialnämnden"):
            assert default not in document, default
    # the table captions under each chart (in Word the title is drawn in the chart)
    assert "Kanarieoperation Individ- och familjeomsorg IFO januari 2018 9" in pdf
    # the Word document's body holds nothing else (its charts are pictures; the page
    # numbers are in the header)
    allowed = _allowed_words(runtime, canaries)
    stray = {w for w in re.findall(r"[^\W\d_]+", word) if w not in allowed}
    assert stray == set()
    # the PDF neither, but for the charts' own axis words and the running head's page label
    stray = {w for w in re.findall(r"[^\W\d_]+", pdf) if w not in allowed}
    assert stray <= {"Sida", "Antal", "avvikelser", "Uppgift", "saknas", "uppgift"}, stray


@pytest.mark.parametrize("value", [
    "[]", "{", '{"proposal_heading": 3}', '{"unknown": "x"}',
    '{"series_title": "Avvikelser {secret}"}',
])
def test_a_bad_form_setting_stops_the_start_naming_the_variable(
    value: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="TRACKER_COMMITTEE_FORM"):
        Settings.from_env({"TRACKER_COMMITTEE_FORM": value, "TRACKER_SECRET_KEY": "x",
                           "TRACKER_INSTANCE_PATH": str(tmp_path)})
