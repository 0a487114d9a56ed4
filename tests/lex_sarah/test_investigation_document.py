"""The Lex Sarah investigation as the document IVO receives, run through the API from the
deviation to IVO: the PDF's text (read back with pdftotext) and the Word file hold every
item with its text, date, source, Faktauppgift/Bedömning and "namn, titel", the decision and
who decided; numbered versions download again byte for byte with the SHA-256 the case's
history records, a later item goes into the draft and the next version, and the IVO report
points to the versions that went with it."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import docx
import pytest

from tracker.runtime import Runtime

Api = Callable[..., Any]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return re.sub(r"\s+", " ", text)


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return re.sub(r"\s+", " ", " ".join(parts))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_json()


def findings(today: str, yesterday: str) -> list[dict[str, str]]:
    """One item per kind SOSFS 2011:5 requires, facts and assessments, each by its author."""
    rows = [
        ("handelse", "Knivar låg framme på köksbänken vid två tillfällen.", "fact",
         "Samtal med personal", "Eva Ek", "Socialsekreterare"),
        ("tidpunkt", "Det hände kvällen före upptäckten.", "fact", "Journalanteckning",
         "Eva Ek", "Socialsekreterare"),
        ("upptackt", "Nattpersonalen såg knivarna vid ronden.", "fact", "Avvikelserapport",
         "Olle Ås", "Behandlingsassistent"),
        ("orsak", "Rutinen för knivlådan var inte känd av vikarierna.", "assessment",
         "Intervju med enhetschef", "Eva Ek", "Socialsekreterare"),
        ("tidigare", "Ingen liknande händelse de senaste två åren.", "fact",
         "Avvikelseregistret", "Eva Ek", "Socialsekreterare"),
        ("upprepning", "Risken bedöms som låg när rutinen följs.", "assessment",
         "Utredarens bedömning", "Karin Berg", "Kvalitetsutvecklare"),
    ]
    return [
        {"kind": kind, "text": text, "date": yesterday if kind == "tidpunkt" else today,
         "source": source, "nature": nature, "author": author, "author_title": title}
        for kind, text, nature, source, author, title in rows
    ]


def freeze(api: Api, case: UUID, purpose: str = "ivo") -> dict[str, Any]:
    return ok(api("lexsarah", "POST", f"/api/v1/lex-sarah/{case}/document/versions",
                  json={"purpose": purpose}), 201)


def download(api: Api, path: str) -> bytes:
    response = api("lexsarah", "GET", path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data()


@pytest.mark.slow
def test_a_case_from_the_deviation_to_ivo_through_the_api(
    api: Api, users: Any, runtime: Runtime, tmp_path: Path
) -> None:
    today_date = runtime.app.today()
    today, yesterday = today_date.isoformat(), (today_date - timedelta(days=1)).isoformat()
    deviation = ok(api("utvecklare", "POST", "/api/v1/deviations", json={
        "unit": "hvb-notgarden", "category": "genomforande", "occurred_on": yesterday,
        "description": "Knivar låg framme i köket."}), 201)
    escalated = ok(api("utvecklare", "POST", f"/api/v1/deviations/{deviation['id']}/lex-sarah",
                       json={"reason": "Risk för allvarlig skada."}), 201)
    case = UUID(escalated["lex_sarah_case_id"])
    base = f"/api/v1/lex-sarah/{case}"
    ok(api("lexsarah", "POST", f"{base}/protective-actions",
           json={"description": "Knivarna låstes in samma kväll.", "taken_on": today}), 201)
    ok(api("lexsarah", "POST", f"{base}/investigator", json={"investigator": "Karin Berg"}))
    items = findings(today, yesterday)
    for item in items:
        ok(api("lexsarah", "POST", f"{base}/findings", json=item), 201)
    ok(api("lexsarah", "POST", f"{base}/proposal",
           json={"grade": "risk_allvarligt", "reasoning": "Barn kunde ha skadats."}))

    # Version 1 goes to IVO with the anmälan ("kompletteras": the rest follows).
    first = freeze(api, case)
    assert first["number"] == 1 and len(first["sha256"]) == 64
    first_pdf = download(api, f"{base}/document/versions/1?format=pdf")
    first_docx = download(api, f"{base}/document/versions/1?format=docx")
    assert hashlib.sha256(first_pdf).hexdigest() == first["sha256"]
    assert hashlib.sha256(first_docx).hexdigest() == first["docx_sha256"]
    reported = ok(api("lexsarah", "POST", f"{base}/ivo-report", json={
        "sent_on": today, "ivo_reference": "IVO 3.1.1-4711/2026", "diary_number": "SN 2026/88",
        "investigation": "kompletteras"}))
    assert reported["ivo_report"]["document_version"] is None

    # A later item: the draft holds it, the frozen version does not change.
    later = {"kind": "atgard", "text": "Ny rutin med inventarielista i knivlådan.",
             "date": today, "source": "Enhetens rutin", "nature": "fact",
             "author": "Olle Ås", "author_title": "Behandlingsassistent"}
    ok(api("lexsarah", "POST", f"{base}/findings", json=later), 201)
    assert download(api, f"{base}/document/versions/1?format=pdf") == first_pdf
    assert download(api, f"{base}/document/versions/1?format=docx") == first_docx
    assert later["text"] not in pdf_text(first_pdf, tmp_path)
    draft = pdf_text(download(api, f"{base}/document?format=pdf"), tmp_path)
    assert later["text"] in draft and "Utkast" in draft
    assert later["text"] in docx_text(download(api, f"{base}/document?format=docx"))

    ok(api("lexsarah", "POST", f"{base}/decision", json={
        "grade": "allvarligt", "reasoning": "Knivarna utgjorde en allvarlig risk för de unga.",
        "decided_on": today, "decided_by": "Anna Lind", "decided_by_title": "Socialchef"}))
    second = freeze(api, case, "decision")
    assert second["number"] == 2 and second["sha256"] != first["sha256"]
    completed = ok(api("lexsarah", "POST", f"{base}/ivo-report-completion", json={}))
    # "kompletteras" points to the version that followed the anmälan.
    assert completed["ivo_report"]["completion_document_version"] == 2

    # The history records each version's number and the files' SHA-256.
    frozen = [e["data"] for e in completed["history"] if e["type"] == "DocumentVersionFrozen"]
    assert [(e["number"], e["pdf_sha256"], e["docx_sha256"]) for e in frozen] == [
        (1, first["sha256"], first["docx_sha256"]), (2, second["sha256"], second["docx_sha256"])]
    assert [v["number"] for v in completed["document_versions"]] == [1, 2]

    second_pdf = download(api, f"{base}/document/versions/2?format=pdf")
    assert hashlib.sha256(second_pdf).hexdigest() == second["sha256"]
    text = pdf_text(second_pdf, tmp_path)
    word = docx_text(download(api, f"{base}/document/versions/2?format=docx"))
    natures = {"fact": "Faktauppgift", "assessment": "Bedömning"}
    for number, item in enumerate([*items, later], start=1):
        for shown in (text, word):
            assert item["text"] in shown, item["kind"]
            assert (f"Uppgift {number} · {natures[item['nature']]}") in shown
            assert f"Datum: {item['date']} · Källa: {item['source']}" in shown
            assert f"Dokumenterad av: {item['author']}, {item['author_title']}" in shown
    for shown in (text, word):
        for expected in ["Utredning enligt lex Sarah", "Version 2 (för beslut)",
                         "Allvarligt missförhållande",
                         "Knivarna utgjorde en allvarlig risk för de unga.",
                         "Beslutad av: Anna Lind, Socialchef", f"Beslutsdatum: {today}",
                         "Knivarna låstes in samma kväll.", "IVO 3.1.1-4711/2026",
                         "SN 2026/88", "Påtaglig risk för allvarligt missförhållande",
                         "Inga bifogade filer.", "Bilaga: tidslinje",
                         "Utredningen: Kompletteras – utredningen skickas senare", "Socialnämnden"]:
            assert expected in shown, expected
    # The file says what it is and in which language (its title and Swedish).
    info = subprocess.run(["pdfinfo", "-"], input=second_pdf, capture_output=True,
                          check=True).stdout.decode()
    assert re.search(r"Title:\s+Utredning enligt lex Sarah LS-", info), info
    assert re.search(r"Tagged:\s+yes", info), info  # PDF/UA: a structure tree for readers


def test_a_report_with_the_investigation_attached_points_to_the_latest_version(
    api: Api, users: Any, runtime: Runtime, lex_sarah_case: Callable[..., UUID]
) -> None:
    case = lex_sarah_case()
    base = f"/api/v1/lex-sarah/{case}"
    today = runtime.app.today().isoformat()
    ok(api("lexsarah", "POST", f"{base}/proposal",
           json={"grade": "allvarligt", "reasoning": "Allvarligt."}))
    freeze(api, case)
    # Nothing changed since version 1: the same document, no new version.
    again = api("lexsarah", "POST", f"{base}/document/versions", json={})
    assert again.status_code == 409
    assert len(runtime.app.get_lex_sarah_case(case).document_versions) == 1
    ivo = {"sent_on": today, "ivo_reference": "IVO-1", "diary_number": "D-1",
           "investigation": "bifogad"}
    unknown = api("lexsarah", "POST", f"{base}/ivo-report", json={**ivo, "document_version": 7})
    assert unknown.status_code == 409
    assert "document_version" in unknown.get_json()["errors"]
    reported = ok(api("lexsarah", "POST", f"{base}/ivo-report", json=ivo))
    assert reported["ivo_report"]["document_version"] == 1


def test_bad_requests_for_the_document_store_nothing(
    api: Api, users: Any, runtime: Runtime, lex_sarah_case: Callable[..., UUID]
) -> None:
    case = lex_sarah_case()
    other = lex_sarah_case("hvb-notgarden")
    base = f"/api/v1/lex-sarah/{case}"
    head = runtime.app.recorder.max_notification_id()
    for body in ({"purpose": "x" * 100_000}, {"purpose": 3}, {"purpose": "ivo", "extra": 1},
                 {"purpose": "19900101-1239"}, {"purpose": str(other)}):
        response = api("lexsarah", "POST", f"{base}/document/versions", json=body)
        assert response.status_code == 422, body
        assert "errors" in response.get_json()
    assert api("lexsarah", "POST", f"{base}/document/versions", json={"expected_version": 0}
               ).status_code == 409
    # Who decided and the version numbers the IVO report names: refused field by field.
    today = runtime.app.today().isoformat()
    decision = {"grade": "allvarligt", "reasoning": "Ja.", "decided_on": today}
    for field, value in (("decided_by", "19900101-1239"), ("decided_by", "x" * 201),
                         ("decided_by_title", "900101 1239"), ("decided_by", 7)):
        response = api("lexsarah", "POST", f"{base}/decision", json={**decision, field: value})
        assert response.status_code == 422 and field in response.get_json()["errors"], value
    ivo = {"sent_on": today, "ivo_reference": "I-1", "diary_number": "D-1",
           "investigation": "bifogad"}
    for value in ("x", -1, 0, 10**9, str(other)):
        response = api("lexsarah", "POST", f"{base}/ivo-report",
                       json={**ivo, "document_version": value})
        assert response.status_code == 422, value
        assert "document_version" in response.get_json()["errors"]
    for query in ("", "?format=html", "?format=pdf&format=docx&x=1"):
        assert api("lexsarah", "GET", f"{base}/document{query}").status_code == 422, query
    assert api("lexsarah", "GET", f"{base}/document/versions/1?format=pdf").status_code == 404
    missing = "/api/v1/lex-sarah/00000000-0000-0000-0000-000000000000"
    assert api("lexsarah", "GET", f"{missing}/document?format=pdf").status_code == 404
    assert api("lexsarah", "POST", f"{missing}/document/versions", json={}).status_code == 404
    assert runtime.app.recorder.max_notification_id() == head
