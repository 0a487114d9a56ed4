"""What the pages and the API share about a case's file: the kinds of case that have one, who
may do what with it (role sets in web/policy.py), the thread and the attachments as the
person may see them, and the attachment store.

A new kind of case (complaints) plugs in with one `CaseKind` in KINDS (its pages' and API's
prefixes, its page endpoint, how to load it and who reads it), its facts in
tracker/application/casework.py CASE_FACTS, its name in events/casework.py CASE_KINDS, and
one line in its case page's template: `{% include "casework/_panels.html" %}` with `case_kind`
and `case_id` set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from flask import g

from events.casework import Attachment, CaseFile
from tracker.application import NotFound, TrackerApplication
from tracker.application.casework import CaseFacts
from tracker.casework.attachments import Attachments
from tracker.casework.files import TYPE_NAMES
from tracker.people.access import own_reporter
from tracker.people.accounts import Account
from web import policy
from web.forms import Form
from web.runtime import application, runtime


@dataclass(frozen=True)
class CaseKind:
    kind: str  # events/casework.py CASE_KINDS
    # (page_arg is also the id's name in the API's paths, as the kind's other operations name it)
    page_prefix: str  # the case pages' prefix: /avvikelser
    api_prefix: str  # under /api/v1: /deviations
    page_endpoint: str  # the case page: deviations.detail
    page_arg: str  # its id argument: deviation_id
    load: Callable[[TrackerApplication, UUID], Any]
    # Reads the whole file (every message, every attachment); the reporter reads less.
    reads: Callable[[Account, Any], bool]
    conversation: bool  # has a reporter in the tracker to ask


def _deviation_reads(account: Account, deviation: Any) -> bool:
    return policy.sees_handling(account, deviation)


def _lex_sarah_reads(account: Account, _: Any) -> bool:
    return policy.opens_lex_sarah(account)


def _complaint_reads(account: Account, complaint: Any) -> bool:
    return account.role in policy.COMPLAINT_ROLES and policy.opens_complaint(
        account, complaint.unit)


def _child_report_reads(account: Account, report: Any) -> bool:
    return policy.opens_child_report(account, report.unit, report.handler)


KINDS: dict[str, CaseKind] = {
    kind.kind: kind
    for kind in (
        CaseKind("deviation", "/avvikelser", "/deviations", "deviations.detail",
                 "deviation_id", TrackerApplication.get_deviation, _deviation_reads, True),
        CaseKind("lex_sarah", "/lex-sarah", "/lex-sarah", "lex_sarah.case", "case_id",
                 TrackerApplication.get_lex_sarah_case, _lex_sarah_reads, True),
        CaseKind("child_report", "/anmalningar", "/child-reports", "child_reports.report",
                 "report_id", TrackerApplication.get_child_report, _child_report_reads, False),
        CaseKind("complaint", "/klagomal", "/complaints", "complaints.case", "complaint_id",
                 TrackerApplication.get_complaint, _complaint_reads, False),
    )
}


def attachments() -> Attachments:
    rt = runtime()
    return Attachments(rt.engine, rt.app, limit=rt.settings.attachment_max_bytes)


@dataclass
class Access:
    """One person's reach into one case's file."""

    kind: CaseKind
    case_id: UUID
    facts: CaseFacts
    account: Account
    reads: bool  # the whole file
    handles: bool  # asks, records the outcome, adds and removes any attachment
    reporter: bool  # the person asked: reads the thread, answers, their own attachments

    @property
    def opens(self) -> bool:
        return self.reads or self.reporter

    @property
    def may_write_outcome(self) -> bool:
        return self.handles and self.kind.conversation and self.facts.reporter is not None

    @property
    def may_ask(self) -> bool:
        return self.may_write_outcome and self.facts.open

    @property
    def may_answer(self) -> bool:
        return self.reporter

    @property
    def may_attach(self) -> bool:
        # The reporter attaches to their own report (a Lex Sarah case's file is the
        # investigators').
        return self.handles or (self.reporter and self.kind.kind == "deviation")

    def may_download(self, attachment: Attachment) -> bool:
        return self.reads or (self.reporter and attachment.added_by == self.account.username)

    def may_remove(self, attachment: Attachment) -> bool:
        return self.handles or (self.reporter and attachment.added_by == self.account.username)


def access(kind_name: str, case_id: UUID, account: Account) -> Access:
    """NotFound for an unknown kind or case."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise NotFound(case_id)
    app = application()
    case = kind.load(app, case_id)
    facts = app.case_facts(kind_name, case_id)
    reads = kind.reads(account, case)
    # Reading holds the unit rule of each kind (an enhetschef: own units only), except that a
    # child report's handler reads it whatever their role and unit: for them, both again.
    handles = (
        reads and account.role in policy.HANDLES_CASE_FILE[kind_name]
        and (kind_name != "child_report" or policy.reaches_unit(account, facts.unit))
    )
    reporter = (
        kind.conversation and facts.reporter is not None
        and facts.reporter == own_reporter(account)
    )
    return Access(kind, case_id, facts, account, reads, handles, reporter)


# --- the panel on a case page -----------------------------------------------------------


@dataclass(frozen=True)
class Message:
    kind: str  # question | answer
    by: str | None
    at: datetime
    text: str


@dataclass
class Panel:
    access: Access
    case_file: CaseFile | None
    messages: list[Message]
    outcome: str | None  # shown: to those who read the file, and to the reporter once closed
    attachments: list[tuple[Attachment, bool, bool]]  # (attachment, may download, may remove)
    removed: list[Attachment]  # shown to those who read the whole file
    errors: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    limit_mb: int = 0

    labels: ClassVar[dict[str, str]] = {
        "casework_question": "Fråga till rapportören", "casework_answer": "Ditt svar",
        "casework_outcome": "Utfall till rapportören", "casework_file": "Bilaga",
    }
    type_names: ClassVar[dict[str, str]] = TYPE_NAMES

    @property
    def form(self) -> Form:
        return Form(values=dict(self.values), errors=dict(self.errors))

    @staticmethod
    def size_text(size: int) -> str:
        if size >= 1024 * 1024:
            return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
        return f"{max(1, round(size / 1024))} kB"

    @property
    def awaiting(self) -> bool:
        return self.case_file is not None and self.case_file.awaiting_reply

    @property
    def id(self) -> str:
        return f"arendefil-{self.access.kind.kind}"


def panel(kind_name: str, case_id: UUID, account: Account) -> Panel | None:
    """The file as this person sees it; None when they see nothing of it."""
    try:
        found = access(kind_name, case_id, account)
    except NotFound:
        return None
    if not found.opens:
        return None
    app = application()
    case_file = app.case_file(kind_name, case_id)
    messages = []
    latest_outcome: str | None = None
    if case_file is not None:
        for entry in app.case_file_history(kind_name, case_id):
            if entry.type == "QuestionAsked":
                messages.append(Message("question", entry.by, entry.at, entry.data["text"]))
            elif entry.type == "Answered":
                messages.append(Message("answer", entry.by, entry.at, entry.data["text"]))
            elif entry.type == "OutcomeRecorded":
                latest_outcome = entry.data["text"]
    shows_outcome = found.reads or (found.reporter and not found.facts.open)
    listed = case_file.attachments.values() if case_file is not None else []
    shown = [
        (a, found.may_download(a), found.may_remove(a))
        for a in listed if not a.removed and found.may_download(a)
    ]
    removed = [a for a in listed if a.removed] if found.reads else []
    state = g.get("case_file_form")
    errors, values = {}, {}
    if state is not None and state["kind"] == kind_name and state["case_id"] == case_id:
        errors, values = state["errors"], state["values"]
    return Panel(
        found, case_file, messages, latest_outcome if shows_outcome else None, shown, removed,
        errors, values, runtime().settings.attachment_max_mb,
    )


def panels(kind_name: str, case_id: UUID, account: Account) -> list[Panel]:
    """The panels of a case page: its own file, and on a deviation's page, for the person who
    reported it, the questions the Lex Sarah investigation asked them."""
    found = [p for p in [panel(kind_name, case_id, account)] if p is not None]
    if kind_name == "deviation":
        deviation = application().get_deviation(case_id)
        if deviation.lex_sarah_case_id is not None:
            extra = panel("lex_sarah", deviation.lex_sarah_case_id, account)
            if extra is not None and extra.access.reporter and not extra.access.reads and (
                extra.messages or extra.outcome
            ):
                found.append(extra)
    return found


def remember_form(
    kind_name: str, case_id: UUID, errors: dict[str, list[str]], values: dict[str, str]
) -> None:
    """A refused form, for the case page shown again around it."""
    g.case_file_form = {"kind": kind_name, "case_id": case_id, "errors": errors,
                        "values": values}
