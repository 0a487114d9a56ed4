"""TrackerApplication against real stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from eventsourcing.application import project_aggregate
from lex_sarah_support import cover_remaining_kinds_in
from support import wait_for

from events.child_report import PreliminaryDecision
from events.clocks import STOCKHOLM, Clock
from events.deviation import Deviation, DeviationStatus, Source
from events.errors import AlreadyRecorded, UnknownCode, ValidationFailed
from events.lex_sarah import FindingKind, FindingNature, Grade, InformedParty, IvoInvestigation
from events.numbering import NumberSeries, SeriesKind
from events.taxonomy import Operation
from tracker.application import ConflictError, NotFound, TrackerApplication, breach_deviation_id
from tracker.runtime import Runtime, open_runtime

pytestmark = pytest.mark.usefixtures("runtime")


def file(application: TrackerApplication, **changes: Any) -> Deviation:
    fields: dict[str, Any] = {
        "actor": "anna",
        "unit": "hvb-notgarden",
        "category": "genomforande",
        "subcategory": None,
        "occurred_on": application.today() - timedelta(days=1),
        "description": "Knivar låg framme på köksbänken.",
    }
    return application.file_deviation(**(fields | changes))


def event_count(application: TrackerApplication) -> int:
    return application.recorder.max_notification_id() or 0


def test_the_unit_decides_the_operation_and_numbers_run_per_year(
    application: TrackerApplication,
) -> None:
    first = file(application)
    second = file(
        application,
        unit="utredning",
        category="handlaggning",
        subcategory="sekretess",
        description="Brev till fel boxadress.",
    )
    year = application.today().year
    assert (first.number, first.operation) == (f"AV-{year}-0001", Operation.HVB)
    assert (second.number, second.operation) == (f"AV-{year}-0002", Operation.IFO)
    last_year = file(
        application, reported_on=date(year - 1, 12, 30), occurred_on=date(year - 1, 12, 1)
    )
    assert last_year.number == f"AV-{year - 1}-0001"


def test_unknown_codes_and_bad_input_store_nothing(application: TrackerApplication) -> None:
    before = event_count(application)
    with pytest.raises(UnknownCode):
        file(application, unit="finns-inte")
    with pytest.raises(UnknownCode):
        file(application, category="okand")
    with pytest.raises(ValidationFailed):
        file(application, occurred_on=application.today() + timedelta(days=1))
    with pytest.raises(ValidationFailed):
        file(application, description="Gäller 121212-1212")
    assert event_count(application) == before


def test_a_deactivated_unit_is_refused(runtime: Runtime) -> None:
    runtime.organisation.set_unit_active("stodboendet", False)
    with pytest.raises(UnknownCode):
        file(runtime.app, unit="stodboendet")


def test_replaying_the_events_reproduces_each_aggregate(runtime: Runtime) -> None:
    application = runtime.app
    d = file(application, case_reference="HVB-2026-3")
    application.reclassify_deviation(
        d.id, actor="vu", category="handlaggning", subcategory="registrering"
    )
    application.assign_deviation(d.id, actor="vu", assignee="chef1")
    application.analyse_cause(d.id, actor="chef1", analysis="Rutinen var okänd för vikarier.",
                              causes=["information_saknades"])
    application.add_measure(
        d.id,
        actor="chef1",
        description="Introduktion för vikarier",
        responsible="Enhetschef",
        due_on=application.today() + timedelta(days=30),
    )
    application.complete_measure(d.id, actor="chef1", measure=1)
    application.give_feedback(d.id, actor="chef1", message="Tack, rutinen är uppdaterad.")
    case = application.escalate_to_lex_sarah(d.id, actor="vu", reason="Upprepat")
    application.document_finding(
        case.id,
        actor="ls",
        kind=FindingKind.HANDELSE,
        text="Knivar framme",
        dated_on=application.today(),
        source="Personal",
        nature=FindingNature.FACT,
        author="ls",
        author_title="Utredare",
    )
    cover_remaining_kinds_in(application, case.id)
    application.propose_grade(case.id, actor="ls", grade=Grade.RISK_ALLVARLIGT, reasoning="Risk")
    application.decide_lex_sarah(case.id, actor="ls", grade=Grade.RISK_ALLVARLIGT, reasoning="Risk")
    application.report_to_ivo(
        case.id,
        actor="ls",
        sent_on=application.today(),
        ivo_reference="IVO 2026-1",
        diary_number="SN 2026/7",
        investigation=IvoInvestigation.TO_FOLLOW,
    )
    application.complete_ivo_report(case.id, actor="ls")
    application.record_informed(
        case.id, actor="ls", who=InformedParty.INDIVIDUAL, on=application.today()
    )
    report = application.receive_child_report(
        actor="forste",
        unit="utredning",
        received_at=datetime.now(UTC) - timedelta(days=2),
        case_reference="IFO-2026-55",
    )
    application.assign_handler(report.id, actor="forste", handler="handl1")

    # A second application instance reads only the stored events.
    other = open_runtime(runtime.settings)
    try:
        for aggregate_id in (d.id, case.id, report.id):
            original = application.repository.get(aggregate_id)
            replayed = other.app.repository.get(aggregate_id)
            assert replayed.__dict__ == original.__dict__
        replayed_deviation = other.app.get_deviation(d.id)
        assert replayed_deviation.occurred_on == d.occurred_on
        assert isinstance(replayed_deviation.occurred_on, date)
        assert replayed_deviation.source is Source.STAFF
        assert other.app.get_lex_sarah_case(case.id).grade is Grade.RISK_ALLVARLIGT
    finally:
        other.close()


def test_history_is_the_audit_trail(application: TrackerApplication) -> None:
    d = file(application)
    application.give_feedback(d.id, actor="chef1", message="Tack för rapporten.")
    application.withdraw_deviation(d.id, actor="vu", reason="Dubbelregistrerad")
    history = application.history(d.id)
    assert [(h.type, h.by) for h in history] == [
        ("Reported", "anna"),
        ("FeedbackGiven", "chef1"),
        ("Withdrawn", "vu"),
    ]
    assert history[0].data["unit"] == "hvb-notgarden"
    assert history[0].data["operation"] == "HVB"
    assert history[2].data == {"reason": "Dubbelregistrerad", "previous_status": "open"}
    assert all(h.at.tzinfo is not None for h in history)
    # Withdrawn is never deleted.
    assert application.get_deviation(d.id).status is DeviationStatus.WITHDRAWN


def test_lookups_of_the_wrong_kind_are_not_found(application: TrackerApplication) -> None:
    d = file(application)
    with pytest.raises(NotFound):
        application.get_lex_sarah_case(d.id)
    with pytest.raises(NotFound):
        application.history(breach_deviation_id(d.id, Clock.FORHANDSBEDOMNING))


def test_a_stale_edit_is_a_conflict_and_changes_nothing(application: TrackerApplication) -> None:
    d = file(application)
    application.give_feedback(d.id, actor="chef1", message="Första")
    with pytest.raises(ConflictError):
        application.close_deviation(
            d.id, actor="chef2", summary="Stängd", expected_version=d.version
        )
    assert application.get_deviation(d.id).status is DeviationStatus.OPEN


def test_two_writers_of_the_same_case_never_lose_an_update(runtime: Runtime) -> None:
    d = file(runtime.app)
    other = open_runtime(runtime.settings)
    try:
        mine = runtime.app.get_deviation(d.id)
        theirs = other.app.get_deviation(d.id)
        mine.give_feedback(message="Min återkoppling", actor="chef1")
        theirs.record_no_measures_needed(reason="Deras bedömning", actor="chef2")
        runtime.app.save(mine)
        with pytest.raises(ConflictError):
            other.app._save(theirs)
    finally:
        other.close()
    stored = runtime.app.get_deviation(d.id)
    assert stored.feedback == [("chef1", "Min återkoppling")]
    assert stored.no_measures_reason is None


def test_concurrent_filings_get_unique_gap_free_numbers(runtime: Runtime) -> None:
    errors: list[BaseException] = []
    numbers: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(4):
                number = file(runtime.app).number
                with lock:
                    numbers.append(number)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = runtime.app.today().year
    assert sorted(numbers) == [f"AV-{year}-{n:04d}" for n in range(1, 21)]


def test_filings_waiting_together_are_saved_together_and_a_refused_one_leaves_no_gap(
    runtime: Runtime,
) -> None:
    """Filings that wait for the number series at one moment are numbered and saved in one
    transaction; one among them that is refused (its date after the day it was reported)
    gets its error and takes no number: the others' numbers follow on without a gap, each
    filing gets its own deviation, and a second process numbers on after them."""
    application = runtime.app
    year = application.today().year
    series = application._series_lock(NumberSeries.create_id(SeriesKind.DEVIATION, year))
    outcomes: dict[int, Any] = {}

    def filing(index: int) -> None:
        refused = index in (1, 4)
        occurred = application.today() + timedelta(days=1 if refused else -1)
        try:
            outcomes[index] = file(application, occurred_on=occurred, description=f"Nr {index}.")
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=filing, args=(n,)) for n in range(6)]
    with series:  # held, so all six queue up behind it before any is saved
        for thread in threads:
            thread.start()
        wait_for(lambda: sum(len(w) for w in application._series_waiting.values()) == 6)
    for thread in threads:
        thread.join()
    assert isinstance(outcomes.pop(1), ValidationFailed)
    assert isinstance(outcomes.pop(4), ValidationFailed)
    filed = {index: deviation for index, deviation in outcomes.items()}
    assert sorted(d.number for d in filed.values()) == [f"AV-{year}-{n:04d}" for n in range(1, 5)]
    for index, deviation in filed.items():
        assert application.get_deviation(deviation.id).description == f"Nr {index}."
    other = open_runtime(runtime.settings)
    try:
        assert file(other.app).number == f"AV-{year}-0005"
    finally:
        other.close()


def test_two_escalations_of_one_deviation_queued_together_open_one_case(
    runtime: Runtime,
) -> None:
    """Two escalations of the same deviation wait for the Lex Sarah series together with
    a third of another deviation: saved together they would clash on the deviation, so each
    is saved on its own; one opens the case, the other is told it is already recorded, and
    the numbers have no gap."""
    application = runtime.app
    year = application.today().year
    first, other = file(application), file(application)
    series = application._series_lock(NumberSeries.create_id(SeriesKind.LEX_SARAH, year))
    outcomes: dict[int, Any] = {}

    def escalate(index: int, deviation_id: Any) -> None:
        try:
            outcomes[index] = application.escalate_to_lex_sarah(
                deviation_id, actor="chef1", reason=f"Allvarligt {index}."
            )
        except BaseException as error:
            outcomes[index] = error

    targets = [first.id, first.id, other.id]
    threads = [threading.Thread(target=escalate, args=(n, d)) for n, d in enumerate(targets)]
    with series:
        for thread in threads:
            thread.start()
        wait_for(lambda: sum(len(w) for w in application._series_waiting.values()) == 3)
    for thread in threads:
        thread.join()
    refused = [index for index in (0, 1) if isinstance(outcomes[index], AlreadyRecorded)]
    assert len(refused) == 1
    opened = [outcomes[index] for index in (0, 1, 2) if index not in refused]
    assert sorted(case.number for case in opened) == [f"LS-{year}-0001", f"LS-{year}-0002"]
    assert application.get_deviation(first.id).lex_sarah_case_id in {c.id for c in opened}


def test_the_number_series_snapshot_is_its_replayed_state(runtime: Runtime) -> None:
    # Every 100th number the series is snapshotted from the copy just saved; a second
    # process starting from that snapshot must number on as the first would have.
    application = runtime.app
    for _ in range(101):
        file(application)
    year = application.today().year
    series_id = NumberSeries.create_id(SeriesKind.DEVIATION, year)
    assert application.snapshots is not None
    (snapshot,) = application.snapshots.get(series_id)
    assert snapshot.originator_version == 100
    from_snapshot = snapshot.mutate(None)
    replayed = application.repository.get(series_id, version=100, projector_func=project_aggregate)
    assert vars(from_snapshot) == vars(replayed)

    other = open_runtime(runtime.settings)
    try:
        assert file(other.app).number == f"AV-{year}-0102"
    finally:
        other.close()
    assert file(application).number == f"AV-{year}-0103"


def test_a_batch_that_carries_the_series_past_its_interval_snapshots_it_as_saved(
    runtime: Runtime,
) -> None:
    # Filings waiting together are numbered and saved in one save (up to 32): the series
    # then passes its 100th number inside a save, and is snapshotted as saved, once.
    application = runtime.app
    for _ in range(97):
        file(application)
    year = application.today().year
    series = application._series(SeriesKind.DEVIATION, year)
    numbers = [series.issue() for _ in range(5)]  # 98..102: the 100th is inside
    application.save(series)
    assert numbers[-1] == f"AV-{year}-0102"
    assert application.snapshots is not None
    series_id = NumberSeries.create_id(SeriesKind.DEVIATION, year)
    (snapshot,) = application.snapshots.get(series_id)
    assert snapshot.originator_version == series.version
    replayed = application.repository.get(series_id, version=series.version,
                                          projector_func=project_aggregate)
    assert vars(snapshot.mutate(None)) == vars(replayed)
    other = open_runtime(runtime.settings)
    try:
        assert file(other.app).number == f"AV-{year}-0103"
    finally:
        other.close()


def received_15_days_ago(application: TrackerApplication, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "actor": "forste",
        "unit": "hvb-notgarden",
        "received_at": datetime.now(STOCKHOLM) - timedelta(days=15),
        "case_reference": "HVB-2026-12",
    }
    return application.receive_child_report(**(fields | changes))


def test_flagging_a_breach_files_its_deviation_once(application: TrackerApplication) -> None:
    report = received_15_days_ago(application)
    deviation_id = application.flag_preliminary_breach(report.id)
    assert deviation_id is not None
    assert application.flag_preliminary_breach(report.id) is None
    deviation = application.get_deviation(deviation_id)
    flagged = application.get_child_report(report.id)
    assert flagged.breach_deviation_id == deviation_id
    assert (deviation.source, deviation.unit, deviation.operation) == (
        Source.SCHEDULER,
        "hvb-notgarden",
        Operation.HVB,
    )
    assert (deviation.category, deviation.subcategory) == ("handlaggning", "forhandsbedomning")
    assert deviation.occurred_on == flagged.deadline + timedelta(days=1)
    assert deviation.reported_on == application.today()
    assert flagged.number in deviation.description
    assert "HVB-2026-12" in deviation.description


def test_the_breach_and_its_deviation_are_one_atomic_save(runtime: Runtime) -> None:
    application = runtime.app
    report = received_15_days_ago(application)
    # Occupy the deviation's fixed id so that saving the deviation must fail.
    blocker = Deviation.report(
        id=breach_deviation_id(report.id, Clock.FORHANDSBEDOMNING),
        number="AV-0000-0000",
        unit="utredning",
        operation=Operation.IFO,
        category="samverkan",
        subcategory=None,
        occurred_on=application.today(),
        reported_on=application.today(),
        description="Blockerar",
        immediate_actions=None,
        case_reference=None,
        reporter="test",
        source=Source.IMPORT,
        taxonomy=runtime.organisation.taxonomy(),
        today=application.today(),
    )
    application.save(blocker)
    before = event_count(application)
    with pytest.raises(ConflictError):
        application.flag_preliminary_breach(report.id)
    assert event_count(application) == before
    assert application.get_child_report(report.id).breach_flagged_on is None


def test_a_decided_report_is_not_flagged_unless_decided_late(
    application: TrackerApplication,
) -> None:
    in_time = received_15_days_ago(application)
    application.decide_preliminary_assessment(
        in_time.id,
        actor="forste",
        decision=PreliminaryDecision.NO_INVESTIGATION,
        decided_on=in_time.deadline,
    )
    assert application.flag_preliminary_breach(in_time.id) is None
    late = received_15_days_ago(application, case_reference="HVB-2026-13")
    application.decide_preliminary_assessment(
        late.id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION
    )
    assert application.flag_preliminary_breach(late.id) is not None


def test_an_investigation_breach_files_an_utredningstid_deviation(
    application: TrackerApplication,
) -> None:
    report = received_15_days_ago(application)
    application.decide_preliminary_assessment(
        report.id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION
    )  # the decision opens the investigation
    with time_machine.travel(datetime.now(UTC) + timedelta(days=110), tick=False):
        assert application.flag_investigation_breach(report.id) is None
    # Four months and a few days after the decision.
    with time_machine.travel(datetime.now(UTC) + timedelta(days=125), tick=False):
        deviation_id = application.flag_investigation_breach(report.id)
        assert deviation_id is not None
        assert application.get_deviation(deviation_id).subcategory == "utredningstid"
        assert application.flag_investigation_breach(report.id) is None


def test_escalation_opens_the_case_and_marks_the_deviation_together(
    application: TrackerApplication,
) -> None:
    d = file(application)
    case = application.escalate_to_lex_sarah(d.id, actor="vu", reason="Allvarlig händelse")
    assert application.get_deviation(d.id).lex_sarah_case_id == case.id
    assert case.deviation_id == d.id
    assert case.number == f"LS-{application.today().year}-0001"
    with pytest.raises(ValidationFailed):
        application.escalate_to_lex_sarah(
            file(application).id, actor="vu", reason="r",
            opened_on=application.today() + timedelta(days=1),
        )
