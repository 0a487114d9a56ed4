"""Events are forever: a decision recorded before the tracker asked who decided (Decided
version 1), an anmälan to IVO before it pointed to a version of the investigation document
(ReportedToIVO version 2) and its completion (IvoReportCompleted version 1) still read, with
what they did not record unknown, and the case rebuilds from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from events.lex_sarah import FindingKind, Grade, IvoInvestigation, LexSarahCase
from tracker.application import TrackerApplication
from tracker.runtime import Runtime


def as_version(app: TrackerApplication, event: Any, version: int, drop: list[str]) -> StoredEvent:
    mapper = app.mapper
    stored = mapper.to_stored_event(event)
    state = mapper.transcoder.decode(mapper.cipher.decrypt(stored.state) if mapper.cipher
                                     else stored.state)
    for name in drop:
        del state[name]
    state["class_version"] = version
    encoded = mapper.transcoder.encode(state)
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       mapper.cipher.encrypt(encoded) if mapper.cipher else encoded)


def test_older_decisions_and_ivo_reports_still_read(
    runtime: Runtime, users: Any, lex_sarah_case: Callable[..., UUID]
) -> None:
    app = runtime.app
    today = app.today()
    case_id = lex_sarah_case()
    app.propose_grade(case_id, actor="lexsarah", grade=Grade.ALLVARLIGT, reasoning="Allvarligt.")
    app.report_to_ivo(case_id, actor="lexsarah", sent_on=today, ivo_reference="IVO-1",
                      diary_number="D-1", investigation=IvoInvestigation.TO_FOLLOW)
    for kind in (FindingKind.HANDELSE, FindingKind.TIDPUNKT, FindingKind.UPPTACKT,
                 FindingKind.ORSAK, FindingKind.TIDIGARE, FindingKind.UPPREPNING,
                 FindingKind.ATGARD):
        app.mark_finding_not_applicable(case_id, actor="lexsarah", kind=kind, reason="Ej.",
                                        author="Eva Ek", author_title="Socialsekreterare")
    app.decide_lex_sarah(case_id, actor="lexsarah", grade=Grade.ALLVARLIGT, reasoning="Ja.",
                         decided_by="Anna Lind", decided_by_title="Socialchef")
    app.complete_ivo_report(case_id, actor="lexsarah")
    events = list(app.repository.event_store.get(case_id))
    old = {
        LexSarahCase.Decided: (1, ["decided_by", "decided_by_title"]),
        LexSarahCase.ReportedToIVO: (2, ["document_version"]),
        LexSarahCase.IvoReportCompleted: (1, ["document_version"]),
    }
    read = []
    for event in events:
        version, drop = old.get(type(event), (None, []))
        if version is None:
            read.append(event)
            continue
        upcast = app.mapper.to_domain_event(as_version(app, event, version, drop))
        assert isinstance(upcast, type(event))
        for name in drop:
            assert getattr(upcast, name) is None, name
        read.append(upcast)
    case = None
    for event in read:
        case = event.mutate(case)
    assert isinstance(case, LexSarahCase)
    # Who decided: unknown, so the account that recorded it; no versions pointed to.
    assert (case.decided_by, case.decision_actor) == (None, "lexsarah")
    assert case.ivo_document_version is None and case.ivo_completion_document_version is None
    assert case.ivo_completed_on == today
