"""TRACKER_COMPLAINT_ACKNOWLEDGE_DAYS and TRACKER_COMPLAINT_ANSWER_DAYS set the targets the
pages, Att göra and Bevakning count with (and the public page promises)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from events.calendar import add_working_days
from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from tracker.runtime import Runtime


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {"TRACKER_COMPLAINT_ACKNOWLEDGE_DAYS": "5",
                      "TRACKER_COMPLAINT_ANSWER_DAYS": "30"}


def test_the_targets_come_from_the_settings(
    runtime: Runtime, client_for: Callable[[str], Any], client: FlaskClient,
) -> None:
    complaint, _ = runtime.app.receive_complaint(
        actor="utvecklare", kind=ComplaintKind.COMPLAINT, unit="hvb-notgarden",
        sender=SenderCategory.RELATIVE, channel=Channel.LETTER, text="Brev.",
        contact_wish=ContactWish.CODE, received_on=runtime.app.today() - timedelta(days=1))
    developer = client_for("utvecklare")
    page = re.sub(r"</?time\b[^>]*>", "", developer.get(f"/klagomal/{complaint.id}").get_data(
        as_text=True))  # a date's <time> is part of its sentence
    for days in (5, 30):
        due = add_working_days(complaint.received_on, days)
        assert f"mål {due.isoformat()}" in page or f"(mål {due.day} " in page, due
    assert "inom 5 arbetsdagar" in developer.get("/klagomal/").get_data(as_text=True)
    public = client.get("/synpunkter").get_data(as_text=True)
    assert "Inom 5 arbetsdagar" in public and "Inom 30 arbetsdagar" in public
