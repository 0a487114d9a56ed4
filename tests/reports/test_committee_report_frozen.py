"""A finalised report is frozen with its Excel workbook (the appendices' figures, the same as
its PDF), and "Ändringar sedan fastställandet" says, from the events, what changed in the
month's deviations afterwards and why. A report finalised before the secrecy review existed
(no review event, the old form's words) still reads as finalised."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from openpyxl import load_workbook
from report_support import confirm_review, page_version, read_pdf

from events.committee_report import CommitteeReport
from tracker.application import TrackerApplication
from tracker.committee_report_draft import figures
from tracker.runtime import Runtime

PAGE = "/rapporter/namnd/2018/1"


def _text(response: Any) -> str:
    words = " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())
    return re.sub(r"\( ", "(", re.sub(r" ([,.:;)])", r"\1", words))


def _cells(body: bytes) -> dict[str, list[list[Any]]]:
    workbook = load_workbook(io.BytesIO(body))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets}


def _finalise(client: Any) -> None:
    assert client.post(f"{PAGE}/utkast").status_code == 302
    confirm_review(client, PAGE)
    version = page_version(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}/faststall", data={
        "diary_number": "SUN 2018/17", "version": version}).status_code == 302


def test_the_finalised_pdf_and_excel_stay_and_the_changes_page_names_the_change(
    client_for: Callable[[str], Any], api: Callable[..., Any], january_2018: list[str],
    tmp_path: Path, time_machine: Any,
) -> None:
    client = client_for("utvecklare")
    _finalise(client)
    pdf_before = read_pdf(client.get(f"{PAGE}.pdf").get_data(), tmp_path, "before").text
    excel = client.get(f"{PAGE}.xlsx")
    assert excel.status_code == 200
    assert 'filename="avvikelser-2018-01.xlsx"' in excel.headers["Content-Disposition"]
    cells_before = _cells(excel.get_data())
    # the workbook holds the PDF's figures: appendix 1's series, appendix 2's tables
    assert ["jan", "uppgift saknas", "uppgift saknas", 13] in cells_before["Bilaga 1"]
    assert ["Genomförande av insats", 3] in cells_before["Bilaga 2 HVB"]
    assert ["Totalt (n)", 4] in cells_before["Bilaga 2 HVB"]
    flat = " ".join(pdf_before.split())
    assert re.search(r"Genomförande av insats\s+3\b", flat)
    assert "Totalt (n) 4" in flat
    nothing = _text(client.get(f"{PAGE}/andringar"))
    assert "Inget har ändrats" in nothing

    # on 14 February the knife incidents are reclassified and a double is withdrawn
    time_machine.move_to("2018-02-14 10:00 +01:00", tick=True)
    for knives in january_2018[9:11]:
        response = api("utvecklare", "POST", f"/api/v1/deviations/{knives}/classification",
                       json={"category": "personal", "subcategory": None})
        assert response.status_code == 200, response.get_json()
    response = api("utvecklare", "POST", f"/api/v1/deviations/{january_2018[6]}/withdrawal",
                   json={"reason": "Registrerad två gånger."})
    assert response.status_code == 200, response.get_json()

    client = client_for("utvecklare")  # a week later: signed in anew
    assert read_pdf(client.get(f"{PAGE}.pdf").get_data(), tmp_path, "after").text == pdf_before
    assert _cells(client.get(f"{PAGE}.xlsx").get_data()) == cells_before
    api_excel = api("utvecklare", "GET",
                    "/api/v1/reports/monthly/document?year=2018&month=1&format=xlsx")
    assert _cells(api_excel.get_data()) == cells_before

    page = client.get(f"{PAGE}/andringar")
    assert page.status_code == 200
    changes = _text(page)
    assert "januari 2018: 13 → 12" in changes
    assert "januari 2018, HVB, Genomförande av insats: 3 → 1" in changes
    assert "januari 2018, HVB, Personal och kompetens: 0 → 2" in changes
    assert "januari 2018, IFO, Handläggning och dokumentation – Registrering och arkiv: 2 → 1" \
        in changes
    assert "Två avvikelser omklassificerade 14 februari 2018 av utvecklare." in changes
    assert "En avvikelse återkallad 14 februari 2018 av utvecklare." in changes
    assert ("AV-2018-0010 omklassificerad: Genomförande av insats → Personal och kompetens "
            "(2018-02-14") in changes
    assert "Registrerad två gånger" not in changes  # why it was withdrawn is the case's own
    # the report's page links to it; the API says the same
    assert "Ändringar sedan fastställandet" in _text(client.get(PAGE))
    by_api = api("utvecklare", "GET", "/api/v1/reports/monthly/changes?year=2018&month=1")
    assert by_api.status_code == 200
    body = by_api.get_json()
    assert "januari 2018: 13 → 12" in body["figures"]
    assert "två avvikelser omklassificerade 14 februari 2018 av utvecklare" in body["summary"]
    assert {c["kind"] for c in body["changes"]} == {"Reclassified", "Withdrawn"}


def test_a_draft_has_no_changes_page(
    client_for: Callable[[str], Any], api: Callable[..., Any], january_2018: list[str],
) -> None:
    client = client_for("utvecklare")
    assert client.get(f"{PAGE}/andringar").status_code == 404
    client.post(f"{PAGE}/utkast")
    assert client.get(f"{PAGE}/andringar").status_code == 404
    assert api("utvecklare", "GET",
               "/api/v1/reports/monthly/changes?year=2018&month=1").status_code == 404


def _as_version_1(application: TrackerApplication, event: Any) -> StoredEvent:
    """The event as version 1 of its class stored it: no form's words, no case detail."""
    mapper = application.mapper
    stored = mapper.to_stored_event(event)
    state = mapper.transcoder.decode(mapper.cipher.decrypt(stored.state) if mapper.cipher
                                     else stored.state)
    holder = state.get("content", state)
    holder.pop("form")
    for section in holder["sections"]:
        section.pop("detail")
        section.pop("units")
    holder["text"].pop("legal_basis")
    state.pop("form", None)
    state["class_version"] = 1
    encoded = mapper.transcoder.encode(state)
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       mapper.cipher.encrypt(encoded) if mapper.cipher else encoded)


def test_a_report_finalised_before_the_review_existed_still_reads_as_finalised(
    client_for: Callable[[str], Any], runtime: Runtime, january_2018: list[str],
) -> None:
    """Stored as the tracker stored it then: Drafted and Finalised, version 1, no review."""
    app = runtime.app
    section = {"key": "genomforande", "heading": "Genomförande av insats", "count": 3,
               "text": "Knivar låg framme två gånger."}
    text = {"committee": "Socialnämnden", "administration": "Socialförvaltningen",
            "author": "utvecklare", "author_title": "Verksamhetsutvecklare",
            "title": "Avvikelser januari 2018", "report_date": "2018-02-05",
            "proposal": "Nämnden godkänner rapporten.", "summary": "Tretton avvikelser."}
    report = CommitteeReport.draft(year=2018, month=1, revision=1, text=text,
                                   sections=[section], figures=_figures(runtime),
                                   actor="utvecklare")
    report._finalised(  # as the old finalise did, without a review
        diary_number="SUN 2018/17", finalised_on=date(2018, 2, 6), actor="utvecklare",
        content={"text": {**report.text, "diary_number": "SUN 2018/17"},
                 "sections": report.sections, "figures": report.figures, "form": report.form})
    events = report.collect_events()
    app.recorder.insert_events([_as_version_1(app, event) for event in events])

    (old,) = app.committee_reports(2018, 1)  # found by its fixed id
    assert old.is_final
    assert old.review is None
    assert old.text["diary_number"] == "SUN 2018/17"
    assert old.form["proposal_heading"] == "Förslag till beslut"
    assert old.sections[0]["detail"] == ""
    page = _text(client_for("utvecklare").get(PAGE))
    assert "Fastställd, version 1: fastställd 2018-02-06, dnr SUN 2018/17" in page
    assert "Förslag till beslut Nämnden godkänner rapporten." in page
    assert "Dnr: SUN 2018/17" in page  # the old form's word
    assert "Knivar låg framme två gånger." in page


def _figures(runtime: Runtime) -> dict[str, Any]:
    return figures(runtime.engine, runtime.organisation, 2018, 1, runtime.app.today())


def test_a_draft_from_before_keeps_its_legal_basis_when_edited(
    client_for: Callable[[str], Any], runtime: Runtime, january_2018: list[str],
) -> None:
    """A version-1 draft had no legal-basis text: the edit form offers what it cited, so
    saving it keeps the paragraph; and its review is still to be done."""
    app = runtime.app
    text = {"committee": "Socialnämnden", "administration": "Socialförvaltningen",
            "author": "utvecklare", "author_title": "Verksamhetsutvecklare",
            "title": "Avvikelser januari 2018", "report_date": "2018-02-05",
            "proposal": "Nämnden godkänner rapporten.", "summary": "Tretton avvikelser."}
    report = CommitteeReport.draft(year=2018, month=1, revision=1, text=text, sections=[],
                                   figures=_figures(runtime), actor="utvecklare")
    app.recorder.insert_events([_as_version_1(app, e) for e in report.collect_events()])
    client = client_for("utvecklare")
    form = client.get(f"{PAGE}/redigera").get_data(as_text=True)
    cited = re.search(r'<textarea[^>]*name="legal_basis"[^>]*>([^<]*)</textarea>', form)
    assert cited
    assert "SOSFS 2011:9" in cited.group(1)
    data = {name: value for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form) if name != "csrf_token"}
    data |= dict(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form))
    data["summary"] = "Tretton avvikelser i januari."
    assert client.post(f"{PAGE}/redigera", data=data).status_code == 302
    assert "SOSFS 2011:9" in app.committee_reports(2018, 1)[0].text["legal_basis"]
    assert "SOSFS 2011:9" in _text(client.get(PAGE))
    assert "Bekräfta granskningen" in _text(client.get(PAGE))
