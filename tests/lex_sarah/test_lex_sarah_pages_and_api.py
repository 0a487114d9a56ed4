"""A Lex Sarah investigation on its page and through the API: every step, steps out of
order refused with what is missing (Swedish on the page, 409 with the reason in the API),
bad input refused field by field with nothing stored, and stale edits reported."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from tracker.runtime import Runtime


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


@pytest.fixture
def case_id(users: Any, lex_sarah_case: Callable[..., UUID]) -> UUID:
    return lex_sarah_case()


@pytest.fixture
def client(client_for: Callable[[str], Any]) -> Any:
    return client_for("lexsarah")


def _finding(today: str) -> dict[str, str]:
    return {
        "finding_kind": "handelse", "finding_text": "Knivar låg framme vid två tillfällen.",
        "finding_date": today, "finding_source": "Samtal med personal",
        "finding_nature": "fact", "finding_author": "Utredare Ett",
        "finding_author_title": "Socialsekreterare",
    }


def _not_applicable(kind: str) -> dict[str, str]:
    return {"na_kind": kind, "na_reason": "Inte aktuellt i ärendet.", "na_author": "Utredare Ett",
            "na_author_title": "Socialsekreterare"}


REMAINING = ["tidpunkt", "upptackt", "tidigare", "upprepning", "atgard"]


def _cover(client: Any, case_id: UUID, kinds: list[str]) -> None:
    for kind in kinds:
        response = client.post(f"/lex-sarah/{case_id}/ej-tillampligt", data=_not_applicable(kind))
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def test_every_step_on_the_case_page(client: Any, case_id: UUID, runtime: Runtime) -> None:
    today = runtime.app.today().isoformat()
    url = f"/lex-sarah/{case_id}"
    steps = [
        ("atgard", {"pa_description": "Knivarna låstes in samma dag.", "pa_taken_on": today}),
        ("utredare", {"investigator": "Utredare Ett"}),
        ("uppgift", _finding(today)),
        ("uppgift", {**_finding(today), "finding_kind": "orsak", "finding_nature": "assessment",
                     "finding_text": "Rutinen var inte känd av vikarier."}),
        ("forslag", {"proposal_grade": "risk_allvarligt", "proposal_reasoning": "Risk för skada."}),
        ("ivo", {"sent_on": today, "ivo_reference": "IVO 3.1.1-1234/2026",
                 "diary_number": "SN 2026/77", "ivo_investigation": "kompletteras"}),
        *[("ej-tillampligt", _not_applicable(kind)) for kind in REMAINING],
        ("beslut", {"decision_grade": "allvarligt", "decision_reasoning": "Allvarligt.",
                    "decided_on": today}),
        ("ivo-komplettering", {"ivo_completed_on": today}),
        ("informerad", {"informed_who": "individual", "informed_on": today}),
        ("informerad", {"informed_who": "representative", "informed_on": today}),
        ("avsluta", {"closing_summary": "Rutinen är uppdaterad.", "closed_on": today}),
    ]
    # After each step the page opens at the step that is next: the findings stay next until
    # every aspect SOSFS 2011:5 asks for is documented, or the decision is made.
    next_steps = ["utredare", "uppgift", "uppgift", "uppgift", "uppgift", "uppgift",
                  *["uppgift"] * (len(REMAINING) - 1), "beslut", "ivo-komplettering",
                  "informerad", "avsluta", "avsluta", "avsluta"]
    for (action, data), following in zip(steps, next_steps, strict=True):
        response = client.post(f"{url}/{action}", data=data)
        assert response.status_code == 302, (action, response.get_data(as_text=True)[-2000:])
        assert response.headers["Location"].endswith(f"#steg-{following}"), action
        if action in ("ivo", "beslut", "ivo-komplettering"):
            # Sent with the investigation "kompletteras": the IVO step is under way, and
            # once decided its completion is the next step, until it is sent.
            shown = client.get(url).get_data(as_text=True)
            state = re.search(r'id="steg-ivo-status">([^<]+)<', shown)
            assert state and state.group(1) == (
                "Klar" if action == "ivo-komplettering" else "Pågår"), action
            completion_open = '<details class="step-form" id="form-ivo-komplettering" open>'
            assert (completion_open in shown) is (action == "beslut"), action
            if action == "beslut":
                assert 'Nästa steg: <a href="#steg-ivo-komplettering">Komplettering till IVO' \
                    in shown
    page = client.get(url).get_data(as_text=True)
    for shown in ["Knivarna låstes in samma dag.", "Utredare Ett", "Orsaker",
                  "Rutinen var inte känd av vikarier.", "Bedömning",
                  "Allvarligt missförhållande", "IVO 3.1.1-1234/2026", "SN 2026/77",
                  "Den enskilde", "Företrädare", "Rutinen är uppdaterad.", "Avslutad",
                  "Kompletteras – utredningen skickas senare", "kompletteringen skickad",
                  "Socialsekreterare", "Inte aktuellt i ärendet.", "Ej tillämpligt"]:
        assert shown in page, shown
    case = runtime.app.get_lex_sarah_case(case_id)
    assert f'href="/avvikelser/{case.deviation_id}"' in page  # the originating deviation
    assert case.status.value == "closed"
    assert len(case.findings) == 2
    # a closed case offers no more steps (a version of its document can still be locked;
    # its case file still takes the outcome for the reporter and attachments)
    steps = [a for a in re.findall(r'action="/lex-sarah/[^"]+"', page)
             if not re.search(r"/(utfall|bilagor)\b", a)]
    assert steps == [f'action="/lex-sarah/{case_id}/utredning/versioner"']


@pytest.mark.parametrize(
    ("action", "data", "missing"),
    [
        ("ivo", {"sent_on": "{today}", "ivo_reference": "IVO-1", "diary_number": "D-1",
                 "ivo_investigation": "bifogad"},
         "Föreslå eller besluta en allvarlig bedömning (påtaglig risk för allvarligt "
         "missförhållande eller allvarligt missförhållande) innan ärendet anmäls till IVO."),
        ("beslut", {"decision_grade": "missforhallande", "decision_reasoning": "x",
                    "decided_on": "{today}"},
         "Utredningen täcker ännu inte: vad som hänt och konsekvenserna för den enskilde, "
         "när det hände, när och hur det uppmärksammades, orsaker, tidigare liknande "
         "händelser, risk att det händer igen, åtgärder (med datum)."),
        ("avsluta", {"closing_summary": "Klart.", "closed_on": "{today}"},
         "Besluta om bedömningen innan utredningen avslutas."),
    ],
)
def test_a_step_out_of_order_says_what_is_missing(
    client: Any, case_id: UUID, runtime: Runtime, action: str, data: dict[str, str],
    missing: str,
) -> None:
    today = runtime.app.today().isoformat()
    before = runtime.app.get_lex_sarah_case(case_id).version
    response = client.post(
        f"/lex-sarah/{case_id}/{action}", data={k: v.format(today=today) for k, v in data.items()}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert missing in _summary(html)
    assert runtime.app.get_lex_sarah_case(case_id).version == before
    # what the user typed is still there
    for value in data.values():
        if "{" not in value:
            assert value in html


def test_closing_a_serious_case_before_the_ivo_report_is_refused(
    client: Any, case_id: UUID, runtime: Runtime
) -> None:
    today = runtime.app.today().isoformat()
    client.post(f"/lex-sarah/{case_id}/uppgift", data=_finding(today))
    _cover(client, case_id, [*REMAINING, "orsak"])
    client.post(f"/lex-sarah/{case_id}/beslut", data={
        "decision_grade": "risk_allvarligt", "decision_reasoning": "Påtaglig risk.",
        "decided_on": today})
    response = client.post(f"/lex-sarah/{case_id}/avsluta",
                           data={"closing_summary": "Klart.", "closed_on": today})
    assert response.status_code == 409
    assert "Anmäl ärendet till IVO innan det avslutas." in _summary(response.get_data(as_text=True))
    assert runtime.app.get_lex_sarah_case(case_id).closed_on is None


def test_a_mild_grade_is_not_reported_to_ivo(
    client: Any, case_id: UUID, runtime: Runtime
) -> None:
    today = runtime.app.today().isoformat()
    client.post(f"/lex-sarah/{case_id}/uppgift", data=_finding(today))
    _cover(client, case_id, [*REMAINING, "orsak"])
    client.post(f"/lex-sarah/{case_id}/beslut", data={
        "decision_grade": "inte_missforhallande", "decision_reasoning": "Inget fel.",
        "decided_on": today})
    response = client.post(f"/lex-sarah/{case_id}/ivo", data={
        "sent_on": today, "ivo_reference": "IVO-1", "diary_number": "D-1",
        "ivo_investigation": "bifogad"})
    assert response.status_code == 409
    assert "anmäls till IVO" in _summary(response.get_data(as_text=True))
    page = client.get(f"/lex-sarah/{case_id}").get_data(as_text=True)
    assert "Beslutet kräver ingen anmälan till IVO." in page


def test_bad_input_gets_inline_errors_and_nothing_is_stored(
    client: Any, case_id: UUID, runtime: Runtime
) -> None:
    tomorrow = (runtime.app.today() + timedelta(days=1)).isoformat()
    before = runtime.app.get_lex_sarah_case(case_id).version
    response = client.post(f"/lex-sarah/{case_id}/uppgift", data={
        "finding_kind": "nonsense", "finding_text": "", "finding_date": "igår",
        "finding_source": "Journal", "finding_nature": "fact", "finding_author": "U"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = _summary(html)
    assert "Fyll i fältet." in summary
    assert "Välj ett av alternativen i listan." in summary
    assert "Ange ett fullständigt datum, t.ex. 2026-11-20." in summary
    assert 'href="#finding_kind"' in html
    assert 'href="#finding_date"' in html
    assert 'id="finding_text-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="igår"' in html  # kept for correction

    response = client.post(f"/lex-sarah/{case_id}/atgard",
                           data={"pa_description": "Åtgärd", "pa_taken_on": tomorrow})
    assert response.status_code == 422
    assert "Datumet får inte vara senare än i dag." in _summary(response.get_data(as_text=True))

    response = client.post(f"/lex-sarah/{case_id}/uppgift", data={
        **_finding(runtime.app.today().isoformat()),
        "finding_text": "Gäller 19121212-1212 på avdelningen."})
    assert response.status_code == 422
    assert "personnummer" in _summary(response.get_data(as_text=True))
    assert runtime.app.get_lex_sarah_case(case_id).version == before


def test_a_stale_edit_is_reported_and_the_text_kept(
    client: Any, case_id: UUID, runtime: Runtime
) -> None:
    seen = runtime.app.get_lex_sarah_case(case_id).version
    runtime.app.assign_investigator(case_id, actor="utvecklare", investigator="Någon annan")
    response = client.post(f"/lex-sarah/{case_id}/forslag", data={
        "proposal_grade": "missforhallande", "proposal_reasoning": "Min motivering.",
        "version": str(seen)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Någon annan har ändrat ärendet" in _summary(html)
    assert "Min motivering." in html
    assert runtime.app.get_lex_sarah_case(case_id).proposed_grade is None
    # the form now carries the current version: sending again works
    current = runtime.app.get_lex_sarah_case(case_id).version
    assert f'name="version" value="{current}"' in html


def test_unknown_case_and_unknown_step_are_404(client: Any, case_id: UUID) -> None:
    assert client.get("/lex-sarah/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.post(f"/lex-sarah/{case_id}/hoppa", data={}).status_code == 404


# --- JSON API -----------------------------------------------------------------------


def test_api_lifecycle_and_shape(api: Callable[..., Any], case_id: UUID, runtime: Runtime) -> None:
    today = runtime.app.today().isoformat()
    base = f"/api/v1/lex-sarah/{case_id}"
    body = api("lexsarah", "GET", base).get_json()
    assert body["status"] == "open"
    assert body["id"] == str(case_id)
    assert [entry["type"] for entry in body["history"]] == ["Opened"]

    response = api("lexsarah", "POST", f"{base}/findings", json={
        "kind": "upptackt", "text": "Upptäcktes vid kvällsronden.", "date": today,
        "source": "Personal", "nature": "fact", "author": "Utredare",
        "author_title": "Socialsekreterare"})
    assert response.status_code == 201
    assert response.get_json()["findings"][0]["kind"] == "upptackt"
    assert response.get_json()["findings"][0]["author_title"] == "Socialsekreterare"
    assert api("lexsarah", "POST", f"{base}/proposal", json={
        "grade": "allvarligt", "reasoning": "Allvarligt."}).status_code == 200
    response = api("lexsarah", "POST", f"{base}/ivo-report", json={
        "sent_on": today, "ivo_reference": "IVO-9", "diary_number": "SN-9",
        "investigation": "bifogad"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "reported_to_ivo"
    refused = api("lexsarah", "POST", f"{base}/decision", json={
        "grade": "allvarligt", "reasoning": "Allvarligt.", "decided_on": today})
    assert refused.status_code == 409
    assert "when it happened (tidpunkt)" in refused.get_json()["errors"]["_schema"][0]
    assert "upptackt" not in refused.get_json()["errors"]["_schema"][0]
    for kind in ["handelse", "tidpunkt", "orsak", "tidigare", "upprepning", "atgard"]:
        response = api("lexsarah", "POST", f"{base}/not-applicable", json={
            "kind": kind, "reason": "Inte aktuellt.", "author": "Utredare",
            "author_title": "Socialsekreterare"})
        assert response.status_code == 201, response.get_json()
    assert response.get_json()["uncovered_kinds"] == []
    response = api("utvecklare", "POST", f"{base}/decision", json={
        "grade": "allvarligt", "reasoning": "Allvarligt.", "decided_on": today})
    assert response.status_code == 200
    assert response.get_json()["status"] == "reported_to_ivo"
    # who decided: the recording account, as no name was given
    assert response.get_json()["decision"] == {
        "grade": "allvarligt", "reasoning": "Allvarligt.", "decided_on": today,
        "decided_by": "utvecklare", "decided_by_title": None}
    assert api("lexsarah", "POST", f"{base}/informed", json={
        "who": "individual", "on": today}).status_code == 200
    response = api("lexsarah", "POST", f"{base}/closure", json={"summary": "Klart."})
    body = response.get_json()
    assert body["status"] == "closed"
    assert body["informed"] == {"individual": today}
    assert body["ivo_report"] == {
        "sent_on": today, "ivo_reference": "IVO-9", "diary_number": "SN-9",
        "investigation": "bifogad", "completed_on": None, "document_version": None,
        "completion_document_version": None}
    assert [e["type"] for e in body["history"]] == [
        "Opened", "FindingDocumented", "GradeProposed", "ReportedToIVO",
        *["FindingKindMarkedNotApplicable"] * 6, "Decided", "PartyInformed", "Closed"]


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("ivo-report", {"sent_on": "{today}", "ivo_reference": "I", "diary_number": "D",
                        "investigation": "kompletteras"},
         "Propose or decide a serious grade (påtaglig risk för allvarligt missförhållande or "
         "allvarligt missförhållande) before reporting to IVO."),
        ("decision", {"grade": "allvarligt", "reasoning": "r"},
         "The investigation does not yet cover: what happened and its consequences "
         "(handelse), when it happened (tidpunkt), when and how it was noticed (upptackt), "
         "the causes (orsak), earlier similar events (tidigare), the risk that it happens "
         "again (upprepning), the measures taken, with dates (atgard). Document a finding of "
         "each, or mark it not applicable (ej tillämpligt) with a reason."),
        ("closure", {"summary": "s"}, "Decide the grade before closing the investigation."),
    ],
)
def test_api_step_out_of_order_is_409_with_the_reason(
    api: Callable[..., Any], case_id: UUID, runtime: Runtime, path: str,
    body: dict[str, str], reason: str,
) -> None:
    today = runtime.app.today().isoformat()
    before = runtime.app.get_lex_sarah_case(case_id).version
    response = api("lexsarah", "POST", f"/api/v1/lex-sarah/{case_id}/{path}",
                   json={k: v.format(today=today) for k, v in body.items()})
    assert response.status_code == 409
    assert response.get_json() == {"errors": {"_schema": [reason]}}
    swedish = api("lexsarah", "POST", f"/api/v1/lex-sarah/{case_id}/{path}",
                  json={k: v.format(today=today) for k, v in body.items()},
                  headers={"Accept-Language": "sv"})
    assert swedish.status_code == 409
    assert swedish.get_json()["errors"]["_schema"][0] != reason  # translated
    assert runtime.app.get_lex_sarah_case(case_id).version == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"kind", "text", "date", "source", "nature", "author", "author_title"}),
        ({"kind": "gissning", "text": "t", "date": "2026-13-01", "source": "s",
          "nature": "rykte", "author": "a",
          "author_title": "t"}, {"kind", "date", "nature"}),
        ({"kind": "orsak", "text": 5, "date": "2026-01-01", "source": "s", "nature": "fact",
          "author": "a", "author_title": "t"}, {"text"}),
        ({"kind": "orsak", "text": "x" * 5001, "date": "2026-01-01", "source": "s",
          "nature": "fact", "author": "a",
          "author_title": "t"}, {"text"}),
        ({"kind": "orsak", "text": "t", "date": "2999-01-01", "source": "s", "nature": "fact",
          "author": "a", "author_title": "t"}, {"date"}),
        ({"kind": "orsak", "text": "t", "date": "2026-01-01", "source": "s", "nature": "fact",
          "author": "a", "author_title": "t", "extra": 1}, {"extra"}),
    ],
)
def test_api_bad_finding_is_422_per_field_and_nothing_stored(
    api: Callable[..., Any], case_id: UUID, runtime: Runtime, body: dict[str, Any],
    fields: set[str],
) -> None:
    before = runtime.app.get_lex_sarah_case(case_id).version
    response = api("lexsarah", "POST", f"/api/v1/lex-sarah/{case_id}/findings", json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields
    assert runtime.app.get_lex_sarah_case(case_id).version == before


def test_api_bad_grade_and_party_codes(api: Callable[..., Any], case_id: UUID) -> None:
    base = f"/api/v1/lex-sarah/{case_id}"
    response = api("lexsarah", "POST", f"{base}/proposal", json={"grade": "lite", "reasoning": "r"})
    assert set(response.get_json()["errors"]) == {"grade"}
    response = api("lexsarah", "POST", f"{base}/informed",
                   json={"who": "granne", "on": "2026-01-01"})
    assert set(response.get_json()["errors"]) == {"who"}
    assert api("lexsarah", "POST", f"{base}/proposal", data="nej",
               content_type="application/json").status_code == 400


def test_api_stale_expected_version_is_409(
    api: Callable[..., Any], case_id: UUID, runtime: Runtime
) -> None:
    version = api("lexsarah", "GET", f"/api/v1/lex-sarah/{case_id}").get_json()["version"]
    runtime.app.assign_investigator(case_id, actor="utvecklare", investigator="X")
    response = api("lexsarah", "POST", f"/api/v1/lex-sarah/{case_id}/proposal", json={
        "grade": "missforhallande", "reasoning": "r", "expected_version": version})
    assert response.status_code == 409
    assert runtime.app.get_lex_sarah_case(case_id).proposed_grade is None


def test_api_unknown_case_is_404(api: Callable[..., Any], users: Any) -> None:
    response = api("lexsarah", "GET", "/api/v1/lex-sarah/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.get_json()["errors"]
