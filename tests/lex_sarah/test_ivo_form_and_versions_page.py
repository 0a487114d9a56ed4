"""The anmälan's content on its page and as PDF/Word: every field of IVO's form "Anmälan –
lex Sarah" that the tracker knows, the missing ones marked; and the case page's versions:
locking one, the refusals (nothing chosen, nothing changed since the latest), the list with
its downloads, and the IVO report pointing to the version that went with it."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from events.lex_sarah import FindingKind, FindingNature, Grade, IvoInvestigation
from tracker.runtime import Runtime


@pytest.fixture
def client(client_for: Callable[[str], Any]) -> Any:
    return client_for("lexsarah")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_anmalan_holds_what_the_tracker_knows_and_marks_the_rest(
    client: Any, users: Any, lex_sarah_case: Callable[..., UUID], runtime: Runtime,
    tmp_path: Path,
) -> None:
    app = runtime.app
    case_id = lex_sarah_case()
    today = app.today()
    app.record_protective_action(case_id, actor="lexsarah", description="Knivarna låstes in.",
                                 taken_on=today)
    app.assign_investigator(case_id, actor="lexsarah", investigator="Karin Berg")
    app.document_finding(case_id, actor="lexsarah", kind=FindingKind.HANDELSE,
                         text="Ett barn skar sig lätt på en kniv.", dated_on=today,
                         source="Samtal med personal", nature=FindingNature.FACT,
                         author="Eva Ek", author_title="Socialsekreterare")
    app.propose_grade(case_id, actor="lexsarah", grade=Grade.ALLVARLIGT,
                      reasoning="Barn kunde ha skadats allvarligt.")
    page = _text(client.get(f"/lex-sarah/{case_id}/anmalan").get_data(as_text=True))
    for shown in ["Anmälan – lex Sarah", "Socialnämnden", "Socialförvaltningen", "Karin Berg",
                  "Individ- och familjeomsorg", "Utredningsenheten",
                  "Ett barn skar sig lätt på en kniv.", "Knivar låg framme i köket.",
                  f"{today.isoformat()}: Knivarna låstes in.",
                  "Allvarligt missförhållande (föreslagen, ej beslutad)",
                  "Barn kunde ha skadats allvarligt.", "Organisationsnummer",
                  "Uppgift saknas i trackern – fyll i i IVO:s e-tjänst",
                  "Uppgift saknas i trackern (inga personuppgifter lagras)",
                  "Ingen version av utredningen skapad än",
                  "Registreras när anmälan har skickats"]:
        assert shown in page, shown
    # Once a version is locked, the anmälan names it (the attachment) with its SHA-256.
    assert client.post(f"/lex-sarah/{case_id}/utredning/versioner",
                       data={"purpose": "ivo"}).status_code == 302
    version = app.get_lex_sarah_case(case_id).document_versions[0]
    app.report_to_ivo(case_id, actor="lexsarah", sent_on=today, ivo_reference="IVO 3.1-77",
                      diary_number="SN 2026/5", investigation=IvoInvestigation.ATTACHED)
    page = _text(client.get(f"/lex-sarah/{case_id}/anmalan").get_data(as_text=True))
    case_number = app.get_lex_sarah_case(case_id).number
    assert (f"version 1 ({version.frozen_on.isoformat()}): "
            f"lex-sarah-utredning-{case_number}-version-1.pdf") in page
    assert "IVO 3.1-77" in page and "SN 2026/5" in page
    pdf = client.get(f"/lex-sarah/{case_id}/anmalan.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    path = tmp_path / "anmalan.pdf"
    path.write_bytes(pdf.get_data())
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(path), "-"], check=True,
                                               capture_output=True, text=True).stdout)
    for shown in ["Anmälan – lex Sarah", "IVO 3.1-77", "Ett barn skar sig lätt på en kniv.",
                  "Uppgift saknas i trackern – fyll i i IVO:s e-tjänst"]:
        assert shown in text, shown
    word = client.get(f"/lex-sarah/{case_id}/anmalan.docx")
    assert word.status_code == 200
    assert "lex-sarah-anmalan-LS-" in word.headers["Content-Disposition"]


def test_locking_versions_on_the_case_page(
    client: Any, users: Any, lex_sarah_case: Callable[..., UUID], runtime: Runtime
) -> None:
    app = runtime.app
    case_id = lex_sarah_case()
    url = f"/lex-sarah/{case_id}"
    assert "Ingen låst version än." in client.get(url).get_data(as_text=True)
    # Nothing chosen: a Swedish message, nothing stored.
    refused = client.post(f"{url}/utredning/versioner", data={}, follow_redirects=True)
    assert "Välj vad versionen är till för." in refused.get_data(as_text=True)
    assert app.get_lex_sarah_case(case_id).document_versions == []
    made = client.post(f"{url}/utredning/versioner", data={"purpose": "decision"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Version 1 av utredningen är skapad och låst." in made
    assert f"{url}/utredning/version/1.pdf" in made and "För beslut" in made
    assert "Utkastet är detsamma som version 1." in made
    # Unchanged since version 1: refused, with the reason.
    again = client.post(f"{url}/utredning/versioner", data={"purpose": "ivo"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Utredningen har inte ändrats sedan den senaste versionen" in again
    # A stale page (someone recorded a step since): refused, nothing stored.
    version = app.get_lex_sarah_case(case_id).version
    app.assign_investigator(case_id, actor="lexsarah", investigator="Karin Berg")
    stale = client.post(f"{url}/utredning/versioner",
                        data={"purpose": "ivo", "version": str(version)},
                        follow_redirects=True).get_data(as_text=True)
    assert "Ärendet har ändrats sedan sidan lästes" in stale
    assert "Utredningen har ändrats sedan version 1: skapa en ny version" in stale
    assert len(app.get_lex_sarah_case(case_id).document_versions) == 1
    first = client.get(f"{url}/utredning/version/1.pdf")
    assert first.status_code == 200
    assert client.get(f"{url}/utredning/version/2.pdf").status_code == 404
    assert client.post(f"{url}/utredning/versioner", data={"purpose": "ivo"}).status_code == 302
    assert client.get(f"{url}/utredning/version/1.pdf").get_data() == first.get_data()
