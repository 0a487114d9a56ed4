"""What the tracker e-mails, to whom, and in which words.

Each kind of notification is caused by one event (or, for the time-based kinds, by a
reminder threshold passed on a day). A mail names the case by its number only, with its
unit, what happened and how many days are left, and links to the case page: never the
description or any other free text, because e-mail is a weaker channel than the tracker
and the cases are under secrecy (OSL). Nobody is mailed about their own action.

Addresses come from the users table (`tracker user add --email`, the settings page, the
sign-in provider); a user without an address, inactive, or who turned the kind off on
"Mina inställningar" gets no mail of that kind.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from events.clocks import days_text
from events.complaint import SENDER_ACTOR
from tracker.config import Settings
from tracker.people.access import opens_child_report, opens_deviation, opens_lex_sarah
from tracker.people.accounts import Account, Accounts, Role
from tracker.storage.tables import notification_optouts, user_units, users

SUBJECT_PREFIX = "[Avvikelser]"


class Kind(enum.Enum):
    DEVIATION_FILED = "deviation_filed"
    FEEDBACK_GIVEN = "feedback_given"
    LEX_SARAH_OPENED = "lex_sarah_opened"
    IVO_DEADLINE = "ivo_deadline"
    CHILD_REPORT_ASSIGNED = "child_report_assigned"
    MEASURE_DUE = "measure_due"
    QUESTION_ASKED = "question_asked"  # to the reporter (web/casework/: the case's file)
    ANSWER_GIVEN = "answer_given"  # to whoever asked
    COMPLAINT_ANSWERED = "complaint_answered"  # to a complaint's sender, not an account
    DIGEST = "digest"  # the daily bevakning of one's units (tracker/notifications/digest.py)

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


# Shown on "Mina inställningar" and the admin's list of sent mail.
KIND_LABELS: dict[Kind, str] = {
    Kind.DEVIATION_FILED: "Ny avvikelse i en enhet jag ansvarar för",
    Kind.FEEDBACK_GIVEN: "Återkoppling på en avvikelse jag rapporterat",
    Kind.LEX_SARAH_OPENED: "Ny Lex Sarah-utredning",
    Kind.IVO_DEADLINE: "Tidsmålet för anmälan till IVO närmar sig eller har passerats",
    Kind.CHILD_REPORT_ASSIGNED: "En anmälan om barn blir min eller inte längre min",
    Kind.MEASURE_DUE: "En åtgärd jag ansvarar för ska snart vara klar eller är försenad",
    Kind.QUESTION_ASKED: "En fråga om en rapport jag gjort",
    Kind.ANSWER_GIVEN: "Rapportören har svarat på min fråga",
    Kind.COMPLAINT_ANSWERED: "Till den som lämnat en synpunkt: svaret finns att läsa",
    Kind.DIGEST: "Daglig bevakning av tidsfristerna i mina enheter",
}

# Which roles can receive which kinds (the settings page only offers these).
KINDS_FOR_ROLE: dict[Role, tuple[Kind, ...]] = {
    Role.RAPPORTOR: (Kind.FEEDBACK_GIVEN, Kind.QUESTION_ASKED, Kind.CHILD_REPORT_ASSIGNED,
                     Kind.MEASURE_DUE),
    Role.ENHETSCHEF: (
        Kind.DEVIATION_FILED, Kind.FEEDBACK_GIVEN, Kind.QUESTION_ASKED, Kind.ANSWER_GIVEN,
        Kind.CHILD_REPORT_ASSIGNED, Kind.MEASURE_DUE,
    ),
    Role.FORSTE_SOCIALSEKRETERARE: (
        Kind.FEEDBACK_GIVEN, Kind.QUESTION_ASKED, Kind.CHILD_REPORT_ASSIGNED, Kind.MEASURE_DUE,
    ),
    Role.VERKSAMHETSUTVECKLARE: (
        Kind.DEVIATION_FILED, Kind.FEEDBACK_GIVEN, Kind.QUESTION_ASKED, Kind.ANSWER_GIVEN,
        Kind.CHILD_REPORT_ASSIGNED, Kind.MEASURE_DUE,
    ),
    Role.LEX_SARAH_ANSVARIG: (
        Kind.LEX_SARAH_OPENED, Kind.IVO_DEADLINE, Kind.FEEDBACK_GIVEN, Kind.QUESTION_ASKED,
        Kind.ANSWER_GIVEN, Kind.CHILD_REPORT_ASSIGNED, Kind.MEASURE_DUE,
    ),
    Role.ADMIN: (),
}


def kinds_for(account: Account) -> tuple[Kind, ...]:
    """The kinds this person can receive (and turn off): their role's, and the daily
    digest when they belong to a unit."""
    return KINDS_FOR_ROLE.get(account.role, ()) + ((Kind.DIGEST,) if account.units else ())


# Case pages, relative to TRACKER_BASE_URL (the web layer's routes; tested against them).
DEVIATION_PATH = "/avvikelser/{id}"
LEX_SARAH_PATH = "/lex-sarah/{id}"
CHILD_REPORT_PATH = "/anmalningar/{id}"
CASE_PATHS = {"deviation": DEVIATION_PATH, "lex_sarah": LEX_SARAH_PATH,
              "child_report": CHILD_REPORT_PATH}
SETTINGS_PATH = "/installningar"
COMPLAINT_ANSWER_PATH = "/synpunkter/svar"  # the sender's page: the code, not a login
# A complaint sender's outbox address: the complaint's id, the e-mail address looked up in
# complaint_contacts at delivery (tracker.notifications.outbox), never stored in the outbox.
COMPLAINT_SENDER = "klagomal:"
START_PATH = "/"  # Att göra


@dataclass(frozen=True)
class Mail:
    """One e-mail to one person, before it is put in the outbox."""

    key: str
    kind: Kind
    username: str
    address: str
    subject: str
    body: str


# --- recipients ---------------------------------------------------------------------------


class Recipients:
    """Who gets a kind of mail: active accounts with an address that did not opt out.
    Read once per batch (a handful of queries), not once per event."""

    def __init__(self, accounts: Accounts) -> None:
        # Three queries, however many users (Accounts.all() asks once per user for units).
        with accounts.engine.connect() as connection:
            units: dict[int, set[str]] = {}
            for user_id, code in connection.execute(
                sa.select(user_units.c.user_id, user_units.c.unit_code)
            ):
                units.setdefault(user_id, set()).add(code)
            self.accounts = {
                row.username: Account(
                    id=row.id, username=row.username, role=Role(row.role),
                    units=frozenset(units.get(row.id, ())), active=row.active, email=row.email,
                )
                for row in connection.execute(sa.select(users).where(users.c.active.is_(True)))
            }
            self._optouts = {
                (row[0], row[1])
                for row in connection.execute(
                    sa.select(notification_optouts.c.user_id, notification_optouts.c.kind)
                )
            }

    def wants(self, account: Account, kind: Kind) -> bool:
        return (
            account.active
            and bool(account.email)
            and kind in kinds_for(account)
            and (account.id, kind.value) not in self._optouts
        )

    def person(self, username: str | None, kind: Kind) -> list[Account]:
        """The account named (a reporter, handler, responsible person) if it is a user."""
        account = self.accounts.get(username or "")
        return [account] if account is not None and self.wants(account, kind) else []

    def with_role(self, role: Role, kind: Kind, unit: str | None = None) -> list[Account]:
        return [
            account
            for account in self.accounts.values()
            if account.role is role
            and (unit is None or unit in account.units)
            and self.wants(account, kind)
        ]


# --- the words ----------------------------------------------------------------------------


class Composer:
    """Builds the mails' text. Only numbers, unit names, kinds, dates and links go in."""

    def __init__(self, settings: Settings, unit_names: dict[str, str]) -> None:
        self.base_url = settings.base_url.rstrip("/")
        self.unit_names = unit_names

    def unit(self, code: str) -> str:
        return self.unit_names.get(code, code)

    def link(self, path: str, case_id: UUID) -> str:
        return self.base_url + path.format(id=case_id)

    def _mails(
        self, key: str, kind: Kind, recipients: Iterable[Account], subject: str, lines: list[str],
        link: tuple[str, str], opens: Callable[[Account], bool], *, on_todo: bool = True,
    ) -> list[Mail]:
        """One mail per recipient; the case's link (label, url) only for those who can open
        its page (a handler with the rapportör role cannot open child reports), the others
        are pointed to their Att göra, where the case is listed (`on_todo`)."""
        footer = [
            "",
            "Meddelandet innehåller inga uppgifter om enskilda; läs ärendet i avvikelsetrackern.",
            f"Välj vilka e-postmeddelanden du får under Mina inställningar: "
            f"{self.base_url}{SETTINGS_PATH}",
        ]
        seen: set[str] = set()
        mails = []
        for account in recipients:
            if account.username in seen or not account.email:
                continue
            seen.add(account.username)
            if opens(account):
                ending = ["", f"{link[0]}: {link[1]}"]
            elif on_todo:
                ending = ["", f"Du hittar den under Att göra: {self.base_url}{START_PATH}"]
            else:
                ending = []
            body = "\n".join([*lines, *ending, *footer]) + "\n"
            mails.append(
                Mail(
                    f"{key}:{account.username}", kind, account.username, account.email,
                    f"{SUBJECT_PREFIX} {subject}", body,
                )
            )
        return mails

    def deviation_filed(
        self, key: str, recipients: Iterable[Account], *, deviation_id: UUID, number: str,
        unit: str, category: str, reported_on: date,
    ) -> list[Mail]:
        def opens(account: Account) -> bool:
            return opens_deviation(account, unit, None)

        return self._mails(
            key, Kind.DEVIATION_FILED, recipients,
            f"Ny avvikelse {number} i {self.unit(unit)}",
            [
                f"En ny avvikelse har rapporterats i {self.unit(unit)}.",
                "",
                f"Avvikelse: {number}",
                f"Enhet: {self.unit(unit)}",
                f"Kvalitetsområde: {category}",
                f"Rapporterad: {reported_on.isoformat()}",
            ],
            ("Öppna avvikelsen", self.link(DEVIATION_PATH, deviation_id)), opens,
        )

    def feedback_given(
        self, key: str, recipients: Iterable[Account], *, deviation_id: UUID, number: str,
        unit: str,
    ) -> list[Mail]:
        def opens(account: Account) -> bool:
            return True  # the reporter opens her own report

        return self._mails(
            key, Kind.FEEDBACK_GIVEN, recipients,
            f"Återkoppling på din avvikelse {number}",
            [
                f"Du har fått återkoppling på avvikelsen {number} som du rapporterade.",
                "",
                f"Avvikelse: {number}",
                f"Enhet: {self.unit(unit)}",
            ],
            ("Läs återkopplingen", self.link(DEVIATION_PATH, deviation_id)), opens,
        )

    def complaint_answered(self, key: str, complaint_id: UUID, *, number: str) -> Mail:
        """To the sender who gave an e-mail address: that an answer is there to read with
        the code. Never the answer, the unit or anything the sender wrote."""
        body = "\n".join([
            "Hej!",
            "",
            "Du har fått svar från socialtjänsten på det du skrev till oss.",
            "Läs svaret med koden du fick när du skickade:",
            f"{self.base_url}{COMPLAINT_ANSWER_PATH}",
            "",
            "Svaret står inte i det här mejlet, så att ingen annan kan läsa det.",
            "Du kan inte svara på det här mejlet.",
        ]) + "\n"
        return Mail(key, Kind.COMPLAINT_ANSWERED, SENDER_ACTOR,
                    f"{COMPLAINT_SENDER}{complaint_id}", f"Svar på ditt ärende {number}", body)

    def lex_sarah_opened(
        self, key: str, recipients: Iterable[Account], *, case_id: UUID, number: str,
        deviation_number: str, unit: str, target: date, days_left: int,
    ) -> list[Mail]:
        opens = opens_lex_sarah
        return self._mails(
            key, Kind.LEX_SARAH_OPENED, recipients,
            f"Ny Lex Sarah-utredning {number} i {self.unit(unit)}",
            [
                f"Avvikelsen {deviation_number} har lyfts till en Lex Sarah-utredning.",
                "",
                f"Lex Sarah-utredning: {number}",
                f"Från avvikelse: {deviation_number}",
                f"Enhet: {self.unit(unit)}",
                f"Tidsmål för anmälan till IVO om missförhållandet är allvarligt: "
                f"{target.isoformat()} ({days_text(days_left)})",
            ],
            ("Öppna utredningen", self.link(LEX_SARAH_PATH, case_id)), opens,
        )

    def ivo_deadline(
        self, key: str, recipients: Iterable[Account], *, case_id: UUID, number: str,
        unit: str, target: date, days_left: int,
    ) -> list[Mail]:
        passed = days_left < 0
        opens = opens_lex_sarah
        return self._mails(
            key, Kind.IVO_DEADLINE, recipients,
            f"Lex Sarah {number}: tidsmålet för IVO-anmälan "
            + ("har passerats" if passed else "närmar sig"),
            [
                f"Lex Sarah-utredningen {number} är inte anmäld till IVO.",
                "",
                f"Lex Sarah-utredning: {number}",
                f"Enhet: {self.unit(unit)}",
                f"Tidsmål för anmälan till IVO: {target.isoformat()} ({days_text(days_left)})",
                "Ett allvarligt missförhållande ska anmälas till IVO snarast.",
            ],
            ("Öppna utredningen", self.link(LEX_SARAH_PATH, case_id)), opens,
        )

    def child_report_assigned(
        self, key: str, recipients: Iterable[Account], *, report_id: UUID, number: str,
        unit: str, deadline: date, days_left: int, yours: bool,
    ) -> list[Mail]:
        if yours:
            subject = f"Anmälan {number} är tilldelad dig"
            first = f"Du är handläggare för anmälan {number}."
            clock = (
                f"Förhandsbedömningen ska vara klar: {deadline.isoformat()} "
                f"({days_text(days_left)})"
            )
        else:
            subject = f"Anmälan {number} är inte längre din"
            first = f"Anmälan {number} har fått en annan handläggare och är inte längre din."
            clock = f"Förhandsbedömningen ska vara klar: {deadline.isoformat()}"

        def opens(account: Account) -> bool:
            # The new handler opens it as its handler; the previous one only by role.
            return opens_child_report(account, unit, account.username if yours else None)

        return self._mails(
            key, Kind.CHILD_REPORT_ASSIGNED, recipients, subject,
            [
                first,
                "",
                f"Anmälan: {number}",
                f"Enhet: {self.unit(unit)}",
                clock,
            ],
            ("Öppna anmälan", self.link(CHILD_REPORT_PATH, report_id)), opens, on_todo=yours,
        )

    def question_asked(
        self, key: str, recipients: Iterable[Account], *, reporter_case_id: UUID, number: str,
        unit: str,
    ) -> list[Mail]:
        """To the reporter: a question waits on their report (its text stays in the tracker)."""
        return self._mails(
            key, Kind.QUESTION_ASKED, recipients,
            f"En fråga om din rapport ({number})",
            [
                f"Den som handlägger ärendet {number} har en fråga till dig om det du "
                "rapporterade.",
                "",
                f"Ärende: {number}",
                f"Enhet: {self.unit(unit)}",
                "Frågan och ditt svar finns på din rapport i avvikelsetrackern.",
            ],
            ("Läs frågan och svara", self.link(DEVIATION_PATH, reporter_case_id)),
            lambda _: True,  # the reporter opens her own report
        )

    def answer_given(
        self, key: str, recipients: Iterable[Account], *, kind: str, case_id: UUID,
        number: str, unit: str, opens: Callable[[Account], bool],
    ) -> list[Mail]:
        """To whoever asked: the reporter has answered."""
        return self._mails(
            key, Kind.ANSWER_GIVEN, recipients,
            f"Svar från rapportören i {number}",
            [
                f"Rapportören har svarat på frågan i ärendet {number}.",
                "",
                f"Ärende: {number}",
                f"Enhet: {self.unit(unit)}",
            ],
            ("Läs svaret", self.link(CASE_PATHS[kind], case_id)), opens,
        )

    def measure_due(
        self, key: str, recipients: Iterable[Account], *, deviation_id: UUID, number: str,
        measure: int, unit: str, due_on: date, days_left: int,
    ) -> list[Mail]:
        late = days_left < 0
        def opens(account: Account) -> bool:
            return opens_deviation(account, unit, None)

        return self._mails(
            key, Kind.MEASURE_DUE, recipients,
            f"Åtgärd {measure} i avvikelse {number} "
            + ("är försenad" if late else "ska snart vara klar"),
            [
                f"Du är ansvarig för åtgärd {measure} i avvikelsen {number}.",
                "",
                f"Avvikelse: {number}",
                f"Enhet: {self.unit(unit)}",
                f"Åtgärden ska vara klar: {due_on.isoformat()} ({days_text(days_left)})",
            ],
            ("Öppna avvikelsen", self.link(DEVIATION_PATH, deviation_id)), opens,
        )


# --- opt-outs ("Mina inställningar") -------------------------------------------------------


def optouts(engine: sa.Engine, user_id: int) -> set[Kind]:
    """The kinds this user turned off."""
    with engine.connect() as connection:
        codes = connection.execute(
            sa.select(notification_optouts.c.kind).where(notification_optouts.c.user_id == user_id)
        ).scalars()
        return {Kind(code) for code in codes if code in {k.value for k in Kind}}


def set_optouts(engine: sa.Engine, user_id: int, off: Iterable[Kind]) -> None:
    """Turn exactly these kinds off for the user (the others on), in one transaction."""
    with engine.begin() as connection:
        connection.execute(
            notification_optouts.delete().where(notification_optouts.c.user_id == user_id)
        )
        rows = [{"user_id": user_id, "kind": kind.value} for kind in sorted(set(off),
                                                                            key=lambda k: k.value)]
        if rows:
            connection.execute(notification_optouts.insert(), rows)
