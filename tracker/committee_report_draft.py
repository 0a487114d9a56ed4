"""The tracker's draft of the monthly report to the committee, and its secrecy review.

Figures come from the views; the texts are generated from counts and grouped summaries (per
kvalitetsområde: how many, from which operation, the causes the analyses name, how many
measures), in the style of a tjänsteskrivelse. Each case's own story (what happened, the
cause analysis, the measures) goes in only when the author asks for it, as an appendix, and
`review` then flags what may identify someone (OSL 26 kap.): the committee's documents are
usually published.

Everything `draft` returns is plain JSON, ready to be stored in CommitteeReport's events.
Further sections (complaints, risk scores, ...) plug in through SECTION_SOURCES."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.calendar import MONTH_NAMES
from events.causes import CauseList
from events.complaint import ComplaintKind
from events.deviation import Deviation, DeviationStatus
from events.legal import cite_on
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
    """Organisation data for the heading block, and the form's words (Settings)."""

    committee: str
    administration: str
    author_title: str
    form: Mapping[str, str] = field(default_factory=dict)


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


@dataclass(frozen=True)
class DraftContext:
    """What a section source is given."""

    engine: sa.Engine
    taxonomy: Taxonomy
    figures: dict[str, Any]
    load: Callable[[UUID], Deviation]
    unit_names: dict[str, str]
    causes: CauseList
    case_texts: bool  # the author asked for each case's own story (an appendix)


# Producers of the sections of "Beskrivning av ärendet", in order. Each returns plain-JSON
# sections: {"key", "heading", "count", "text"}, optionally "detail" (case-by-case text for
# the appendix, then "units": [{"code", "name", "count"}] it comes from, for the secrecy
# review) and "table" ({"header": [...], "rows": [[...], ...]}, shown under the text).
# Another part of the tracker (complaints, risk scores) appends its source here.
SectionSource = Callable[[DraftContext], list[dict[str, Any]]]


def _measure_line(deviations: list[Deviation]) -> str:
    """How many measures the group's cases decided and completed, in general terms."""
    decided = sum(len(d.measures) for d in deviations)
    done = sum(1 for d in deviations for m in d.measures if m.completed_on)
    if not decided:
        return "Inga åtgärder är registrerade ännu."
    noun = "åtgärd är beslutad" if decided == 1 else "åtgärder är beslutade"
    finished = "genomförd" if done == 1 else "genomförda"
    return f"{in_words(decided).capitalize()} {noun}, varav {in_words(done)} {finished}."


def deviation_sections(context: DraftContext) -> list[dict[str, Any]]:
    """Per kvalitetsområde / underkategori with deviations this month: the count, the spread
    over operations, the causes its analyses name and the measures, as a grouped summary;
    each deviation's story as detail only when asked for."""
    year, month = context.figures["year"], context.figures["month"]
    found = queries.list_deviations(context.engine, year=year, month=month,
                                    per_page=100_000).items
    cases: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    per_unit: dict[str, int] = {}
    for item in sorted(found, key=lambda i: (i["reported_on"], i["number"])):
        if item["status"] == DeviationStatus.WITHDRAWN.value:
            continue
        cases.setdefault((item["category"], item["subcategory"]), []).append(item)
        per_unit[item["unit"]] = per_unit.get(item["unit"], 0) + 1
    result = []
    known = context.taxonomy.counted_leaves()
    for category, subcategory in known + [key for key in cases if key not in known]:
        items = cases.get((category, subcategory), [])
        if not items:
            continue
        name, _ = leaf_name(context.taxonomy, category, subcategory)
        counts = {op.value: sum(1 for i in items if i["operation"] == op.value) for op in Operation}
        spread = ", ".join(f"{op} {n}" for op, n in counts.items() if n)
        loaded = [context.load(item["id"]) for item in items]
        head = f"{len(items)} {'avvikelse' if len(items) == 1 else 'avvikelser'} ({spread})."
        text = " ".join(part for part in (head, cause_line(loaded, context.causes),
                                          _measure_line(loaded)) if part)
        detail = ""
        units: list[dict[str, Any]] = []
        if context.case_texts:
            detail = "\n\n".join(
                deviation_text(deviation, context.unit_names.get(item["unit"], item["unit"]),
                               context.causes)
                for deviation, item in zip(loaded, items, strict=True))
            for code in dict.fromkeys(item["unit"] for item in items):
                units.append({"code": code, "name": context.unit_names.get(code, code),
                              "count": per_unit[code]})
        key = f"{category}/{subcategory}" if subcategory else category
        result.append({"key": key, "heading": name, "count": len(items), "text": text,
                       "detail": detail, "units": units})
    return result


# Klagomål och synpunkter in the month's report: its words are the draft's own (editable,
# frozen with a finalised report like every section), counted from the complaints' view.
COMPLAINT_KINDS = ((ComplaintKind.COMPLAINT, "klagomål", "klagomål"),
                   (ComplaintKind.VIEW, "synpunkt", "synpunkter"),
                   (ComplaintKind.PRAISE, "beröm", "beröm"))


def complaint_sections(context: DraftContext) -> list[dict[str, Any]]:
    """One section: how many klagomål, synpunkter and beröm came in, by operation and by
    kvalitetsområde (those not yet classified named so); "uppgift saknas" for a month before
    the tracker took complaints."""
    year, month = context.figures["year"], context.figures["month"]
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    period = f"{MONTH_NAMES[month - 1]} {year}"
    heading = "Klagomål och synpunkter"
    if not queries.has_complaint_data(context.engine, last, last):
        return [{"key": "klagomal", "heading": heading, "count": 0, "detail": "", "units": [],
                 "text": f"Uppgift saknas för {period}: klagomål och synpunkter togs emot i "
                         "avvikelsehanteringen först senare."}]
    counts = queries.complaint_counts(context.engine, first, last)
    kinds = [f"{counts.by_kind.get(kind.value, 0)} "
             f"{one if counts.by_kind.get(kind.value, 0) == 1 else many}"
             for kind, one, many in COMPLAINT_KINDS]
    text = f"Under {period} kom {counts.total} klagomål och synpunkter in: {_listing(kinds)}."
    operations = [f"{op.value} {counts.by_operation[op.value]}" for op in Operation
                  if counts.by_operation.get(op.value)]
    if operations:
        text += f" Per verksamhet: {', '.join(operations)}."
    names = {code: category.name for code, category in context.taxonomy.categories.items()}
    areas = [f"{names.get(code, code)} {n}" for code, n in sorted(
        counts.by_category.items(), key=lambda pair: names.get(pair[0], pair[0])) if code]
    if counts.by_category.get(""):
        areas.append(f"ännu inte klassificerade {counts.by_category['']}")
    if areas:
        text += f" Per kvalitetsområde: {', '.join(areas)}."
    return [{"key": "klagomal", "heading": heading, "count": counts.total, "text": text,
             "detail": "", "units": []}]


SECTION_SOURCES: list[SectionSource] = [deviation_sections, complaint_sections]


def sections(
    engine: sa.Engine,
    taxonomy: Taxonomy,
    figs: dict[str, Any],
    load: Callable[[UUID], Deviation],
    unit_names: dict[str, str],
    causes: CauseList,
    *,
    case_texts: bool = False,
) -> list[dict[str, Any]]:
    """Beskrivning av ärendet: every source's sections, in SECTION_SOURCES' order."""
    context = DraftContext(engine, taxonomy, figs, load, unit_names, causes, case_texts)
    return [section for source in SECTION_SOURCES for section in source(context)]


def legal_basis(year: int, month: int) -> str:
    """Why the committee gets this report, cited in the numbering in force at the end of
    the reported month (the law is data: events.legal)."""
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    return (
        "Avvikelserna tas emot, utreds och sammanställs i ledningssystemet för "
        f"systematiskt kvalitetsarbete ({cite_on('sosfs_2011_9', last_day)}; "
        f"{cite_on('kvalitet', last_day)}). Missförhållanden utreds och anmäls enligt "
        f"bestämmelserna om lex Sarah ({cite_on('lex_sarah_utreda', last_day)}, "
        f"{cite_on('lex_sarah_anmala', last_day)}; {cite_on('sosfs_2011_5', last_day)})."
    )


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
            "i den månad den rapporterades, inte när händelsen inträffade. Nedan "
            "sammanfattas avvikelserna per kvalitetsområde med orsaker och åtgärder."
        ),
        "legal_basis": legal_basis(year, month),
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
    case_texts: bool = False,
) -> dict[str, Any]:
    """{"text", "sections", "figures", "form"}: a complete draft, not yet stored. With
    `case_texts`, each case's own story as detail (an appendix, for the secrecy review)."""
    figs = figures(engine, organisation, year, month, today)
    return {
        "text": texts(heading, figs, author, today),
        "sections": sections(engine, organisation.taxonomy(), figs, load, unit_names,
                             organisation.causes(), case_texts=case_texts),
        "figures": figs,
        "form": dict(heading.form),
    }


# --- what changed since a report was finalised ------------------------------------------

def _count(n: int | None) -> str:
    return "uppgift saknas" if n is None else str(n)


def figure_changes(frozen: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The figures that differ now from a finalised report's: each month of its series
    ("januari 2018: 13 → 12"), then the report month per operation and kvalitetsområde."""
    lines = []
    now = {int(s["year"]): s["counts"] for s in current["series"]}
    for series in frozen["series"]:
        year = int(series["year"])
        for index, (then, later) in enumerate(zip(series["counts"], now.get(year, []),
                                                  strict=False)):
            if then != later:
                lines.append(f"{MONTH_NAMES[index]} {year}: {_count(then)} → {_count(later)}")
    period = period_name(int(frozen["year"]), int(frozen["month"]))
    after = {op["code"]: op for op in current["operations"]}
    for operation in frozen["operations"]:
        later_op = after.get(operation["code"], {"rows": []})
        before = {(r["category"], r["subcategory"]): r for r in operation["rows"]}
        later_rows = {(r["category"], r["subcategory"]): r for r in later_op["rows"]}
        for key in list(before) + [k for k in later_rows if k not in before]:
            then_n = before[key]["count"] if key in before else 0
            later_n = later_rows[key]["count"] if key in later_rows else 0
            if then_n != later_n:
                name = (before.get(key) or later_rows[key])["name"]
                lines.append(f"{period}, {operation['code']}, {name}: {then_n} → {later_n}")
    return lines


# --- the secrecy review (OSL 26 kap.) --------------------------------------------------

FLAG_KINDS = {
    "small_cell": "Liten cell",
    "small_unit": "Liten enhet",
    "age": "Ålder",
    "name": "Namn eller plats",
    "date": "Datum mer exakt än månaden",
}
_MONTHS = ("januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|"
           "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|dec")
_NUMBER_STEMS = ("ett|en|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tretton|fjorton|"
                 "femton|sexton|sjutton|arton|nitton|tjugo|trettio|fyrtio|femtio|sextio|"
                 "sjuttio|åttio|nittio")
AGE = re.compile(
    r"\b\d{1,3}\s*-?\s*år(?:ing|ig)\w*"  # 15-åring, 15-årige, 15 årig
    r"|\b\d{1,3}\s+(?:år|års)\b"  # 15 år, 15 års
    rf"|\b(?:{_NUMBER_STEMS})\w*?-?år(?:ing|ig)\w*",  # femtonåringen
    re.IGNORECASE,
)
DAY = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b"  # 2018-01-09
    r"|\b\d{1,2}/\d{1,2}\b"  # 9/1
    rf"|(?<![–\-\d])\b\d{{1,2}}(?::[ae])?\s+(?:{_MONTHS})\b"  # 9 januari (not 1–31 januari)
    r"|\b(?:måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag|i går|i förrgår)\w*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SecrecyRules:
    """The local thresholds and word list (Settings)."""

    small_cell: int = 3  # a unit with fewer deviations in the month is a small cell
    min_unit_size: int = 10
    unit_sizes: Mapping[str, int] = field(default_factory=dict)
    words: tuple[str, ...] = ()  # local names and places


@dataclass(frozen=True)
class Flag:
    """Something in a text of the report that may identify a person: `where` is the field
    ("summary", "section:KEY", "detail:KEY"), `place` its heading, `found` the words (shown
    to the reviewer, never stored), `reason` why in Swedish."""

    kind: str
    where: str
    place: str
    found: str
    reason: str

    @property
    def kind_name(self) -> str:
        return FLAG_KINDS[self.kind]

    def recorded(self) -> dict[str, str]:
        """What the review's event keeps: the kind and the field, not the words."""
        return {"kind": self.kind, "where": self.where}


def _scan(where: str, place: str, text: str, rules: SecrecyRules) -> list[Flag]:
    flags = []
    for match in AGE.finditer(text):
        flags.append(Flag("age", where, place, match.group(0),
                          "Ser ut som en ålder: tillsammans med enhet och månad kan den peka "
                          "ut en person."))
    for match in DAY.finditer(text):
        flags.append(Flag("date", where, place, match.group(0),
                          "Ett datum eller en dag mer exakt än månaden."))
    for word in rules.words:
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            flags.append(Flag("name", where, place, match.group(0),
                              "Står i den lokala listan över namn och platser."))
    return flags


def review(
    text: Mapping[str, str], report_sections: list[dict[str, Any]], rules: SecrecyRules,
    labels: Mapping[str, str],
) -> list[Flag]:
    """What the reviewer must look at before the report is finalised: in every free text,
    words that look like ages, names or places of the local list, and dates more precise
    than the month; where case texts are included, the units they come from when the unit
    had fewer than `small_cell` deviations in the month or is smaller than `min_unit_size`.
    `labels`: the free text fields' names on the page."""
    flags: list[Flag] = []
    for name, label in labels.items():
        flags += _scan(name, label, text.get(name, ""), rules)
    for section in report_sections:
        key, heading = section["key"], section["heading"]
        flags += _scan(f"section:{key}", heading, section.get("text", ""), rules)
        detail = section.get("detail", "")
        if not detail:
            continue
        place = f"{heading} (ärende för ärende)"
        flags += _scan(f"detail:{key}", place, detail, rules)
        for unit in section.get("units", []):
            if unit["count"] < rules.small_cell:
                flags.append(Flag(
                    "small_cell", f"detail:{key}", place, unit["name"],
                    f"{unit['name']} hade {unit['count']} "
                    f"{'avvikelse' if unit['count'] == 1 else 'avvikelser'} i månaden "
                    f"(färre än {rules.small_cell}): ärendenas texter kan peka ut personer."))
            size = rules.unit_sizes.get(unit["code"])
            if size is not None and size < rules.min_unit_size:
                flags.append(Flag(
                    "small_unit", f"detail:{key}", place, unit["name"],
                    f"{unit['name']} är en liten enhet ({size}, färre än "
                    f"{rules.min_unit_size}): ärendenas texter kan peka ut personer."))
    return flags

