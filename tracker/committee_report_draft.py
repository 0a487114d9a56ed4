"""The tracker's draft of the monthly report to the committee: figures from the views, texts
generated from the counts (in the style of a tjänsteskrivelse) and, per deviation, what
happened, the cause analysis and the measures, from the cases themselves.

Everything returned is plain JSON, ready to be stored in CommitteeReport's events."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.calendar import MONTH_NAMES
from events.causes import CauseList
from events.deviation import Deviation, DeviationStatus
from events.risk import HIGH_RISK, MAX_SCORE
from events.taxonomy import Operation, Taxonomy
from projections import queries
from projections.queries.coverage import months_with_data
from projections.queries.measures import month_span, risk_table
from tracker.admin.organisation import Organisation

# Swedish style: small numbers in words after the first figure of a sentence.
NUMBER_WORDS = ("inga", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio",
                "elva", "tolv")
YEARS_BACK = 2  # appendix 1: the year and the two before


@dataclass(frozen=True)
class Heading:
    """Organisation data for the heading block (Settings)."""

    committee: str
    administration: str
    author_title: str


def in_words(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def period_name(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month - 1]} {year}"


def period_range(year: int, month: int) -> str:
    last = calendar.monthrange(year, month)[1]
    return f"1–{last} {MONTH_NAMES[month - 1]} {year}"


def leaf_name(taxonomy: Taxonomy, category: str, subcategory: str | None) -> tuple[str, str]:
    """(full name, the most specific part) of a category or subcategory."""
    found = taxonomy.categories.get(category)
    if found is None:
        return category, category
    if subcategory:
        sub = found.subcategories.get(subcategory, subcategory)
        return f"{found.name} – {sub}", sub
    return found.name, found.name


def figures(
    engine: sa.Engine, organisation: Organisation, year: int, month: int, today: date
) -> dict[str, Any]:
    """The numbers of the report: per operation and (sub)category for the month, and the
    monthly series of the year and the two before (None = uppgift saknas)."""
    taxonomy = organisation.taxonomy()
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    coverage = months_with_data(engine, min(last_day, today))
    report = queries.monthly_report(engine, year, month, organisation=organisation)
    leaves = taxonomy.counted_leaves((r["category"], r["subcategory"]) for r in report["rows"])
    operations = []
    for operation in Operation:
        counts = {
            (r["category"], r["subcategory"]): r["count"]
            for r in report["rows"] if r["operation"] == operation.value
        }
        rows = []
        for category, subcategory in leaves:
            name, short = leaf_name(taxonomy, category, subcategory)
            rows.append({"category": category, "subcategory": subcategory, "name": name,
                         "short": short, "count": counts.get((category, subcategory), 0)})
        operations.append({
            "code": operation.value, "name": operation.label,
            "count": report["by_operation"].get(operation.value, 0), "rows": rows,
        })
    years = range(year - YEARS_BACK, year + 1)
    series = queries.monthly_series(engine, years)
    return {
        "year": year,
        "month": month,
        "has_data": coverage.has(year, month),
        "total": report["total"],
        "operations": operations,
        "series": [{"year": y, "counts": coverage.mask(y, series[y])} for y in years],
        "imported_note": coverage.footnote(years),
        "risk": risk_table(engine, *month_span(year, month)),  # the month's risk scores
    }


def _summary(figs: dict[str, Any]) -> str:
    year, month = figs["year"], figs["month"]
    if not figs["has_data"]:
        return (f"Uppgift saknas för {period_name(year, month)}: avvikelser registrerades "
                "inte i avvikelsesystemet då.")
    total = figs["total"]
    if total == 0:
        return f"Inga avvikelser har inkommit under perioden {period_range(year, month)}."
    noun = "avvikelse" if total == 1 else "avvikelser"
    parts = [f"{in_words(op['count'])} från {op['code']}" for op in figs["operations"]]
    first = (f"{total} {noun} har inkommit under perioden {period_range(year, month)}; "
             f"{_listing(parts)}.")
    groups: dict[str, int] = {}
    for op in figs["operations"]:
        for row in op["rows"]:
            if row["count"]:
                groups[row["short"]] = groups.get(row["short"], 0) + row["count"]
    ordered = sorted(groups.items(), key=lambda item: -item[1])
    described = [f"{name[0].lower() + name[1:]} ({in_words(n)})" for name, n in ordered]
    return first + f" Avvikelserna gäller {_listing(described)}." + risk_sentence(figs)


def risk_sentence(figs: dict[str, Any]) -> str:
    """" Fyra av dem är riskbedömda, varav en med hög risk (riskpoäng 12–16)." (the
    matrix's red cells), or nothing while none of the month's is assessed."""
    risk = figs.get("risk") or {"assessed": 0, "rows": []}
    if not risk["assessed"]:
        return ""
    high = sum(row["count"] for row in risk["rows"] if row["score"] >= HIGH_RISK)
    return (f" {in_words(risk['assessed']).capitalize()} av dem är riskbedömda, varav "
            f"{in_words(high)} med hög risk (riskpoäng {HIGH_RISK}–{MAX_SCORE}).")


def _listing(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + " och " + parts[-1] if len(parts) > 1 else "".join(parts)


def _measures(deviation: Deviation) -> list[str]:
    lines = []
    for measure in deviation.measures:
        done = (f"genomförd {measure.completed_on.isoformat()}" if measure.completed_on
                else "ej genomförd")
        lines.append(
            f"– {measure.description} (ansvarig: {measure.responsible}; "
            f"klar senast {measure.due_on.isoformat()}; {done})"
        )
    return lines


def deviation_text(deviation: Deviation, unit_name: str, causes: CauseList | None = None) -> str:
    """What happened, the cause analysis and the measures of one case (no case reference,
    no reporter: the committee gets the facts, not who)."""
    lines = [f"{deviation.number}, {unit_name}, rapporterad {deviation.reported_on.isoformat()}: "
             f"{deviation.description}"]
    if deviation.immediate_actions:
        lines.append(f"Omedelbara åtgärder: {deviation.immediate_actions}")
    named = ", ".join(_lower_first(causes.name(c)) for c in deviation.causes) if causes else ""
    lines.append(f"Orsaksanalys{f' ({named})' if named else ''}: "
                 f"{deviation.cause_analysis or 'ingen orsaksanalys registrerad.'}")
    measures = _measures(deviation)
    lines.append("Åtgärder:" if measures else "Åtgärder: inga registrerade.")
    lines.extend(measures)
    if deviation.status is DeviationStatus.CLOSED and deviation.closing_summary:
        lines.append(f"Avslutad: {deviation.closing_summary}")
    return "\n".join(lines)


def cause_line(deviations: list[Deviation], causes: CauseList) -> str:
    """"Orsaker: frånvaro eller bemanning (2), rutin följs inte (1)." from the structured
    causes of the group's analyses (a deviation with two causes counts under each), in the
    cause list's order, most frequent first; and how many still name none."""
    counts: dict[str, int] = {}
    for deviation in deviations:
        for code in deviation.causes:
            counts[code] = counts.get(code, 0) + 1
    order = list(causes.causes)
    ranked = sorted(counts.items(), key=lambda item: (
        -item[1], order.index(item[0]) if item[0] in order else len(order)))
    named = [f"{_lower_first(causes.name(code))} ({n})" for code, n in ranked]
    without = sum(1 for deviation in deviations if not deviation.causes)
    line = f"Orsaker: {', '.join(named)}." if named else ""
    if without:
        noun = "avvikelse saknar" if without == 1 else "avvikelser saknar"
        line += (" " if line else "") + (
            f"{in_words(without).capitalize()} {noun} ännu en orsaksanalys med angivna orsaker.")
    return line


def _lower_first(name: str) -> str:
    return name[0].lower() + name[1:] if name else name


def sections(
    engine: sa.Engine,
    taxonomy: Taxonomy,
    figs: dict[str, Any],
    load: Callable[[UUID], Deviation],
    unit_names: dict[str, str],
    causes: CauseList,
) -> list[dict[str, Any]]:
    """Beskrivning av ärendet: per kvalitetsområde / underkategori with deviations this
    month, the count, the causes its analyses name and each deviation's story."""
    year, month = figs["year"], figs["month"]
    found = queries.list_deviations(engine, year=year, month=month, per_page=100_000).items
    cases: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for item in sorted(found, key=lambda i: (i["reported_on"], i["number"])):
        if item["status"] == DeviationStatus.WITHDRAWN.value:
            continue
        cases.setdefault((item["category"], item["subcategory"]), []).append(item)
    result = []
    known = taxonomy.counted_leaves()
    for category, subcategory in known + [key for key in cases if key not in known]:
        items = cases.get((category, subcategory), [])
        if not items:
            continue
        name, _ = leaf_name(taxonomy, category, subcategory)
        counts = {op.value: sum(1 for i in items if i["operation"] == op.value) for op in Operation}
        spread = ", ".join(f"{op} {n}" for op, n in counts.items() if n)
        loaded = [load(item["id"]) for item in items]
        head = f"{len(items)} {'avvikelse' if len(items) == 1 else 'avvikelser'} ({spread})."
        texts = [f"{head} {cause_line(loaded, causes)}".strip()]
        texts += [deviation_text(deviation, unit_names.get(item["unit"], item["unit"]), causes)
                  for deviation, item in zip(loaded, items, strict=True)]
        key = f"{category}/{subcategory}" if subcategory else category
        result.append({"key": key, "heading": name, "count": len(items),
                       "text": "\n\n".join(texts)})
    return result


def texts(heading: Heading, figs: dict[str, Any], author: str, today: date) -> dict[str, str]:
    year, month = figs["year"], figs["month"]
    period = period_name(year, month)
    return {
        "committee": heading.committee,
        "administration": heading.administration,
        "author": author,
        "author_title": heading.author_title,
        "title": f"Avvikelser inom {heading.administration} – rapport {period}",
        "report_date": today.isoformat(),
        "diary_number": "",
        "proposal": (f"{heading.committee} godkänner redovisningen av avvikelser för {period} "
                     "och lägger den till handlingarna."),
        "summary": _summary(figs),
        "background": (
            "Verksamheten ska enligt Socialstyrelsens föreskrifter om ledningssystem för "
            "systematiskt kvalitetsarbete ta emot, utreda, sammanställa och analysera "
            "avvikelser. Avvikelserna redovisas till nämnden varje månad. En avvikelse räknas "
            "i den månad den rapporterades, inte när händelsen inträffade. Nedan beskrivs "
            "avvikelserna per kvalitetsområde med orsaksanalys och åtgärder."
        ),
    }


def draft(
    engine: sa.Engine,
    organisation: Organisation,
    heading: Heading,
    *,
    year: int,
    month: int,
    author: str,
    today: date,
    load: Callable[[UUID], Deviation],
    unit_names: dict[str, str],
) -> dict[str, Any]:
    """{"text", "sections", "figures"}: a complete draft, not yet stored."""
    figs = figures(engine, organisation, year, month, today)
    return {
        "text": texts(heading, figs, author, today),
        "sections": sections(engine, organisation.taxonomy(), figs, load, unit_names,
                             organisation.causes()),
        "figures": figs,
    }

