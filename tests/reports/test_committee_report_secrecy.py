"""The secrecy review (OSL 26 kap.) before the committee gets its report: the draft is
written from counts and grouped summaries; where the verksamhetsutvecklare includes each
case's own text, the tracker flags what may identify someone (a unit with fewer deviations
than the threshold in the month, a small unit, ages, local names and places, dates more
precise than the month), and "Fastställ" waits for the review confirmed by name, on the page
and in the API, which the report's history keeps."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from openpyxl import load_workbook
from report_support import IN_FEBRUARY, confirm_review, docx_document, page_version

from tracker.runtime import Runtime

PAGE = "/rapporter/namnd/2018/1"
# Three at the utredning unit (not a small cell), two at the HVB home (a small cell).
CASES = [
    ("utredning", "handlaggning", "forhandsbedomning", 3,
     "Förhandsbedömningen gjordes inte inom 14 dagar."),
    ("utredning", "handlaggning", "forhandsbedomning", 10,
     "Förhandsbedömningen blev sen under semestern."),
    ("utredning", "handlaggning", "registrering", 17,
     "En avslutad utredning var inte registrerad som avslutad."),
    ("hvb-notgarden", "genomforande", None, 9,
     "Knivar låg framme på köksbänken medan 15-åringen var i köket."),
    ("hvb-notgarden", "genomforande", None, 23,
     "Efter utflykten till Ekbacken saknades en kniv i lådan."),
]


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {"TRACKER_SECRECY_WORDS": "Ekbacken, Sjögläntan",
                      "TRACKER_SECRECY_UNIT_SIZES": "hvb-notgarden=6"}


@pytest.fixture
def month(api: Callable[..., Any], time_machine: Any) -> list[str]:
    time_machine.move_to(IN_FEBRUARY, tick=True)
    ids = []
    for unit, category, subcategory, day, text in CASES:
        reported = f"2018-01-{day:02d}"
        response = api("utvecklare", "POST", "/api/v1/deviations", json={
            "unit": unit, "category": category, "subcategory": subcategory,
            "occurred_on": reported, "reported_on": reported, "description": text})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def _text(response: Any) -> str:
    words = " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())
    return re.sub(r"\( ", "(", re.sub(r" ([,.:;)])", r"\1", words))


def _flags(html: str) -> list[list[str]]:
    """The page's flags: place (the text's heading), kind, the words found, why."""
    block = html.split('<div class="flags">', 1)[1].split("</div>", 1)[0]
    found = []
    for place, items in re.findall(r"<h3>(.*?)</h3>\s*<ul>(.*?)</ul>", block, re.S):
        for kind, words, why in re.findall(
                r"<li><strong>(.*?):</strong> <q>(.*?)</q>(?: \(\d+ gånger\))?\. (.*?)</li>",
                items, re.S):
            found.append([unescape(place), unescape(kind), unescape(words), unescape(why)])
    return found


def test_the_default_draft_has_no_case_texts_and_nothing_to_flag(
    client_for: Callable[[str], Any], month: list[str],
) -> None:
    client = client_for("utvecklare")
    assert client.post(f"{PAGE}/utkast").status_code == 302
    page = client.get(PAGE)
    text = _text(page)
    assert "2 avvikelser (HVB 2)." in text
    for case_words in ("Knivar", "15-åringen", "Ekbacken", "2018-01-09", "Notgården"):
        assert case_words not in text, case_words
    assert 'class="flags"' not in page.get_data(as_text=True)
    assert "Trackern hittade inget att flagga" in text


def test_included_case_texts_of_a_small_cell_are_flagged(
    client_for: Callable[[str], Any], month: list[str],
) -> None:
    client = client_for("utvecklare")
    assert client.post(f"{PAGE}/utkast", data={"case_texts": "true"}).status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    flags = _flags(html)
    places = {(place, kind, found) for place, kind, found, _ in flags}
    appendix = "Genomförande av insats (ärende för ärende)"
    # the HVB home had 2 deviations in January: fewer than 3
    assert (appendix, "Liten cell", "HVB Notgården") in places
    (why,) = [why for place, kind, _, why in flags if kind == "Liten cell"]
    assert "HVB Notgården hade 2 avvikelser i månaden (färre än 3)" in why
    # the utredning unit had 3: its texts are not a small cell
    assert not [f for f in flags if f[1] == "Liten cell" and "Utredning" in f[2]]
    assert (appendix, "Liten enhet", "HVB Notgården") in places  # 6 places, fewer than 10
    assert (appendix, "Ålder", "15-åringen") in places
    assert (appendix, "Namn eller plats", "Ekbacken") in places
    assert (appendix, "Datum mer exakt än månaden", "2018-01-09") in places
    # the grouped summary of the same section names no unit, age or day: nothing there
    assert not [f for f in flags if f[0] == "Genomförande av insats"]


def test_finalising_waits_for_the_review_confirmed_by_name(
    client_for: Callable[[str], Any], api: Callable[..., Any], month: list[str],
    runtime: Runtime,
) -> None:
    client = client_for("utvecklare")
    assert client.post(f"{PAGE}/utkast", data={"case_texts": "true"}).status_code == 302
    version = page_version(client.get(PAGE).get_data(as_text=True))
    refused = client.post(f"{PAGE}/faststall", data={"diary_number": "SUN 2018/17",
                                                      "version": version})
    assert refused.status_code == 422
    assert "Bekräfta sekretessgranskningen av texterna" in _text(refused)
    by_api = api("utvecklare", "POST", "/api/v1/reports/monthly/finalise", json={
        "year": 2018, "month": 1, "diary_number": "SUN 2018/17", "version": int(version)})
    assert by_api.status_code == 409, by_api.get_json()
    assert "secrecy review" in str(by_api.get_json()["errors"])
    assert not runtime.app.committee_reports(2018, 1)[0].is_final

    # the author masks the HVB home's stories, then confirms the review
    form = client.get(f"{PAGE}/redigera").get_data(as_text=True)
    index = re.search(r'name="detail_(\d+)"[^>]*>[^<]*Knivar', form)
    assert index
    data = {name: value for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form) if name != "csrf_token"}
    data |= dict(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form))
    data[f"detail_{index.group(1)}"] = "Två avvikelser om förvaring av knivar."
    assert client.post(f"{PAGE}/redigera", data=data).status_code == 302
    confirm_review(client, PAGE, masked="Enhetens namn, ålder, plats och datum i Bilaga 3.")
    page = _text(client.get(PAGE))
    assert "Granskningen är bekräftad av utvecklare" in page

    # an edit after the review needs a new one
    data["summary"] = "Fem avvikelser i januari."
    data["version"] = page_version(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}/redigera", data=data).status_code == 302
    assert runtime.app.committee_reports(2018, 1)[0].review is None
    version = page_version(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}/faststall", data={
        "diary_number": "SUN 2018/17", "version": version}).status_code == 422

    # through the API: the flags, then the confirmation, then finalising
    state = api("utvecklare", "GET", "/api/v1/reports/monthly/review?year=2018&month=1")
    assert state.status_code == 200
    assert state.get_json()["review"] is None
    confirmed = api("utvecklare", "POST", "/api/v1/reports/monthly/review", json={
        "year": 2018, "month": 1, "masked": "Inget mer.", "version": int(version)})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["review"]["by"] == "utvecklare"
    final = api("utvecklare", "POST", "/api/v1/reports/monthly/finalise", json={
        "year": 2018, "month": 1, "diary_number": "SUN 2018/17",
        "version": confirmed.get_json()["version"]})
    assert final.status_code == 200, final.get_json()
    assert final.get_json()["state"] == "final"

    # the report's history: who confirmed, when, what was masked and what was flagged
    report = runtime.app.committee_reports(2018, 1)[0]
    history = runtime.app.history(report.id)
    assert [e.type for e in history] == [
        "Drafted", "Edited", "SecrecyReviewConfirmed", "Edited", "SecrecyReviewConfirmed",
        "Finalised"]
    first = history[2]
    assert first.by == "utvecklare"
    assert first.data["masked"] == "Enhetens namn, ålder, plats och datum i Bilaga 3."
    assert {"kind": "small_cell", "where": "detail:genomforande"} in first.data["flags"]
    assert "Knivar" not in str(first.data)  # the flagged words themselves are not kept
    shown = _text(client.get(PAGE))
    assert ("Sekretessgranskning bekräftad av utvecklare (maskerat: Enhetens namn, ålder, "
            "plats och datum i Bilaga 3.;") in shown
    assert "Fastställd av utvecklare (dnr SUN 2018/17)" in shown


@pytest.mark.parametrize(("masked", "confirmed"), [
    ("", "true"),  # what was masked is required ("Inget" is an answer)
    ("x" * 2001, "true"),
    ("Personnumret 19121212-1212 togs bort.", "true"),
    ("Personnumret 191212121212 togs bort.", "true"),
    ("Inget.", "false"),  # not confirmed
    ("Inget.", ""),
])
def test_a_bad_review_is_refused_and_nothing_is_stored(
    masked: str, confirmed: str, client_for: Callable[[str], Any], month: list[str],
    runtime: Runtime,
) -> None:
    client = client_for("utvecklare")
    client.post(f"{PAGE}/utkast")
    version = page_version(client.get(PAGE).get_data(as_text=True))
    refused = client.post(f"{PAGE}/granskning", data={
        "masked": masked, "confirmed": confirmed, "version": version})
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.get_data(as_text=True) or "Fel" in _text(refused)
    assert runtime.app.committee_reports(2018, 1)[0].review is None


@pytest.mark.parametrize("body", [
    {"masked": ""},
    {"masked": ["Inget"]},
    {"masked": "x" * 2001},
    {"masked": "Personnummer 121212-1212"},
    {"version": "ett"},
    {"month": 13},
    {"year": 1999},
])
def test_the_api_refuses_a_bad_review_field_by_field(
    body: dict[str, Any], api: Callable[..., Any], month: list[str], runtime: Runtime,
) -> None:
    created = api("utvecklare", "POST", "/api/v1/reports/monthly/drafts",
                  json={"year": 2018, "month": 1})
    assert created.status_code == 201, created.get_json()
    good = {"year": 2018, "month": 1, "masked": "Inget.", "version": created.get_json()["version"]}
    refused = api("utvecklare", "POST", "/api/v1/reports/monthly/review", json=good | body)
    assert refused.status_code == 422, refused.get_json()
    assert set(refused.get_json()["errors"]) == set(body)
    assert runtime.app.committee_reports(2018, 1)[0].review is None


def test_the_annual_section_and_the_appendix_workbook_hold_counts_only(
    client_for: Callable[[str], Any], month: list[str],
) -> None:
    """The same rule for the other documents meant for the committee: no case text, no unit,
    no day; so nothing there for the review to flag."""
    client = client_for("utvecklare")
    client.post(f"{PAGE}/utkast", data={"case_texts": "true"})
    annual = client.get("/rapporter/kvalitetsberattelse/2018.docx")
    assert annual.status_code == 200
    document = docx_document(annual.get_data())
    texts = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for workbook in (client.get("/rapporter/kvalitetsberattelse/2018.xlsx"),
                     client.get(f"{PAGE}.xlsx")):
        assert workbook.status_code == 200
        sheets = load_workbook(io.BytesIO(workbook.get_data())).worksheets
        texts += [str(cell) for sheet in sheets for row in sheet.iter_rows(values_only=True)
                  for cell in row if cell is not None]
    joined = " ".join(texts)
    for case_words in ("Knivar", "15-åringen", "Ekbacken", "Notgården", "Utredningsenheten",
                       "2018-01-09"):
        assert case_words not in joined, case_words


def test_bad_draft_and_detail_inputs_are_refused_and_nothing_is_stored(
    client_for: Callable[[str], Any], api: Callable[..., Any], month: list[str],
    runtime: Runtime,
) -> None:
    client = client_for("utvecklare")
    assert client.post(f"{PAGE}/utkast", data={"case_texts": "ja"}).status_code == 422
    for body in ({"case_texts": "true"}, {"case_texts": 1}, {"month": 0}, {"year": "x" * 5000}):
        refused = api("utvecklare", "POST", "/api/v1/reports/monthly/drafts",
                      json={"year": 2018, "month": 1} | body)
        assert refused.status_code == 422, body
        assert set(refused.get_json()["errors"]) == set(body)
    assert runtime.app.committee_reports(2018, 1) == []

    # a personnummer in a case's text is refused on its field; the text stays
    assert client.post(f"{PAGE}/utkast", data={"case_texts": "true"}).status_code == 302
    form = client.get(f"{PAGE}/redigera").get_data(as_text=True)
    data = {name: value for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form) if name != "csrf_token"}
    data |= {name: unescape(value) for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form)}
    detail = next(name for name in data if name.startswith("detail_"))
    for bad in ("Gäller 19121212-1212.", "x" * 100_001):
        refused = client.post(f"{PAGE}/redigera", data=data | {detail: bad})
        assert refused.status_code == 422
        assert f'href="#{detail}"' in refused.get_data(as_text=True)
    (report,) = runtime.app.committee_reports(2018, 1)
    assert report.version == 1
    assert all("19121212" not in section["detail"] for section in report.sections)
