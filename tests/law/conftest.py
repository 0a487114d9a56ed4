"""Fixtures for the law tests: child reports received at chosen moments (with the clock
frozen there), and a runtime with the Sunday rule turned on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine

from events.child_report import ChildReport
from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime

Receive = Callable[..., ChildReport]


@pytest.fixture
def sunday_runtime(environ: dict[str, str]) -> Iterator[Runtime]:
    rt = open_runtime(Settings.from_env(environ | {"TRACKER_SUNDAY_RULE": "on"}))
    yield rt
    rt.close()


@pytest.fixture
def receive_into() -> Callable[[Runtime], Receive]:
    def bind(rt: Runtime) -> Receive:
        def receive(at: datetime, **changes: Any) -> ChildReport:
            fields: dict[str, Any] = {
                "actor": "forste", "unit": "utredning", "received_at": at,
                "case_reference": "DNR 2026/101",
            }
            with time_machine.travel(at, tick=False):
                return rt.app.receive_child_report(**(fields | changes))

        return receive

    return bind


@pytest.fixture
def receive(runtime: Runtime, receive_into: Callable[[Runtime], Receive]) -> Receive:
    return receive_into(runtime)
