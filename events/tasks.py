"""Task lists (the GOV.UK "task list" pattern): each case's steps in order with the state
of each, derived from the aggregate alone, so the case page, the inbox and the API agree.
The first step not yet done is the one the page opens."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from events.child_report import ChildReport, PreliminaryDecision
from events.deviation import Deviation, DeviationStatus
from events.lex_sarah import LexSarahCase


class TaskState(enum.Enum):
    NOT_STARTED = "not_started"  # Ej påbörjad
    IN_PROGRESS = "in_progress"  # Pågår
    DONE = "done"  # Klar
    NOT_REQUIRED = "not_required"  # Krävs inte

    @property
    def settled(self) -> bool:
        return self in (TaskState.DONE, TaskState.NOT_REQUIRED)


@dataclass(frozen=True)
class Task:
    key: str
    state: TaskState


def next_task(tasks: list[Task]) -> str | None:
    """The first step neither done nor excused; None when every step is settled."""
    for task in tasks:
        if not task.state.settled:
            return task.key
    return None


# --- deviation --------------------------------------------------------------------------


def deviation_tasks(deviation: Deviation) -> list[Task]:
    """klassificera, orsaksanalys, åtgärder, återkoppling, avsluta."""
    measures = TaskState.NOT_STARTED
    if deviation.measures:
        done = all(m.settled for m in deviation.measures)
        measures = TaskState.DONE if done else TaskState.IN_PROGRESS
    elif deviation.no_measures_reason is not None:
        measures = TaskState.NOT_REQUIRED
    if deviation.feedback:
        feedback = TaskState.DONE
    elif not deviation.feedback_required or deviation.no_feedback_reason is not None:
        feedback = TaskState.NOT_REQUIRED
    else:
        feedback = TaskState.NOT_STARTED
    closed = deviation.status is DeviationStatus.CLOSED
    return [
        Task("klassificera", TaskState.DONE),  # classified when filed; reclassified later
        Task(
            "orsaksanalys",
            TaskState.DONE if deviation.cause_analysis is not None else TaskState.NOT_STARTED,
        ),
        Task("atgarder", measures),
        Task("aterkoppling", feedback),
        Task("avsluta", TaskState.DONE if closed else TaskState.NOT_STARTED),
    ]


def deviation_next_task(deviation: Deviation) -> str | None:
    """Open: the first unsettled step, where measures under way do not hold up closing.
    Closed: its open measures, which are still to be completed."""
    tasks = deviation_tasks(deviation)
    if deviation.status is DeviationStatus.WITHDRAWN:
        return None
    if deviation.status is DeviationStatus.CLOSED:
        return "atgarder" if tasks[2].state is TaskState.IN_PROGRESS else None
    for task in tasks:
        if task.key == "atgarder" and task.state is TaskState.IN_PROGRESS:
            continue
        if not task.state.settled:
            return task.key
    return None


# --- Lex Sarah --------------------------------------------------------------------------

def lex_sarah_tasks(case: LexSarahCase) -> list[Task]:
    """atgard, utredare, uppgift, forslag, beslut, ivo, informerad, avsluta."""

    def done_if(condition: object) -> TaskState:
        return TaskState.DONE if condition else TaskState.NOT_STARTED

    # What SOSFS 2011:5 ch. 5 asks the investigation to document, each item documented
    # or marked "ej tillämpligt" (the aggregate's own rule).
    decided = case.grade is not None
    started = bool(case.findings) or bool(case.not_applicable)
    if decided or (started and not case.uncovered_kinds()):
        findings = TaskState.DONE
    else:
        findings = TaskState.IN_PROGRESS if started else TaskState.NOT_STARTED
    if case.proposed_grade is not None:
        proposal = TaskState.DONE
    else:
        proposal = TaskState.NOT_REQUIRED if decided else TaskState.NOT_STARTED
    if case.ivo_completion_pending:  # sent with "kompletteras": the investigation follows
        ivo = TaskState.IN_PROGRESS
    elif case.ivo_sent_on is not None:
        ivo = TaskState.DONE
    elif case.grade is not None and not case.grade.is_serious:
        ivo = TaskState.NOT_REQUIRED
    else:
        ivo = TaskState.NOT_STARTED
    return [
        Task("atgard", done_if(case.protective_actions)),
        Task("utredare", done_if(case.investigator)),
        Task("uppgift", findings),
        Task("forslag", proposal),
        Task("beslut", done_if(decided)),
        Task("ivo", ivo),
        Task("informerad", done_if(case.informed)),
        Task("avsluta", done_if(case.closed_on is not None)),
    ]


IVO_COMPLETION = "ivo-komplettering"


def lex_sarah_next_step(case: LexSarahCase) -> str | None:
    """The first unsettled step; while the report to IVO waits for its completion (sent
    with the investigation "kompletteras"), the completion itself."""
    step = next_task(lex_sarah_tasks(case))
    return IVO_COMPLETION if step == "ivo" and case.ivo_completion_pending else step


# --- child report -----------------------------------------------------------------------


def child_report_tasks(report: ChildReport) -> list[Task]:
    """skyddsbedomning, handlaggare, forhandsbedomning, utredning."""
    if report.is_exempt:
        preliminary = TaskState.NOT_REQUIRED
    else:
        preliminary = TaskState.DONE if report.decided_on is not None else TaskState.NOT_STARTED
    if report.investigation_completed_on is not None:
        investigation = TaskState.DONE
    elif report.investigation_opened_on is not None:
        investigation = TaskState.IN_PROGRESS
    elif report.is_exempt or report.decision is PreliminaryDecision.NO_INVESTIGATION:
        investigation = TaskState.NOT_REQUIRED
    else:
        investigation = TaskState.NOT_STARTED
    return [
        Task(
            "skyddsbedomning",
            TaskState.DONE if report.protection_assessed_at is not None
            else TaskState.NOT_STARTED,
        ),
        Task("handlaggare", TaskState.DONE if report.handler else TaskState.NOT_STARTED),
        Task("forhandsbedomning", preliminary),
        Task("utredning", investigation),
    ]


class Urgency(enum.IntEnum):
    """Why a Lex Sarah case needs attention first; lower is more urgent."""

    REPORT_TO_IVO = 0  # a serious decision not yet reported: IVO is told "snarast"
    REMEDY = 1  # no measure yet to remedy the wrong: the law says "genast"
    UNDER_WAY = 2
    CLOSED = 3


def lex_sarah_urgency(case: LexSarahCase, today: date) -> tuple[Urgency, int]:
    """(urgency, days open): sort ascending by urgency, then by days open, longest first
    (negate the days). Days open count to the closing day once closed."""
    days_open = ((case.closed_on or today) - case.opened_on).days
    if case.closed_on is not None:
        urgency = Urgency.CLOSED
    elif case.grade is not None and case.grade.is_serious and case.ivo_sent_on is None:
        urgency = Urgency.REPORT_TO_IVO
    elif not case.protective_actions:
        urgency = Urgency.REMEDY
    else:
        urgency = Urgency.UNDER_WAY
    return urgency, days_open
