"""Sök ärendenummer finds complaints (KS-) within the reader's scope: the number opens the
complaint page; another unit's complaint answers like an unknown number (page and API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from tracker.runtime import Runtime


def receive(runtime: Runtime, unit: str | None) -> Any:
    complaint, _ = runtime.app.receive_complaint(
        actor="avsandare", kind=ComplaintKind.VIEW, unit=unit, sender=SenderCategory.OTHER,
        channel=Channel.E_SERVICE, text="Synpunkt.", contact_wish=ContactWish.NONE)
    return complaint


def test_a_complaint_number_opens_its_page_within_scope(
    runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any],
) -> None:
    hvb = receive(runtime, "hvb-notgarden")
    ifo = receive(runtime, "utredning")
    chief = client_for("chef_hvb")
    found = chief.get(f"/sok?q={hvb.number.lower()}")
    assert found.status_code == 302 and found.location.endswith(f"/klagomal/{hvb.id}")
    unknown = chief.get(f"/sok?q={hvb.number[:-4]}9999").get_data(as_text=True)
    other = chief.get(f"/sok?q={ifo.number}").get_data(as_text=True)
    assert other.replace(ifo.number, "X") == unknown.replace(hvb.number[:-4] + "9999", "X")
    listed = client_for("utvecklare").get("/sok?q=KS-").get_data(as_text=True)
    assert hvb.number in listed and ifo.number in listed and "Klagomål eller synpunkt" in listed
    assert api("chef", "GET", f"/api/v1/search?q={hvb.number}").get_json()["exact"] is None
    exact = api("chef_hvb", "GET", f"/api/v1/search?q={hvb.number}").get_json()["exact"]
    assert (exact["kind"], exact["url"]) == ("complaint", f"/klagomal/{hvb.id}")
    nobody = api("rapportor", "GET", "/api/v1/search?q=KS-").get_json()
    assert nobody["results"] == []
