"""Att göra: the start page after login. What this person must do next, by what they hold
(measures they are responsible for, child reports they handle, Lex Sarah cases they
investigate, feedback on their own reports) and by role (new deviations in the units they
manage, child reports and Lex Sarah cases without anyone on them, e-mail that could not be
sent). Every line links to its case; days left are banded in words and colour as on the
board."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user

from events.clocks import LexSarahClock, band, days_text, local_date
from events.lex_sarah import FindingKind
from projections import queries
from projections.queries import case_files
from projections.queries import measures as measure_queries
from projections.queries import todo as todo_view
from tracker.notifications.outbox import FAILED, mail_counts
from tracker.people.accounts import Account, Role
from tracker.people.todo import mark_seen, seen
from web import policy
from web.display import BANDS, unit_name
from web.policy import LEX_SARAH_ROLES
from web.runtime import application, fresh_views, runtime

SHOWN = 50  # lines per section; the rest are one click away

# No routes of its own (the page is home.index); the blueprint carries the read marker hook.
bp = Blueprint("todo", __name__)

FINDING_SHORT = {
    FindingKind.HANDELSE.value: "vad som hänt",
    FindingKind.TIDPUNKT.value: "när det hände",
    FindingKind.UPPTACKT.value: "hur det uppmärksammades",
    FindingKind.ORSAK.value: "orsaker",
    FindingKind.TIDIGARE.value: "tidigare liknande händelser",
    FindingKind.UPPREPNING.value: "risk att det händer igen",
    FindingKind.ATGARD.value: "åtgärder",
}
STEP_TEXT = {
    "protective_action": "Dokumentera vad som gjorts för att undanröja missförhållandet",
    "investigator": "Utse utredare",
    "findings": "Dokumentera {missing}",
    "proposal": "Föreslå bedömning",
    "decision": "Besluta om bedömningen",
    "ivo": "Anmäl till IVO",
    "ivo_completion": "Skicka utredningen till IVO (anmälan sändes med ”kompletteras”)",
    "informed": "Informera den enskilde eller företrädaren",
    "close": "Avsluta utredningen",
}
EMPTY_HINTS = {
    Role.RAPPORTOR: "Här visas återkoppling på dina rapporter, åtgärder du ansvarar för och "
    "anmälningar du handlägger.",
    Role.ENHETSCHEF: "Här visas nya avvikelser i dina enheter som behöver analys, åtgärd eller "
    "återkoppling, och åtgärder du ansvarar för.",
    Role.FORSTE_SOCIALSEKRETERARE: "Här visas anmälningar du handlägger, anmälningar utan "
    "handläggare och deras tidsfrister.",
    Role.VERKSAMHETSUTVECKLARE: "Här visas avvikelser som väntar på analys, åtgärd eller "
    "återkoppling, och åtgärder du ansvarar för.",
    Role.LEX_SARAH_ANSVARIG: "Här visas Lex Sarah-utredningar du utreder eller som saknar "
    "utredare, med nästa steg och tidsmålet för IVO.",
    Role.ADMIN: "Här visas e-postaviseringar som inte kunde skickas.",
}


# What a complaint's running clock asks for, on Att göra.
COMPLAINT_NEEDS = {"acknowledge": "kvittera mottagandet", "answer": "svara avsändaren"}


@dataclass
class Item:
    case: str
    href: str | None
    what: str
    when: str = ""
    band: str | None = None
    band_label: str = ""


@dataclass
class Section:
    id: str
    title: str
    items: list[Item] = field(default_factory=list)
    total: int | None = None
    more_href: str | None = None
    more_label: str = ""

    @property
    def count(self) -> int:
        return self.total if self.total is not None else len(self.items)


class Builder:
    def __init__(self, account: Account, today: date) -> None:
        self.account = account
        self.today = today
        self.engine = runtime().engine
        self.settings = runtime().settings
        self.warning = self.settings.warning_days
        self.bands = dict(BANDS) | {"soon": f"{self.warning} dagar eller mindre"}

    def _dated(self, item: Item, due: date) -> Item:
        """A due day that is no legal clock (a measure): days left and band by the same
        rule as the clocks'."""
        left = (due - self.today).days
        item.band = band(left, self.warning)
        item.band_label = str(self.bands[item.band])
        item.when = f"senast {due.isoformat()}, {days_text(left)}"
        return item

    def _clock(self, item: Item, row: dict[str, Any]) -> Item:
        """A legal clock as the board lists it (projections.queries.clock_row): its band
        and words, never worked out again here."""
        item.band = row["band"]
        item.band_label = str(self.bands[row["band"]])
        item.when = f"senast {row['due'].isoformat()}, {row['days_text']}"
        return item

    # --- by role -------------------------------------------------------------------------

    def waiting_deviations(self) -> Section | None:
        if self.account.role not in policy.REVIEWERS:
            return None
        units = policy.unit_scope(self.account)
        rows = todo_view.waiting_deviations(self.engine, units, limit=SHOWN)
        section = Section(
            "avvikelser", "Avvikelser som väntar på handläggning",
            total=todo_view.count_waiting_deviations(self.engine, units),
            more_href=url_for("deviations.inbox"), more_label="Alla avvikelser i inkorgen",
        )
        for row in rows:
            missing = [
                text for flag, text in (
                    ("needs_analysis", "orsaksanalys"), ("needs_measure", "åtgärd"),
                    ("needs_feedback", "återkoppling till rapportören"),
                ) if row[flag]
            ]
            age = (self.today - row["reported_on"]).days
            section.items.append(Item(
                row["number"], url_for("deviations.detail", deviation_id=row["id"]),
                f"{_unit(row['unit'])}: saknar {_join(missing)}",
                f"rapporterad {row['reported_on'].isoformat()} ({age} "
                f"{'dag' if age == 1 else 'dagar'} sedan)",
            ))
        return section

    def unassigned_child_reports(self) -> Section | None:
        if self.account.role is not Role.FORSTE_SOCIALSEKRETERARE:
            return None
        rows = [
            row for row in queries.deadline_board(
                self.engine, self.today, warning_days=self.warning
            )
            if not row["handler"]
        ]
        section = Section("utan-handlaggare", "Anmälningar utan handläggare",
                          more_href=url_for("board.index"), more_label="Hela bevakningen")
        for row in _first_clock_per_report(rows)[:SHOWN]:
            section.items.append(self._clock(Item(
                row["number"], url_for("child_reports.report", report_id=row["report_id"]),
                f"{_unit(row['unit'])}: tilldela handläggare ({row['label']})",
            ), row))
        return section

    def unassigned_lex_sarah(self) -> Section | None:
        if self.account.role is not Role.LEX_SARAH_ANSVARIG:
            return None
        rows = todo_view.open_lex_sarah_cases(self.engine, unassigned=True)
        return self._lex_sarah_section("utan-utredare", "Lex Sarah-utredningar utan utredare",
                                       rows)

    def failed_mail(self) -> Section | None:
        if self.account.role is not Role.ADMIN:
            return None
        failed = mail_counts(self.engine).get(FAILED, 0)
        section = Section("utskick", "E-post som inte kunde skickas")
        if failed:
            section.items.append(Item(
                f"{failed} {'meddelande' if failed == 1 else 'meddelanden'}",
                url_for("outbox.index", status=FAILED), "se felet och skicka igen",
            ))
        return section

    # --- by what the person holds ------------------------------------------------------------

    def my_measures(self) -> Section:
        # Each measure's own page opens for its responsible, whatever their unit
        # (policy.opens_measure), so every line links.
        rows = [
            row for row in todo_view.open_measures(
                self.engine, responsible=self.account.username)
            if policy.opens_measure(self.account, row["unit"], row["responsible"])
        ]
        section = Section("atgarder", "Åtgärder du ansvarar för",
                          more_href=url_for("measures.index", ansvarig="mina"),
                          more_label="Alla dina åtgärder")
        for row in rows[:SHOWN]:
            section.items.append(self._dated(Item(
                row["deviation_number"], _measure_href(row),
                f"Åtgärd {row['measure']} i {_unit(row['unit'])}: "
                f"{_short(row['description'])}",
            ), row["due_on"]))
        section.total = len(rows)
        return section

    def follow_ups(self) -> Section:
        """Measures whose effect is to be judged now: those the person is responsible for,
        and for a reviewer those in their units (a responsible may be a befattning)."""
        mine = measure_queries.follow_ups_due(
            self.engine, self.today, responsible=self.account.username
        )
        theirs: list[dict[str, Any]] = []
        if self.account.role in policy.REVIEWERS:
            theirs = measure_queries.follow_ups_due(
                self.engine, self.today, units=policy.unit_scope(self.account)
            )
        rows = {
            (r["deviation_id"], r["measure"]): r for r in [*mine, *theirs]
            if policy.opens_measure(self.account, r["unit"], r["responsible"])
        }
        ordered = sorted(rows.values(), key=lambda r: (r["follow_up_on"], r["deviation_number"]))
        section = Section("uppfoljningar", "Åtgärder att följa upp",
                          more_href=url_for("measures.index", forfallo="follow_up", lage="alla"),
                          more_label="Alla uppföljningar som ska göras")
        for row in ordered[:SHOWN]:
            item = self._dated(Item(
                row["deviation_number"], _measure_href(row) + "#effekt",
                f"Följ upp åtgärd {row['measure']} i {_unit(row['unit'])}: "
                f"{_short(row['description'])}",
            ), row["follow_up_on"])
            item.when = f"uppföljning {item.when}"
            section.items.append(item)
        section.total = len(ordered)
        return section

    def my_child_reports(self) -> Section:
        rows = queries.deadline_board(
            self.engine, self.today, handler=self.account.username, warning_days=self.warning
        )
        section = Section("anmalningar", "Anmälningar du handlägger")
        for row in rows[:SHOWN]:
            # Their handler opens them, whatever the role (tracker/people/access.py).
            href = url_for("child_reports.report", report_id=row["report_id"])
            section.items.append(self._clock(Item(
                row["number"], href, f"{row['label']} i {_unit(row['unit'])}",
            ), row))
        return section

    def my_lex_sarah(self) -> Section:
        rows = todo_view.open_lex_sarah_cases(self.engine, investigator=self.account.username)
        return self._lex_sarah_section("lex-sarah", "Lex Sarah-utredningar du utreder", rows)

    def _lex_sarah_section(self, id_: str, title: str, rows: list[dict[str, Any]]) -> Section:
        linkable = self.account.role in LEX_SARAH_ROLES
        section = Section(id_, title)
        if not linkable:  # Att göra lists only what its reader can open
            return section
        shown = rows[:SHOWN]
        # The running clocks as Bevakning reads them (events.clocks): the remedy while it
        # runs, else the IVO target.
        clocks = {
            row["id"]: {found.clock: found for found in readings if found.running}
            for row, readings in queries.lex_sarah_clocks(
                self.engine, self.today, ivo_target_days=self.settings.ivo_target_days,
                case_ids=[row["id"] for row in shown],
            )
        }
        for row in shown:
            step = todo_view.next_step(row)
            what = STEP_TEXT[step.code].format(
                missing=_join([FINDING_SHORT[k] for k in step.missing_findings])
            )
            item = Item(
                row["number"],
                url_for("lex_sarah.case", case_id=row["id"]),
                f"Nästa steg: {what}",
            )
            running = clocks.get(row["id"], {})
            remedy, target = running.get(LexSarahClock.AVHJALPANDE), running.get(LexSarahClock.IVO)
            if remedy is not None:
                self._clock(item, queries.clock_row(remedy, self.warning))
                item.when = f"avhjälpa genast, {item.when}"
            elif target is not None:
                self._clock(item, queries.clock_row(target, self.warning))
                item.when = f"tidsmål för IVO {item.when}"
            else:
                item.when = f"öppnad {row['opened_on'].isoformat()}"
            section.items.append(item)
        return section

    def new_feedback(self) -> Section:
        markers = seen(self.engine, self.account.username)
        section = Section("aterkoppling", "Ny återkoppling på dina rapporter",
                          more_href=url_for("deviations.mine"), more_label="Alla dina rapporter")
        for row in todo_view.reports_with_feedback(self.engine, self.account.username):
            last = row["last_feedback_at"]
            opened = markers.get(row["id"])
            if opened is not None and last is not None and last <= opened:
                continue
            section.items.append(Item(
                row["number"], url_for("deviations.detail", deviation_id=row["id"]),
                f"{_unit(row['unit'])}: {row['feedback']} "
                f"{'återkoppling' if row['feedback'] == 1 else 'återkopplingar'}",
                # Not "senast": on this page that word means a deadline.
                f"senaste återkoppling {_local_day(last).isoformat()}" if last else "",
            ))
        return section

    def questions_for_me(self) -> Section:
        """Questions about the person's own reports waiting for their answer."""
        section = Section("fragor", "Frågor som väntar på ditt svar")
        for row in case_files.questions_for(self.engine, self.account.username)[:SHOWN]:
            href = url_for("deviations.detail", deviation_id=row["reporter_case_id"])
            section.items.append(Item(
                row["number"], f"{href}#arendefil-{row['kind']}",
                "Svara på frågan om din rapport",
                f"frågan ställdes {_local_day(row['asked_at']).isoformat()}"
                if row["asked_at"] else "",
            ))
        return section

    def waiting_complaints(self) -> Section | None:
        """Klagomål still to acknowledge or answer, or with a message from the sender not
        answered yet, in the person's scope; dated by the nearest target."""
        if self.account.role not in policy.REVIEWERS:  # the inbox's and the units' chiefs
            return None
        rows = queries.complaints(
            self.engine, self.today, units=policy.complaint_scope(self.account),
            open_only=True, acknowledge_days=self.settings.complaint_acknowledge_days,
            answer_days=self.settings.complaint_answer_days, warning_days=self.warning)
        section = Section("klagomal", "Klagomål och synpunkter som väntar",
                          more_href=url_for("complaints.index"), more_label="Alla klagomål")
        waiting = []
        for row in rows:
            running = [clock for clock in row["clocks"] if clock.running]
            needs = [COMPLAINT_NEEDS[clock.kind] for clock in running]
            if row["unanswered_messages"]:
                needs.append("svara på avsändarens nya meddelande")
            if not needs:
                continue
            where = _unit(row["unit"]) if row["unit"] else "enhet ej vald"
            item = Item(row["number"], url_for("complaints.case", complaint_id=row["id"]),
                        f"{where}: {_join(needs)}")
            if running:
                self._dated(item, min(clock.due for clock in running))
            waiting.append((min((c.due for c in running), default=self.today), item))
        waiting.sort(key=lambda pair: (pair[0], pair[1].case))
        section.items = [item for _, item in waiting[:SHOWN]]
        section.total = len(waiting)
        return section

    def sections(self) -> list[Section]:
        # What is the person's own first, then their role's queues.
        ordered = [
            self.failed_mail(),
            self.my_child_reports(),
            self.my_lex_sarah(),
            self.my_measures(),
            self.follow_ups(),
            self.new_feedback(),
            self.questions_for_me(),
            self.unassigned_child_reports(),
            self.unassigned_lex_sarah(),
            self.waiting_deviations(),
            self.waiting_complaints(),
        ]
        return [s for s in ordered if s is not None and s.items]


def _local_day(moment: datetime) -> date:
    """The Stockholm date of a stored moment (SQLite gives it back without its zone: UTC)."""
    return local_date(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _first_clock_per_report(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The board lists each open clock; an unassigned report needs one line."""
    seen_reports: set[Any] = set()
    first = []
    for row in rows:
        if row["report_id"] not in seen_reports:
            seen_reports.add(row["report_id"])
            first.append(row)
    return first


def _measure_href(row: dict[str, Any]) -> str:
    return url_for("measures.measure", deviation_id=row["deviation_id"], number=row["measure"])


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _unit(code: str) -> str:
    return unit_name(code)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " och " + parts[-1]


def render_todo(account: Account) -> str:
    fresh_views()
    today = application().today()
    sections = Builder(account, today).sections()
    return render_template(
        "todo/index.html", account=account, sections=sections,
        empty_hint=EMPTY_HINTS.get(account.role, ""), today=today,
        tomorrow=today + timedelta(days=1),
    )


@bp.after_app_request
def remember_opened_report(response: Response) -> Response:
    """after_request: a reporter who opens their own deviation has seen its feedback."""
    if (
        request.endpoint == "deviations.detail"
        and response.status_code == 200
        and current_user.is_authenticated
    ):
        deviation_id = (request.view_args or {}).get("deviation_id")
        if deviation_id is not None and todo_view.reporter_of(
            runtime().engine, deviation_id
        ) == current_user.username:
            mark_seen(runtime().engine, current_user.username, deviation_id,
                      application().now())
    return response
