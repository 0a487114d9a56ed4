"""Events are forever: an extension recorded before the tracker asked who decided it (class
version 1) still reads, with the decider unknown, for both kinds of extension."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from eventsourcing.persistence import StoredEvent

from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import STOCKHOLM
from tracker.application import TrackerApplication

pytestmark = pytest.mark.usefixtures("runtime")


def as_version_1(application: TrackerApplication, event: ChildReport.Event) -> StoredEvent:
    """The event as a version 1 of its class stored it: no decider, no decision day."""
    mapper = application.mapper
    stored = mapper.to_stored_event(event)
    state = mapper.transcoder.decode(mapper.cipher.decrypt(stored.state) if mapper.cipher
                                     else stored.state)
    del state["decided_by"], state["decided_on"]
    state["class_version"] = 1
    encoded = mapper.transcoder.encode(state)
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       mapper.cipher.encrypt(encoded) if mapper.cipher else encoded)


def test_version_1_extensions_read_with_the_decider_unknown(
    application: TrackerApplication,
) -> None:
    today = application.today()
    report = application.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(STOCKHOLM),
        case_reference="IFO-2026-77",
    )
    report = application.extend_preliminary_deadline(
        report.id, actor="forste", reason="Synnerliga skäl.", new_deadline=today + timedelta(
            days=20), decided_by="Enhetschefen",
    )
    report = application.decide_preliminary_assessment(
        report.id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION)
    assert report.investigation_deadline is not None
    report = application.extend_investigation(
        report.id, actor="forste", reason="Särskilda skäl.",
        new_deadline=report.investigation_deadline + timedelta(days=30), decided_by="Nämnden",
    )
    events = list(application.repository.event_store.get(report.id))
    for kind in (ChildReport.DeadlineExtended, ChildReport.InvestigationExtended):
        (extension,) = [e for e in events if isinstance(e, kind)]
        assert extension.decided_by is not None
        old = application.mapper.to_domain_event(as_version_1(application, extension))
        assert isinstance(old, kind)
        assert (old.decided_by, old.decided_on) == (None, None)
        assert old.new_deadline == extension.new_deadline
        assert old.reason == extension.reason
