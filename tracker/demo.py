"""Demo data: one user per role and a realistic year of deviations, Lex Sarah cases and
child reports, all made through TrackerApplication commands (so every event is a real one
and every projection has something to show). Dates in the past come from the commands'
own date arguments (reported_on, decided_on, ...), never from a patched clock."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from PIL import Image

from events.child_report import PreliminaryDecision, ReporterCategory
from events.complaint import (
    SENDER_ACTOR,
    Channel,
    ComplaintKind,
    ContactWish,
    Outcome,
    SenderCategory,
)
from events.deviation import Effect
from events.errors import DomainError
from events.lex_sarah import FindingKind, FindingNature, Grade, InformedParty, IvoInvestigation
from tracker.application import TrackerApplication
from tracker.casework.attachments import Attachments
from tracker.people.accounts import Role
from tracker.runtime import Runtime

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Fixed, printed passwords: demo installations are for trying the tracker, never real data.
# The passwords follow the policy (tracker.people.accounts.check_password): none has the username.
DEMO_USERS: tuple[tuple[str, Role, frozenset[str], str], ...] = (
    ("medarbetare", Role.RAPPORTOR, frozenset({"utredning"}), "demo-rapportera"),
    ("enhetschef", Role.ENHETSCHEF, frozenset({"utredning", "hvb-notgarden"}), "demo-chef-enhet"),
    ("forste", Role.FORSTE_SOCIALSEKRETERARE, frozenset({"utredning"}), "demo-socsek-1"),
    ("utvecklare", Role.VERKSAMHETSUTVECKLARE, frozenset(), "demo-kvalitet"),
    ("lexsarah", Role.LEX_SARAH_ANSVARIG, frozenset(), "demo-lex-sarah"),
    ("admin", Role.ADMIN, frozenset(), "demo-behorigheter"),
)
STAFF = ("medarbetare", "personal.a12", "personal.b07", "personal.c31", "personal.d18")


@dataclass(frozen=True)
class Template:
    units: tuple[str, ...]
    category: str
    subcategory: str | None
    description: str
    immediate: str | None = None


# The DOMAIN.md examples first, then everyday ones. No names, no personnummer.
TEMPLATES: tuple[Template, ...] = (
    Template(("utredning", "familjehem-familjeratt"), "handlaggning", "registrering",
             "En journalhandling som tillhör en annan person hittades i en klients akt.",
             "Handlingen flyttades till rätt akt och registrator informerades."),
    Template(("utredning", "stod-forsorjning"), "handlaggning", "registrering",
             "En utredning var klar men registrerades aldrig som avslutad i verksamhetssystemet."),
    Template(("utredning", "stod-forsorjning", "oppenvard"), "handlaggning", "sekretess",
             "Ett brev med begäran om handlingar fick fel boxadress och kom till ekonomienheten "
             "i stället för polisen.",
             "Ekonomienheten återsände brevet oöppnat; nytt brev skickades."),
    Template(("hvb-notgarden",), "genomforande", None,
             "Knivar låg framme på köksbänken. Enligt rutinen ska knivar vara inlåsta, med en "
             "inventarielista över knivar och saxar i knivlådan.",
             "Knivarna låstes in och inventarielistan kontrollerades."),
    Template(("hvb-notgarden", "stodboendet"), "handlaggning", "annat",
             "Ungdomars folkbokföringsadresser uppdaterades inte när de flyttade, så deras post "
             "kom inte fram."),
    Template(("hvb-notgarden", "stodboendet"), "genomforande", None,
             "Journalen visar att ungdomen inte kontaktats varje vecka som rutinen kräver."),
    Template(("utredning",), "handlaggning", "forhandsbedomning",
             "Förhandsbedömningen blev inte klar inom 14 dagar: handläggaren var sjukskriven och "
             "anmälan blev liggande orörd."),
    Template(("utredning",), "handlaggning", "forhandsbedomning",
             "Vid ett LOB-omhändertagande uppmärksammades inte att personen hade barn, så tiden "
             "för förhandsbedömningen löpte innan någon kände till anmälan."),
    Template(("utredning",), "handlaggning", "forhandsbedomning",
             "Vårdnadshavaren kom inte till bokade möten och förhandsbedömningen drog över "
             "14 dagar."),
    Template(("utredning",), "handlaggning", "forhandsbedomning",
             "Anmälan skickades med e-post till en handläggare som gick på semester och sedan blev "
             "sjuk; enhetschefen kunde inte se att den kommit in."),
    Template(("utredning", "familjehem-familjeratt"), "handlaggning", "utredningstid",
             "Barnutredningen överskred fyra månader utan beslut om förlängning."),
    Template(("stod-forsorjning", "nyanlanda"), "handlaggning", "ekonomi",
             "Utbetalningen av ekonomiskt bistånd blev en vecka försenad på grund av en felaktig "
             "kontouppgift.",
             "Akututbetalning gjordes samma dag."),
    Template(("oppenvard", "nyanlanda", "stodboendet"), "personal", None,
             "Nyanställd personal hade inte fått introduktion i rutinen för läkemedelshantering."),
    Template(("utredning", "oppenvard", "hvb-notgarden"), "samverkan", None,
             "Skolan och socialtjänsten hade olika uppgifter om ungdomens planering; ingen "
             "samordnad individuell plan fanns."),
    Template(("familjehem-familjeratt", "utredning"), "handlaggning", "sekretess",
             "Ett e-postmeddelande med sekretessuppgifter skickades till fel mottagare.",
             "Mottagaren ombads radera meddelandet och bekräftade det."),
    Template(("nyanlanda",), "handlaggning", "annat",
             "Tolk var inte bokad till ett planerat möte, så mötet fick ställas in."),
)
# (free text, cause codes from the default cause list)
ANALYSES = (
    ("Rutinen var känd men följdes inte när ordinarie personal var frånvarande.",
     ["rutin_foljs_inte", "franvaro_bemanning"]),
    ("Rutinen saknade en tydlig ansvarig vid frånvaro.", ["rutin_saknas"]),
    ("Arbetsbelastningen var hög under perioden och kontrollmomentet hoppades över.",
     ["franvaro_bemanning", "mansklig_faktor"]),
    ("Nyanställd personal kände inte till rutinen.", ["information_saknades"]),
)
MEASURES = (
    ("Gå igenom rutinen på nästa APT.", "enhetschef"),
    ("Inför kontroll vid frånvaro: ersättare utses i veckoplaneringen.", "enhetschef"),
    ("Uppdatera introduktionsmaterialet för nyanställda.", "verksamhetsutvecklare"),
    ("Stickprov av 10 akter per månad under ett halvår.", "1:e socialsekreterare"),
)


def _seed_users(runtime: Runtime, echo: Callable[[str], None]) -> None:
    echo("Demo users (demo data only – change or remove before real use):")
    for username, role, units, password in DEMO_USERS:
        try:
            runtime.accounts.add(username, role, password, units=units)
        except DomainError:  # a re-run prints working ones
            if not runtime.accounts.verify_password(username, password):
                runtime.accounts.set_password(username, password)
        unit_text = f", units {','.join(sorted(units))}" if units else ""
        echo(f"  {username:<12} {role.value:<26} password: {password}{unit_text}")


def seed_demo(
    runtime: Runtime, echo: Callable[[str], None] = print, *, seed: int = 2026
) -> dict[str, int]:
    """Users always (idempotent); data only on a store without events. Returns counts."""
    _seed_users(runtime, echo)
    app = runtime.app
    if (app.recorder.max_notification_id() or 0) > 0:
        echo("The store already has cases; no demo data added.")
        return {}
    year = DemoYear(app, random.Random(seed))
    counts = year.run()
    if year.showcase is not None:
        _attachments(runtime, year.showcase)
    echo(
        "Demo data: {deviations} deviations, {lex_sarah} Lex Sarah cases, "
        "{child_reports} child reports, {complaints} klagomål och synpunkter.".format(**counts)
    )
    return counts


class DemoYear:
    def __init__(self, app: TrackerApplication, rng: random.Random) -> None:
        self.app = app
        self.rng = rng
        self.today = app.today()
        self.counts = {"deviations": 0, "lex_sarah": 0, "child_reports": 0, "complaints": 0}
        self.showcase: UUID | None = None  # the demo medarbetare's fresh report

    def run(self) -> dict[str, int]:
        filed = self._deviations()
        self._lex_sarah(filed)
        self._child_reports()
        self._review(filed)
        self._complaints()
        return self.counts

    # --- deviations ------------------------------------------------------------------------

    def _reviewer(self, unit: str) -> str:
        return "enhetschef" if unit in {"utredning", "hvb-notgarden"} else "utvecklare"

    def _deviations(self) -> list[tuple[UUID, date, str]]:
        rng, app = self.rng, self.app
        filed: list[tuple[UUID, date, str]] = []
        start = self.today - timedelta(days=365)
        for day_offset in range(0, 366):
            reported = start + timedelta(days=day_offset)
            if reported.weekday() >= 5 or rng.random() > 0.55:
                continue  # roughly 10-15 a month, on working days
            template = rng.choice(TEMPLATES)
            unit = rng.choice(template.units)
            occurred = reported - timedelta(days=rng.choice((0, 0, 1, 2, 5)))
            deviation = app.file_deviation(
                actor=rng.choice(STAFF), unit=unit, category=template.category,
                subcategory=template.subcategory, occurred_on=occurred,
                description=template.description, immediate_actions=template.immediate,
                case_reference=rng.choice((None, f"SN {reported.year}/{rng.randint(100, 999)}")),
                reported_on=reported,
            )
            self.counts["deviations"] += 1
            filed.append((deviation.id, reported, unit))
            self._handle(deviation.id, reported, unit, age=(self.today - reported).days)
        self._special_cases(filed)
        return filed

    def _handle(self, deviation_id: UUID, reported: date, unit: str, *, age: int) -> None:
        rng, app = self.rng, self.app
        actor = self._reviewer(unit)
        if age < 7 or rng.random() < 0.15:
            return  # new, or still waiting in the inbox
        analysis, causes = rng.choice(ANALYSES)
        app.analyse_cause(deviation_id, actor=actor, analysis=analysis, causes=causes)
        description, responsible = rng.choice(MEASURES)
        due = min(reported + timedelta(days=30), self.today + timedelta(days=30))
        app.add_measure(
            deviation_id, actor=actor, description=description, responsible=responsible,
            due_on=due,
        )
        if age > 45:
            app.complete_measure(
                deviation_id, actor=actor, measure=1,
                completed_on=min(reported + timedelta(days=rng.randint(10, 40)), self.today),
            )
        if rng.random() < 0.6 or age > 60:
            app.give_feedback(
                deviation_id, actor=actor,
                message="Tack för rapporten. Vi har gått igenom rutinen i arbetsgruppen.",
            )
        if age > 60 and rng.random() < 0.85:
            app.close_deviation(
                deviation_id, actor=actor,
                summary="Åtgärden är genomförd och uppföljd; avvikelsen avslutas.",
            )

    def _special_cases(self, filed: list[tuple[UUID, date, str]]) -> None:
        app = self.app
        # A misfiled one, reclassified by the quality developer in the annual review.
        deviation = app.file_deviation(
            actor="medarbetare", unit="utredning", category="genomforande", subcategory=None,
            occurred_on=self.today - timedelta(days=200),
            reported_on=self.today - timedelta(days=199),
            description="En journalhandling om en annan familj låg i fel akt.",
        )
        app.reclassify_deviation(
            deviation.id, actor="utvecklare", category="handlaggning", subcategory="registrering"
        )
        # Closed, then reopened when it happened again.
        analysis, causes = ANALYSES[0]
        app.analyse_cause(deviation.id, actor="enhetschef", analysis=analysis, causes=causes)
        app.record_no_measures_needed(
            deviation.id, actor="enhetschef", reason="Handlingen flyttades direkt till rätt akt."
        )
        app.give_feedback(deviation.id, actor="enhetschef", message="Tack, handlingen är flyttad.")
        app.close_deviation(deviation.id, actor="enhetschef", summary="Handlingen flyttad.")
        app.reopen_deviation(
            deviation.id, actor="enhetschef", reason="Samma sak hände igen veckan efter."
        )
        # Filed twice by mistake: the copy is withdrawn (stays in history, leaves the counts).
        copy = app.file_deviation(
            actor="medarbetare", unit="utredning", category="handlaggning",
            subcategory="registrering", occurred_on=self.today - timedelta(days=200),
            reported_on=self.today - timedelta(days=199),
            description="En journalhandling om en annan familj låg i fel akt.",
        )
        app.withdraw_deviation(
            copy.id, actor="utvecklare", reason="Registrerad två gånger av misstag."
        )
        # Fresh ones from the demo medarbetare, so "Mina rapporter" has feedback to show.
        mine = app.file_deviation(
            actor="medarbetare", unit="utredning", category="handlaggning",
            subcategory="sekretess", occurred_on=self.today - timedelta(days=3),
            reported_on=self.today - timedelta(days=2),
            description="Ett brev skickades till en gammal adress trots att ny adress fanns.",
            case_reference="SN 2026/412",
        )
        app.give_feedback(
            mine.id, actor="enhetschef",
            message="Tack! Vi ser över hur adressändringar förs in i systemet.",
        )
        # A question waiting for the demo medarbetare's answer ("väntar på komplettering").
        app.ask_reporter("deviation", mine.id, actor="enhetschef",
                         text="Vilken adress stod i systemet, och när kom adressändringen in?")
        self.showcase = mine.id
        # A conversation that ended: asked, answered, the outcome told at closing.
        app.ask_reporter("deviation", deviation.id, actor="enhetschef",
                         text="Vilken akt låg handlingen i, och när hittades den?")
        app.answer_question("deviation", deviation.id, actor="medarbetare",
                            text="I en annan familjs akt i arkivskåpet, på måndagsmorgonen.")
        app.record_outcome("deviation", deviation.id, actor="enhetschef",
                           text="Akterna kontrolleras nu av två personer vid arkivering.")
        # A measure of the demo enhetschef's own, due soon ("Att göra" on any date).
        app.add_measure(
            mine.id, actor="enhetschef", responsible="enhetschef",
            description="Gå igenom rutinen för adressändringar med handläggarna.",
            due_on=self.today + timedelta(days=2),
        )
        self.counts["deviations"] += 3
        filed.append((deviation.id, self.today - timedelta(days=199), "utredning"))

    # --- review: risk, the measures' lifecycle and effect, a case moved to its unit -----

    def _review(self, filed: list[tuple[UUID, date, str]]) -> None:
        """Last, so the data before it is what it always was (the same random draws)."""
        rng, app = self.rng, self.app
        for deviation_id, _, unit in filed[::3]:  # a third are risk assessed
            if app.get_deviation(deviation_id).status.value == "withdrawn":
                continue
            app.assess_risk(deviation_id, actor=self._reviewer(unit),
                            probability=rng.randint(1, 4), consequence=rng.randint(1, 3))
        # Knives left out at Notgården: a 4x4 (suggested for Lex Sarah), a routine measure
        # planned with a goal, carried out and judged effective against the counts before
        # and after; a second one proposed and turned down; one whose follow-up is due.
        today = self.today
        knives = app.file_deviation(
            actor="personal.b07", unit="hvb-notgarden", category="genomforande",
            subcategory=None, occurred_on=today - timedelta(days=120),
            reported_on=today - timedelta(days=120), description=TEMPLATES[3].description,
            immediate_actions=TEMPLATES[3].immediate,
        )
        app.assess_risk(knives.id, actor="enhetschef", probability=4, consequence=4)
        app.analyse_cause(knives.id, actor="enhetschef", analysis=ANALYSES[0][0],
                          causes=ANALYSES[0][1])
        app.add_measure(
            knives.id, actor="enhetschef", description="Knivskåp med kodlås i köket.",
            goal="Inga knivar framme: inga fler avvikelser om knivar på Notgården.",
            responsible="enhetschef", due_on=today - timedelta(days=100),
            follow_up_on=today - timedelta(days=10), proposed=True,
        )
        app.plan_measure(knives.id, actor="enhetschef", measure=1)
        app.complete_measure(knives.id, actor="enhetschef", measure=1,
                             completed_on=today - timedelta(days=100))
        app.follow_up_measure(
            knives.id, actor="enhetschef", measure=1, followed_up_on=today - timedelta(days=10),
            result="Skåpet används; inventarielistan stämmer vid varje kontroll.",
            effect=Effect.YES, effect_text="Inga nya avvikelser om knivar efter åtgärden.",
        )
        app.add_measure(knives.id, actor="enhetschef", description="Kamera i köket.",
                        responsible="enhetschef", due_on=today - timedelta(days=90),
                        proposed=True)
        app.reject_measure(knives.id, actor="enhetschef", measure=2,
                           reason="Oproportionerligt intrång i de ungas integritet.")
        app.add_measure(
            knives.id, actor="enhetschef", description="Köksrutinen in i introduktionen.",
            responsible="forste", due_on=today - timedelta(days=60),
            follow_up_on=today - timedelta(days=1),
        )  # a 1:e socialsekreterare in another unit: opens this measure only
        app.complete_measure(knives.id, actor="enhetschef", measure=3,
                             completed_on=today - timedelta(days=60))
        # Filed under the wrong unit; the verksamhetsutvecklare moves it.
        misfiled = app.file_deviation(
            actor="medarbetare", unit="utredning", category="handlaggning",
            subcategory="ekonomi", occurred_on=today - timedelta(days=6),
            reported_on=today - timedelta(days=5),
            description="Ett beslut om ekonomiskt bistånd skickades inte till den enskilde.",
        )
        app.move_deviation(misfiled.id, actor="utvecklare", unit="stod-forsorjning",
                           reason="Ärendet handläggs av Stöd- och försörjningsenheten.")
        self.counts["deviations"] += 2

    # --- Lex Sarah -------------------------------------------------------------------------

    def _lex_sarah(self, filed: list[tuple[UUID, date, str]]) -> None:
        app = self.app
        candidates = [
            (deviation_id, reported)
            for deviation_id, reported, _ in filed
            if app.get_deviation(deviation_id).status.value == "open"
            and (self.today - reported).days > 20
        ]
        plans = [
            ("allvarligt", True),  # reported to IVO
            ("missforhallande", False),
            ("inte_missforhallande", False),
            (None, False),  # still under investigation
        ]
        for (deviation_id, reported), (grade, to_ivo) in zip(
            candidates[:: max(1, len(candidates) // 5)], plans, strict=False
        ):
            opened = reported + timedelta(days=3)
            case = app.escalate_to_lex_sarah(
                deviation_id, actor="utvecklare", opened_on=opened,
                reason="Upprepade brister som kan utgöra ett missförhållande.",
            )
            self.counts["lex_sarah"] += 1
            # The Lex Sarah-ansvarig investigates them all ("Att göra" shows the next step).
            app.assign_investigator(case.id, actor="lexsarah", investigator="lexsarah")
            app.record_protective_action(
                case.id, actor="lexsarah", taken_on=opened,
                description="Rutinen skärptes omedelbart och berörd personal informerades.",
            )
            findings = [
                (FindingKind.HANDELSE, "Bristen innebar en risk för att barnets behov inte "
                 "uppmärksammades i tid.", 0, "Journalgranskning", FindingNature.FACT),
                (FindingKind.TIDPUNKT, "Bristen pågick under de två veckor handläggaren var "
                 "frånvarande.", 0, "Journalgranskning", FindingNature.FACT),
                (FindingKind.UPPTACKT, "Uppmärksammades av enhetschefen vid genomgång av "
                 "bevakningen.", 1, "Intervju med enhetschef", FindingNature.FACT),
                (FindingKind.ORSAK, "Frånvaro utan ersättare och ingen bevakning av "
                 "tidsfrister.", 2, "Intervju med enhetschef", FindingNature.ASSESSMENT),
                (FindingKind.UPPREPNING, "Risken består tills en ersättare utses vid frånvaro.",
                 2, "Utredarens bedömning", FindingNature.ASSESSMENT),
                (FindingKind.ATGARD, "Rutin för ersättare vid frånvaro infördes samma vecka.",
                 3, "Enhetens rutin", FindingNature.FACT),
            ]
            if grade is None:  # still being investigated: what happened and why, so far
                findings = [f for f in findings if f[0] in (FindingKind.HANDELSE,
                                                            FindingKind.ORSAK)]
            for kind, text, offset, source, nature in findings:
                app.document_finding(
                    case.id, actor="lexsarah", kind=kind, text=text,
                    dated_on=min(opened + timedelta(days=offset), self.today), source=source,
                    nature=nature, author="lexsarah", author_title="Kvalitetsutvecklare",
                )
            if grade is None:
                continue
            app.mark_finding_not_applicable(
                case.id, actor="lexsarah", kind=FindingKind.TIDIGARE,
                reason="Inga liknande händelser finns registrerade för enheten.",
                author="lexsarah", author_title="Kvalitetsutvecklare",
            )
            decided = min(opened + timedelta(days=14), self.today)
            app.decide_lex_sarah(
                case.id, actor="lexsarah", grade=Grade(grade), decided_on=decided,
                reasoning="Bedömningen grundar sig på utredningens uppgifter om händelse "
                "och orsak.",
            )
            app.record_informed(
                case.id, actor="lexsarah", who=InformedParty.INDIVIDUAL, on=decided
            )
            if to_ivo:
                app.report_to_ivo(
                    case.id, actor="lexsarah", sent_on=min(decided + timedelta(days=5), self.today),
                    ivo_reference=f"IVO 3.1.1-{self.rng.randint(10000, 99999)}/{decided.year}",
                    diary_number=f"SN {decided.year}/{self.rng.randint(100, 999)}",
                    investigation=IvoInvestigation.ATTACHED,
                )
                continue
            app.close_lex_sarah(
                case.id, actor="lexsarah", closed_on=decided,
                summary="Utredningen avslutas; åtgärderna följs upp i avvikelsen.",
            )

    # --- child reports ----------------------------------------------------------------------

    def _complaints(self) -> None:
        """Most routed within a couple of days and answered within two weeks and closed; the
        newest waiting; one opened a deviation; a sender wrote again."""
        app = self.app
        for index, (days_ago, kind, unit, sender, channel, text) in enumerate(COMPLAINTS):
            received = self.today - timedelta(days=days_ago)
            actor = SENDER_ACTOR if channel is Channel.E_SERVICE else "utvecklare"
            wish = (ContactWish.NONE if kind is ComplaintKind.PRAISE
                    else ContactWish.PHONE if channel is Channel.PHONE else ContactWish.CODE)
            complaint, code = app.receive_complaint(
                actor=actor, kind=kind, unit=unit, sender=sender, channel=channel, text=text,
                contact_wish=wish, received_on=received)
            self.counts["complaints"] += 1
            if days_ago < 3:
                continue  # waiting in the inbox
            to_unit = unit or ("utredning" if index % 2 else "hvb-notgarden")
            routed = min(received + timedelta(days=1 + index % 3), self.today)
            app.route_complaint(complaint.id, actor="utvecklare", unit=to_unit,
                                category=COMPLAINT_CATEGORY[to_unit], routed_on=routed)
            if days_ago < 12 or wish is ContactWish.NONE:
                if wish is ContactWish.NONE and days_ago > 20:
                    app.close_complaint(complaint.id, actor="enhetschef",
                                        outcome=Outcome.EXPLAINED, summary="Beröm vidarebefordrat "
                                        "till personalgruppen.", closed_on=routed)
                continue
            answered = min(received + timedelta(days=6 + index % 12), self.today)
            app.answer_complaint(complaint.id, actor="enhetschef", answered_on=answered, text=(
                "Tack för att du hörde av dig. Vi har gått igenom det du skrev i arbetsgruppen "
                "och ändrat hur vi gör. Hör av dig igen om det inte blir bättre."))
            if days_ago == 52:  # a child treated badly: a deviation, still investigated
                app.open_deviation_from_complaint(
                    complaint.id, actor="utvecklare", category="genomforande", subcategory=None,
                    description="Personal höjde rösten mot ett barn inför andra placerade.")
                app.add_sender_message(code, text="Det har inte hänt igen. Tack.")
                continue
            if days_ago > 25:
                app.close_complaint(complaint.id, actor="enhetschef",
                                    outcome=Outcome.ACTED if kind is ComplaintKind.COMPLAINT
                                    else Outcome.EXPLAINED,
                                    summary="Besvarat; rutinen ses över på nästa APT.",
                                    closed_on=answered)

    def _child_reports(self) -> None:
        app = self.app
        for index, days_ago in enumerate((45, 38, 30, 26, 21, 17, 12, 9, 5, 2, 1, 0)):
            received_day = self.today - timedelta(days=days_ago)
            received_at = datetime.combine(received_day, time(9 + index % 7, 15), STOCKHOLM)
            received_at = min(received_at, datetime.now(UTC).astimezone(STOCKHOLM))
            report = app.receive_child_report(
                actor="forste", unit="utredning", received_at=received_at,
                case_reference=f"BoU {received_day.year}/{100 + index}",
            )
            self.counts["child_reports"] += 1
            assessed_at = received_at + timedelta(hours=1)
            if assessed_at <= datetime.now(UTC):
                app.assess_protection(
                    report.id, actor="forste", assessed_at=assessed_at,
                    immediate_protection_needed=index % 5 == 0,
                )
            if days_ago > 0:  # the newest waits for a handler
                # Some for the demo 1:e socialsekreterare, so "Att göra" has them.
                handler = "forste" if index % 4 == 1 else f"handlaggare{index % 3 + 1}"
                app.assign_handler(report.id, actor="forste", handler=handler)
            if index % 3 == 0 and days_ago >= 10:
                # Decided in time; some lead to an investigation.
                decided = received_day + timedelta(days=10)
                decision = (
                    PreliminaryDecision.OPEN_INVESTIGATION if index % 2 == 0
                    else PreliminaryDecision.NO_INVESTIGATION
                )
                # A school (a myndighet, 19 kap. 1 §) asks to be told the outcome.
                if index % 2 == 0:
                    app.record_reporter_category(
                        report.id, actor="forste", category=ReporterCategory.MYNDIGHET
                    )
                    app.request_reporter_feedback(
                        report.id, actor="forste", requested_on=received_day + timedelta(days=1)
                    )
                # A decision to investigate opens the investigation that day.
                app.decide_preliminary_assessment(
                    report.id, actor="forste", decision=decision, decided_on=decided
                )
                if index % 4 == 0:  # told the same day; the others' week is on Bevakning
                    app.give_reporter_feedback(
                        report.id, actor="forste", how="Telefon till skolans kurator",
                        given_on=decided,
                    )
                if decision is PreliminaryDecision.OPEN_INVESTIGATION:
                    app.record_investigation_information(
                        report.id, actor="forste", informed_on=decided
                    )
            elif days_ago > 14:
                # Overdue: the breach is flagged (and its deviation filed) as the scheduler would.
                app.flag_preliminary_breach(report.id)


def _attachments(runtime: Runtime, deviation_id: UUID) -> None:
    """A photo from the reporter and the unit's routine as a PDF on the showcase report."""
    store = Attachments(runtime.engine, runtime.app, limit=runtime.settings.attachment_max_bytes)
    photo = io.BytesIO()
    Image.new("RGB", (320, 200), (226, 222, 210)).save(photo, "JPEG")
    store.add("deviation", deviation_id, data=photo.getvalue(), file_name="kuvertet.jpg",
              actor="medarbetare")
    text = b"BT /F1 14 Tf 72 760 Td (Rutin for adressandringar) Tj ET"
    parts = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
             b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
             b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"]
    pdf = b"%PDF-1.4\n" + b"".join(
        b"%d 0 obj\n" % n + part + b"\nendobj\n" for n, part in enumerate(parts, 1)
    ) + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    store.add("deviation", deviation_id, data=pdf, file_name="rutin-adressandringar.pdf",
              actor="enhetschef")


# A season of klagomål och synpunkter: (days ago, kind, unit or None, sender, channel, text).
COMPLAINTS: tuple[tuple[int, ComplaintKind, str | None, SenderCategory, Channel, str], ...] = (
    (170, ComplaintKind.COMPLAINT, "hvb-notgarden", SenderCategory.CHILD, Channel.E_SERVICE,
     "Vi får inte gå ut på helgerna om inte personalen hinner följa med."),
    (160, ComplaintKind.VIEW, "utredning", SenderCategory.RELATIVE, Channel.PHONE,
     "Det är svårt att nå handläggaren på telefon. Kan ni ha en telefontid?"),
    (150, ComplaintKind.PRAISE, "hvb-notgarden", SenderCategory.RELATIVE, Channel.LETTER,
     "Tack till personalen som hjälpte min son med skolan i vår."),
    (141, ComplaintKind.COMPLAINT, "utredning", SenderCategory.CLIENT, Channel.E_SERVICE,
     "Jag fick beslutet utan att någon förklarade vad det betydde."),
    (128, ComplaintKind.COMPLAINT, None, SenderCategory.OTHER, Channel.E_SERVICE,
     "Brev från er kom till fel adress, med uppgifter om någon annan."),
    (120, ComplaintKind.VIEW, "hvb-notgarden", SenderCategory.CHILD, Channel.VISIT,
     "Vi vill kunna laga mat själva någon kväll i veckan."),
    (104, ComplaintKind.COMPLAINT, "hvb-notgarden", SenderCategory.REPRESENTATIVE,
     Channel.EMAIL, "Ingen kontaktade mig som god man när pojken rymde."),
    (95, ComplaintKind.PRAISE, "utredning", SenderCategory.CLIENT, Channel.E_SERVICE,
     "Min handläggare lyssnade och gav mig tid. Tack."),
    (80, ComplaintKind.COMPLAINT, "utredning", SenderCategory.RELATIVE, Channel.PHONE,
     "Mötet ställdes in samma dag och ingen ringde."),
    (66, ComplaintKind.VIEW, None, SenderCategory.OTHER, Channel.E_SERVICE,
     "Er webbplats säger inte hur man lämnar en orosanmälan på kvällen."),
    (52, ComplaintKind.COMPLAINT, "hvb-notgarden", SenderCategory.CHILD, Channel.E_SERVICE,
     "En i personalen skrek åt mig inför de andra."),
    (40, ComplaintKind.PRAISE, "hvb-notgarden", SenderCategory.STAFF, Channel.E_SERVICE,
     "Bra att vi fick handledning efter händelsen i maj."),
    (30, ComplaintKind.COMPLAINT, "utredning", SenderCategory.CLIENT, Channel.LETTER,
     "Jag har väntat länge på att få läsa min journal."),
    (19, ComplaintKind.VIEW, "utredning", SenderCategory.RELATIVE, Channel.E_SERVICE,
     "Skicka gärna kallelser både med post och sms."),
    (11, ComplaintKind.COMPLAINT, "hvb-notgarden", SenderCategory.CHILD, Channel.E_SERVICE,
     "Det är för kallt i mitt rum och ingen lagar elementet."),
    (6, ComplaintKind.COMPLAINT, None, SenderCategory.RELATIVE, Channel.E_SERVICE,
     "Min pappa fick fel tid till mötet två gånger."),
    (3, ComplaintKind.VIEW, "hvb-notgarden", SenderCategory.CHILD, Channel.E_SERVICE,
     "Kan vi få wifi i vardagsrummet?"),
    (1, ComplaintKind.COMPLAINT, "utredning", SenderCategory.CLIENT, Channel.E_SERVICE,
     "Ingen har svarat på mitt mejl på två veckor."),
    (0, ComplaintKind.PRAISE, None, SenderCategory.OTHER, Channel.E_SERVICE,
     "Tack för ett bra föräldramöte."),
)
COMPLAINT_CATEGORY = {"hvb-notgarden": "genomforande", "utredning": "handlaggning"}
