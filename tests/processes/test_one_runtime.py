"""`tracker serve` builds one Runtime - one engine pool, one application - and hands that
same Runtime to the web app, the embedded projections and the scheduler."""

from __future__ import annotations

import signal
from typing import Any

import pytest
import sqlalchemy as sa
import waitress
from support import wait_for

from projections.runner import BatchRunner, EmbeddedProjections
from tracker.application import TrackerApplication
from tracker.cli.serve import serve
from tracker.config import Settings
from tracker.scheduler import SchedulerService


def record_calls(monkeypatch: pytest.MonkeyPatch, cls: type, into: list[Any]) -> None:
    """Append every (instance, first argument) constructed of `cls` to `into`."""
    original = cls.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        into.append((self, args[0] if args else None))
        original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "__init__", init)


def test_serve_with_embedded_workers_holds_one_engine_pool_and_one_application(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engines: list[sa.Engine] = []
    create_engine = sa.create_engine

    def counting_create_engine(*args: Any, **kwargs: Any) -> sa.Engine:
        engines.append(create_engine(*args, **kwargs))
        return engines[-1]

    monkeypatch.setattr(sa, "create_engine", counting_create_engine)
    applications: list[Any] = []
    projections: list[Any] = []
    schedulers: list[Any] = []
    record_calls(monkeypatch, TrackerApplication, applications)
    record_calls(monkeypatch, EmbeddedProjections, projections)
    record_calls(monkeypatch, SchedulerService, schedulers)
    seen: dict[str, Any] = {}

    def serving(app: Any, **_: Any) -> None:
        """Stands in for waitress while the workers run: look at what the process holds."""
        runtime = app.extensions["tracker"]
        deviation = runtime.app.file_deviation(
            actor="rapportor", unit="utredning", category="handlaggning",
            subcategory="sekretess", occurred_on=runtime.app.today(),
            description="Ett brev skickades till fel adress.",
        )
        head = runtime.app.recorder.max_notification_id()
        # The embedded projection worker brings the views to the head by itself...
        wait_for(lambda: min(BatchRunner(runtime).positions().values()) >= head)
        # ...and the embedded scheduler has scanned (it leads: nobody else runs).
        wait_for(lambda: schedulers and schedulers[0][0].scans >= 1)
        assert runtime.app.get_deviation(deviation.id).number == deviation.number
        seen["runtime"] = runtime

    monkeypatch.setattr(waitress, "serve", serving)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        serve(settings, echo=lambda _: None)
    finally:
        signal.signal(signal.SIGTERM, previous)

    runtime = seen["runtime"]
    assert len(engines) == 1 and engines[0] is runtime.engine
    assert len(applications) == 1 and applications[0][0] is runtime.app
    assert [store for _, store in projections] == [runtime]
    assert [given for _, given in schedulers] == [runtime]
