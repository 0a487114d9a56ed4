"""Realistic bulk data for the benchmark, made with the domain's own commands and saved in
batches through the application (many aggregates per transaction)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from eventsourcing.domain import Aggregate

from events.causes import DEFAULT_CAUSES
from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import STOCKHOLM
from events.deviation import Deviation, Source
from events.lex_sarah import FindingKind, FindingNature, Grade, LexSarahCase
from events.numbering import NumberSeries, SeriesKind
from tracker.admin.organisation import Unit
from tracker.application import TrackerApplication

DESCRIPTIONS = (
    "Förhandsbedömningen gjordes inte inom 14 dagar; handläggaren var sjukskriven.",
    "Knivar låg framme på köksbänken i stället för i det låsta skåpet.",
    "Brev om begäran av handlingar skickades till fel boxadress.",
    "En journal som tillhör en annan person låg i klientens akt.",
    "Utredningen avslutades men registrerades inte som avslutad i verksamhetssystemet.",
    "Ungdomens folkbokföringsadress uppdaterades inte vid flytt.",
    "Veckokontakt med den unge enligt rutin dokumenterades inte.",
    "Utbetalning av försörjningsstöd blev försenad.",
)
CATEGORY_WEIGHTS = (
    (("handlaggning", "forhandsbedomning"), 18),
    (("handlaggning", "utredningstid"), 8),
    (("handlaggning", "ekonomi"), 10),
    (("handlaggning", "registrering"), 14),
    (("handlaggning", "sekretess"), 9),
    (("handlaggning", "annat"), 6),
    (("genomforande", None), 20),
    (("personal", None), 8),
    (("samverkan", None), 7),
)


@dataclass
class Generated:
    deviations: int = 0
    lex_sarah_cases: int = 0
    child_reports: int = 0
    aggregates_saved: int = 0


class _Numbers:
    """Number series per (kind, year) kept in memory during a batch."""

    def __init__(self, app: TrackerApplication) -> None:
        self.app = app
        self.series: dict[tuple[SeriesKind, int], NumberSeries] = {}

    def issue(self, kind: SeriesKind, year: int) -> str:
        key = (kind, year)
        if key not in self.series:
            self.series[key] = self.app._series(kind, year)
        return self.series[key].issue()

    def drain(self) -> list[NumberSeries]:
        pending = [s for s in self.series.values() if s.pending_events]
        return pending


def generate(
    app: TrackerApplication,
    units: list[Unit],
    *,
    deviations: int,
    child_reports: int,
    years: int,
    today: date,
    seed: int = 20261122,
    batch_size: int = 500,
) -> Generated:
    rng = random.Random(seed)
    taxonomy = app.organisation.taxonomy()
    numbers = _Numbers(app)
    stats = Generated()
    batch: list[Aggregate] = []
    categories = [c for c, _ in CATEGORY_WEIGHTS]
    weights = [w for _, w in CATEGORY_WEIGHTS]
    first_day = date(today.year - years + 1, 1, 1)
    span = (today - first_day).days

    def flush() -> None:
        if batch:
            app.save(*numbers.drain(), *batch)
            stats.aggregates_saved += len(batch)
            batch.clear()

    for index in range(deviations):
        reported_on = first_day + timedelta(days=rng.randrange(span + 1))
        unit = rng.choice(units)
        category, subcategory = rng.choices(categories, weights)[0]
        deviation = Deviation.report(
            number=numbers.issue(SeriesKind.DEVIATION, reported_on.year),
            unit=unit.code,
            operation=unit.operation,
            category=category,
            subcategory=subcategory,
            occurred_on=reported_on - timedelta(days=rng.randrange(5)),
            reported_on=reported_on,
            description=rng.choice(DESCRIPTIONS),
            immediate_actions="Enhetschefen informerades.",
            case_reference=f"{unit.operation.value}-{reported_on.year}-{index % 9000 + 100}",
            reporter=f"staff{rng.randrange(400)}",
            source=Source.IMPORT,
            taxonomy=taxonomy,
            today=today,
        )
        roll = rng.random()
        if roll < 0.10:
            new_category, new_sub = rng.choices(categories, weights)[0]
            if (new_category, new_sub) != (category, subcategory):
                deviation.reclassify(
                    category=new_category, subcategory=new_sub, taxonomy=taxonomy, actor="vu"
                )
        if roll < 0.25:
            deviation.add_measure(
                description="Rutinen gås igenom på APT.",
                responsible="Enhetschef",
                due_on=reported_on + timedelta(days=30),
                actor="chef",
            )
        if rng.random() < 0.01:
            deviation.withdraw(reason="Registrerad av misstag", actor="vu")
        elif rng.random() < 0.012:
            opened_on = min(reported_on + timedelta(days=rng.randrange(1, 10)), today)
            case = LexSarahCase.open(
                number=numbers.issue(SeriesKind.LEX_SARAH, opened_on.year),
                deviation_id=deviation.id,
                deviation_number=deviation.number,
                deviation_reported_on=reported_on,
                unit=unit.code,
                operation=unit.operation,
                reason="Upprepade brister",
                opened_on=opened_on,
                today=today,
                actor="vu",
            )
            deviation.escalate(
                lex_sarah_case_id=case.id,
                reason="Upprepade brister",
                opened_on=opened_on,
                actor="vu",
            )
            if rng.random() < 0.6:
                case.document_finding(
                    kind=FindingKind.HANDELSE,
                    text="Händelsen utreddes.",
                    dated_on=opened_on,
                    source="Intervju",
                    nature=FindingNature.FACT,
                    author="ls",
                    author_title="Utredare",
                    today=today,
                    actor="ls",
                )
                for kind in case.uncovered_kinds():
                    case.mark_not_applicable(
                        kind=kind, reason="Ej aktuellt.", author="ls", author_title="Utredare",
                        actor="ls",
                    )
                grade = rng.choice(list(Grade))
                case.decide(
                    grade=grade,
                    reasoning="Bedömning gjord.",
                    decided_on=opened_on,
                    today=today,
                    actor="ls",
                )
            batch.append(case)
            stats.lex_sarah_cases += 1
        elif rng.random() < 0.6:
            # Closing needs an analysis, a measure (or why none) and feedback (or why none).
            deviation.analyse_cause(
                analysis="Rutinen följdes inte.", causes=["rutin_foljs_inte"],
                cause_list=DEFAULT_CAUSES, actor="chef",
            )
            if not deviation.measures:
                deviation.record_no_measures_needed(reason="Rättat direkt.", actor="chef")
            deviation.give_feedback(message="Tack för rapporten.", actor="chef")
            deviation.close(summary="Åtgärdat.", actor="chef")
        batch.append(deviation)
        stats.deviations += 1
        if len(batch) >= batch_size:
            flush()

    now = datetime.combine(today, time(12), tzinfo=STOCKHOLM)
    for index in range(child_reports):
        # Mostly within their 14 days, as in a working service; 2 % overdue, for the scan.
        age = rng.randrange(15, 30) if rng.random() < 0.02 else rng.randrange(14)
        received_at = now - timedelta(days=age, minutes=rng.randrange(600))
        unit = rng.choice(units)
        report = ChildReport.receive(
            number=numbers.issue(SeriesKind.CHILD_REPORT, received_at.year),
            unit=unit.code,
            operation=unit.operation,
            received_at=received_at.astimezone(UTC),
            case_reference=f"BARN-{received_at.year}-{index + 1}",
            ongoing_investigation=rng.random() < 0.05,
            now=now,
            actor="forste",
        )
        report.assign_handler(handler=f"handl{rng.randrange(60)}", actor="forste")
        if rng.random() < 0.1 and not report.is_exempt:
            report.decide(
                decision=rng.choice(list(PreliminaryDecision)),
                decided_on=min(report.received_on + timedelta(days=rng.randrange(14)), today),
                today=today,
                actor="forste",
            )
        batch.append(report)
        stats.child_reports += 1
        if len(batch) >= batch_size:
            flush()
    flush()
    # Filings after the bulk load replay fewer than the interval's events of a series: each
    # save that carried a series past a multiple of the interval snapshotted it as saved.
    return stats
