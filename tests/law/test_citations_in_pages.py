"""The law is cited from the data, never typed into a template: no template contains a
chapter or paragraph sign, and the Lex Sarah page and API cite the numbering (and the
wording: "genast", formerly "utan dröjsmål") in force when the case was opened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import time_machine

from tracker.runtime import Runtime

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def test_no_template_types_a_legal_reference() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20  # really the templates folder
    offending = {
        str(path.relative_to(TEMPLATES)): marker
        for path in templates
        for marker in ("kap.", "§")
        if marker in path.read_text(encoding="utf-8")
    }
    assert offending == {}


def open_case(runtime: Runtime, day: date) -> Any:
    with time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), tick=False):
        app = runtime.app
        deviation = app.file_deviation(
            actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
            occurred_on=day, description="Knivar låg framme i köket.",
        )
        return app.escalate_to_lex_sarah(deviation.id, actor="utvecklare", reason="Risk.")


def test_a_case_opened_in_june_2025_cites_chapter_14_and_one_opened_in_july_chapter_27(
    runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any], users: Any
) -> None:
    june = open_case(runtime, date(2025, 6, 20))
    july = open_case(runtime, date(2025, 7, 2))
    client = client_for("lexsarah")
    june_page = client.get(f"/lex-sarah/{june.id}").get_data(as_text=True)
    july_page = client.get(f"/lex-sarah/{july.id}").get_data(as_text=True)
    assert "SoL (2001:453) 14 kap. 6 §" in june_page and "utan dröjsmål" in june_page
    assert "SoL (2025:400) 27 kap. 5 §" not in june_page
    assert "SoL (2025:400) 27 kap. 5 §" in july_page and "genast" in july_page
    assert "utan dröjsmål" not in july_page
    assert "SoL (2025:400) 27 kap. 6 §" in july_page  # the anmälan to IVO
    assert "HSLF-FS 2025:20" in july_page
    assert "att verifiera mot" not in july_page
    body = api("lexsarah", "GET", f"/api/v1/lex-sarah/{july.id}").get_json()
    assert body["legal_reference"] == {
        "lex_sarah_rapportera": "SoL (2025:400) 27 kap. 2 §",
        "lex_sarah_utreda": "SoL (2025:400) 27 kap. 5 §",
        "lex_sarah_anmala": "SoL (2025:400) 27 kap. 6 §",
        "sosfs_2011_5": "SOSFS 2011:5 (ändrad t.o.m. HSLF-FS 2025:20)",
    }
    old = api("lexsarah", "GET", f"/api/v1/lex-sarah/{june.id}").get_json()["legal_reference"]
    assert old["lex_sarah_anmala"] == "SoL (2001:453) 14 kap. 7 §"
    assert old["sosfs_2011_5"] == "SOSFS 2011:5"


def test_a_deviation_cites_why_deviations_are_collected(
    runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any], users: Any
) -> None:
    with time_machine.travel(datetime(2025, 6, 10, 9, tzinfo=UTC), tick=False):
        old = runtime.app.file_deviation(
            actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
            occurred_on=date(2025, 6, 9), description="Ingen samordnad plan.",
        )
    new = runtime.app.file_deviation(
        actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
        occurred_on=runtime.app.today(), description="Ingen samordnad plan.",
    )
    old_body = api("utvecklare", "GET", f"/api/v1/deviations/{old.id}").get_json()
    assert old_body["legal_reference"] == {
        "kvalitet": "SoL (2001:453) 3 kap. 3 §", "sosfs_2011_9": "SOSFS 2011:9"}
    page = client_for("utvecklare").get(f"/avvikelser/{new.id}").get_data(as_text=True)
    assert "SoL (2025:400) 5 kap. 1–2 §§" in page
    assert "SOSFS 2011:9 (ändrad t.o.m. HSLF-FS 2025:21)" in page
    assert "att verifiera mot" not in page  # the jurist's note is not for the case workers


def test_the_report_to_the_committee_cites_the_law_of_its_month(
    client_for: Callable[[str], Any], users: Any
) -> None:
    import io
    import re

    from docx import Document

    client = client_for("utvecklare")
    old = re.sub(r"\s+", " ", client.get("/rapporter/namnd/2018/1").get_data(as_text=True))
    assert "SoL (2001:453) 3 kap. 3 §" in old and "SoL (2001:453) 14 kap. 7 §" in old
    assert "SOSFS 2011:9" in old and "HSLF-FS" not in old
    new = client.get("/rapporter/namnd/2026/1")
    text = re.sub(r"\s+", " ", new.get_data(as_text=True))
    assert "SoL (2025:400) 5 kap. 1–2 §§" in text and "SoL (2025:400) 27 kap. 6 §" in text
    assert "SOSFS 2011:9 (ändrad t.o.m. HSLF-FS 2025:21)" in text
    assert "att verifiera mot" not in text  # nor for the committee
    word = client.get("/rapporter/namnd/2026/1.docx")
    assert word.status_code == 200
    paragraphs = " ".join(p.text for p in Document(io.BytesIO(word.data)).paragraphs)
    assert "SoL (2025:400) 27 kap. 5 §" in paragraphs
    assert "att verifiera mot" not in paragraphs
