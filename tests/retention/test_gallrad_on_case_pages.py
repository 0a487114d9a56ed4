"""Where a case's content was gallrad the case pages say "Gallrad (regel, datum)" in place of
the text that now reads empty: a deviation's description and its conversation with the
reporter, a complaint's text. A case not gallrad shows its text and no such note."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from events.retention import ContentKind
from projections.runner import catch_up
from tests.support import file_deviation
from tracker.retention.erasure import erase_case
from tracker.runtime import Runtime


def _shown(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_case_pages_say_gallrad_with_rule_and_date(
    runtime: Runtime, users: Any, client_for: Callable[[str], Any],
) -> None:
    app = runtime.app
    gone = file_deviation(runtime, description="Beskrivning som ska gallras.")
    kept = file_deviation(runtime, description="Beskrivning som finns kvar.")
    app.ask_reporter("deviation", gone.id, text="Fråga som ska gallras?", actor="utvecklare")
    complaint, _ = app.receive_complaint(
        actor="utvecklare", kind=ComplaintKind.COMPLAINT, unit="hvb-notgarden",
        sender=SenderCategory.RELATIVE, channel=Channel.LETTER, text="Klagomål som gallras.",
        contact_wish=ContactWish.NONE)
    assert erase_case(app, gone.id, {ContentKind.DEVIATION, ContentKind.CONVERSATION},
                      rule="R1 v2", actor="scheduler")
    assert erase_case(app, complaint.id, {ContentKind.COMPLAINT}, rule="R2 v1",
                      actor="scheduler")
    assert catch_up(runtime, timeout=30)
    note = f"Gallrad (R1 v2, {app.today().isoformat()})"

    developer = client_for("utvecklare")
    page = _shown(developer.get(f"/avvikelser/{gone.id}").get_data(as_text=True))
    assert "Beskrivning som ska gallras" not in page and "Fråga som ska gallras" not in page
    assert re.search(rf"Vad hände\s*{re.escape(note)}", page)
    assert page.count(note) == 2  # the description and the question
    page = _shown(developer.get(f"/avvikelser/{kept.id}").get_data(as_text=True))
    assert "Beskrivning som finns kvar." in page and "Gallrad" not in page
    page = _shown(developer.get(f"/klagomal/{complaint.id}").get_data(as_text=True))
    assert "Klagomål som gallras" not in page
    assert f"Gallrad (R2 v1, {app.today().isoformat()})" in page
