"""Fixtures for the scheduler tests: child reports placed at chosen moments, and counts
taken straight from the event store (independent of the views under test)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine

from events.child_report import ChildReport
from tracker.application import TrackerApplication

ReceiveReport = Callable[..., ChildReport]


@pytest.fixture
def receive(application: TrackerApplication) -> ReceiveReport:
    """Receive a child report at `at` (an aware moment), with the clock frozen there."""

    def _receive(at: datetime, **changes: Any) -> ChildReport:
        fields: dict[str, Any] = {
            "actor": "forste",
            "unit": "utredning",
            "received_at": at,
            "case_reference": "DNR 2026/101",
        }
        with time_machine.travel(at, tick=False):
            return application.receive_child_report(**(fields | changes))

    return _receive


def deviation_reports(app: TrackerApplication) -> list[Any]:
    """Every Deviation.Reported event in the store, read from the notification log."""
    found = []
    last = app.recorder.max_notification_id() or 0
    position = 1
    while position <= last:
        batch = app.recorder.select_notifications(start=position, limit=500)
        if not batch:
            break
        found += [n for n in batch if n.topic.endswith("Deviation.Reported")]
        position = batch[-1].id + 1
    return found


@pytest.fixture
def count_deviations(application: TrackerApplication) -> Callable[[], int]:
    return lambda: len(deviation_reports(application))
