"""Who may do what: the one place the web pages and the JSON API ask. Roles as in
DOMAIN.md; an enhetschef is limited to their own units. The domain decides whether an
action is allowed in the case's state; this module only decides who may ask."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from projections.queries import SearchScope
from tracker.people.access import CHILD_REPORT_ROLES as CHILD_REPORT_ROLES
from tracker.people.access import COMPLAINT_ROLES as COMPLAINT_ROLES
from tracker.people.access import LEX_SARAH_ROLES as LEX_SARAH_ROLES
from tracker.people.access import SEES_ALL_DEVIATIONS, in_scope, opens_deviation, own_reporter
from tracker.people.access import child_report_scope as child_report_scope
from tracker.people.access import complaint_scope as complaint_scope
from tracker.people.access import opens_child_report as opens_child_report
from tracker.people.access import opens_complaint as opens_complaint
from tracker.people.access import opens_lex_sarah as opens_lex_sarah
from tracker.people.access import reaches_unit as reaches_unit
from tracker.people.accounts import Account, Role

EVERY_ROLE: frozenset[Role] = frozenset(Role)
# Reviewers handle deviations (the inbox); the Lex Sarah role reads them for its investigations.
REVIEWERS: frozenset[Role] = frozenset({Role.ENHETSCHEF, Role.VERKSAMHETSUTVECKLARE})
# Who may set `reported_on` (paper reports, importing earlier years).
BACKDATES_REPORTS: frozenset[Role] = frozenset({Role.VERKSAMHETSUTVECKLARE, Role.ADMIN})

# The report to the committee (Rapport till nämnden) shows every deviation of the month
# with what happened, the cause analysis and the measures: for those who see every unit's
# deviations anyway. The verksamhetsutvecklare drafts, edits and finalises it (DOMAIN.md:
# the monthly reports are theirs); the Lex Sarah-ansvarig reads it. The admin (users,
# units, taxonomy) reads no case content, so neither this report.
READS_COMMITTEE_REPORT: frozenset[Role] = frozenset(
    {Role.VERKSAMHETSUTVECKLARE, Role.LEX_SARAH_ANSVARIG}
)
WRITES_COMMITTEE_REPORT: frozenset[Role] = frozenset({Role.VERKSAMHETSUTVECKLARE})
# The annual section of the kvalitetsberättelse: counts and charts, no case content.
READS_ANNUAL_SECTION: frozenset[Role] = READS_COMMITTEE_REPORT | {Role.ADMIN}

# The administration: users, units, the taxonomy, the settings in force, the e-mail sent
# (Utskick) and the läslogg's search. No case content.
ADMINISTERS: frozenset[Role] = frozenset({Role.ADMIN})
# Gallring: the retention rules, the plan, holds (numbers and dates, no case content).
MANAGES_RETENTION: frozenset[Role] = ADMINISTERS
# "Vem har läst ärendet" on a case page (the admin reads the same in the läslogg's search).
SEES_CASE_READERS: frozenset[Role] = frozenset({Role.VERKSAMHETSUTVECKLARE, Role.ADMIN})
# Importing earlier years' figures and rows (page and API); the menu offers it to the
# verksamhetsutvecklare, the admin reaches it from Administration.
IMPORTS_HISTORY: frozenset[Role] = frozenset({Role.ADMIN, Role.VERKSAMHETSUTVECKLARE})
IMPORT_IN_MENU: frozenset[Role] = frozenset({Role.VERKSAMHETSUTVECKLARE})
# Bevakning: the child reports' clocks and the Lex Sarah cases' clocks.
SEES_BOARD: frozenset[Role] = CHILD_REPORT_ROLES | LEX_SARAH_ROLES

# Deviation actions (web.cases.deviations.ACTIONS) -> roles allowed to ask for them (an
# enhetschef only in their units).
DEVIATION_ACTIONS: dict[str, frozenset[Role]] = {
    "reclassify": frozenset({Role.VERKSAMHETSUTVECKLARE}),
    "analyse_cause": REVIEWERS,
    "add_measure": REVIEWERS,
    "record_no_measures_needed": REVIEWERS,
    "complete_measure": REVIEWERS,
    "plan_measure": REVIEWERS,
    "reject_measure": REVIEWERS,
    "schedule_follow_up": REVIEWERS,
    "follow_up_measure": REVIEWERS,
    "assess_risk": REVIEWERS,
    # The verksamhetsutvecklare sees every unit: the one who knows where a case belongs.
    "move_to_unit": frozenset({Role.VERKSAMHETSUTVECKLARE}),
    "give_feedback": REVIEWERS,
    "record_feedback_impossible": REVIEWERS,
    "escalate": frozenset({Role.VERKSAMHETSUTVECKLARE}),
    "close": REVIEWERS,
    "reopen": REVIEWERS,
    "withdraw": REVIEWERS,
}
# The case's file (web/casework/): who asks the reporter, records the outcome told to them
# and handles every attachment, per kind of case (an enhetschef only in their own units, as
# for the case itself). The person who reported it answers and attaches their own files.
HANDLES_CASE_FILE: dict[str, frozenset[Role]] = {
    "deviation": REVIEWERS,
    "lex_sarah": LEX_SARAH_ROLES,
    "child_report": CHILD_REPORT_ROLES,
    "complaint": COMPLAINT_ROLES,
}
# Klagomål och synpunkter (web.cases.complaints.ACTIONS) -> roles allowed to ask (an
# enhetschef only for their units' complaints). The verksamhetsutvecklare keeps the inbox:
# registers what came by phone, letter or visit, routes, and escalates to Lex Sarah; the
# unit's enhetschef investigates and answers.
REGISTERS_COMPLAINTS: frozenset[Role] = frozenset({Role.VERKSAMHETSUTVECKLARE})
COMPLAINT_ACTIONS: dict[str, frozenset[Role]] = {
    "acknowledge": REVIEWERS,
    "route": frozenset({Role.VERKSAMHETSUTVECKLARE}),
    "answer": REVIEWERS,
    "open_deviation": REVIEWERS,
    "link_deviation": REVIEWERS,
    "escalate": frozenset({Role.VERKSAMHETSUTVECKLARE}),
    "close": REVIEWERS,
}


def can_act_on_complaint(account: Account, action: str, unit: str | None) -> bool:
    return account.role in COMPLAINT_ACTIONS[action] and opens_complaint(account, unit)


# Whoever may ask for at least one deviation action.
ACTS_ON_DEVIATIONS: frozenset[Role] = frozenset().union(*DEVIATION_ACTIONS.values())


class HasUnit(Protocol):
    unit: str
    reporter: str


def unit_scope(account: Account) -> Collection[str] | None:
    """Units the account's list views are limited to; None = every unit."""
    if account.role in SEES_ALL_DEVIATIONS:
        return None
    if account.role is Role.ENHETSCHEF:
        return account.units
    return frozenset()


def can_view_deviation(account: Account, deviation: HasUnit) -> bool:
    return opens_deviation(account, deviation.unit, deviation.reporter)


def sees_handling(account: Account, deviation: HasUnit) -> bool:
    """Whether the account reads the deviation's handling (cause analysis, measures and who
    is responsible, reasons, the whole history): reviewers in scope do; the person who only
    reported it sees their own text, the status, the feedback and the outcome."""
    return in_scope(account, deviation.unit)


def can_act(account: Account, action: str, deviation: HasUnit) -> bool:
    return account.role in DEVIATION_ACTIONS[action] and in_scope(account, deviation.unit)


def allowed_actions(account: Account, deviation: HasUnit) -> set[str]:
    return {action for action in DEVIATION_ACTIONS if can_act(account, action, deviation)}


# "Hantera och avsluta" (web/pages/deviation_handling.py) runs each of these commands.
HANDLING_COMMANDS: tuple[str, ...] = (
    "analyse_cause", "add_measure", "record_no_measures_needed", "give_feedback", "close"
)


def handles_deviation(account: Account, deviation: HasUnit) -> bool:
    """Whether the account handles the deviation on one page: it may ask for every command
    the page runs (an enhetschef in their units, the verksamhetsutvecklare)."""
    return can_view_deviation(account, deviation) and all(
        can_act(account, command, deviation) for command in HANDLING_COMMANDS)


# What the person responsible for a measure may do on the measure's own page, whatever
# their role and unit (DOMAIN.md: the owner carries it out and follows it up). They read
# that measure only: not the deviation's text, analysis or other measures.
# Who may be responsible for measures, and so list theirs (Åtgärder, its API): everyone
# but the admin, who reads no case content.
HOLDS_MEASURES: frozenset[Role] = EVERY_ROLE - {Role.ADMIN}
MEASURE_OWNER_ACTIONS: frozenset[str] = frozenset(
    {"complete_measure", "schedule_follow_up", "follow_up_measure"}
)


def owns_measure(account: Account, responsible: str) -> bool:
    """The measure's responsible is exactly this account's username, as Att göra matches
    it (a free-text befattning matches nobody: the unit's reviewers act on those). Not the
    admin, who reads no case content."""
    return responsible == account.username and account.role is not Role.ADMIN


def opens_measure(account: Account, unit: str, responsible: str) -> bool:
    return in_scope(account, unit) or owns_measure(account, responsible)


def can_act_on_measure(
    account: Account, action: str, deviation: HasUnit, responsible: str
) -> bool:
    if can_act(account, action, deviation):
        return True
    return action in MEASURE_OWNER_ACTIONS and owns_measure(account, responsible)


# Rollups are counts across every unit: for the roles that see every deviation.
REPORT_ROLES: frozenset[Role] = frozenset({Role.VERKSAMHETSUTVECKLARE, Role.LEX_SARAH_ANSVARIG})


def search_scope(account: Account) -> SearchScope:
    """What "Sök ärendenummer" may find: what the account's lists show and its case pages
    open (opens_deviation, opens_child_report, opens_lex_sarah), never more."""
    in_child_roles = account.role in CHILD_REPORT_ROLES
    return SearchScope(
        deviation_units=unit_scope(account),
        deviation_reporter=own_reporter(account),
        child_report_units=child_report_scope(account) if in_child_roles else frozenset(),
        child_report_handler=account.username,
        lex_sarah=opens_lex_sarah(account),
        complaint_units=complaint_scope(account),
    )


def opens_search_hit(account: Account, hit: dict[str, Any]) -> bool:
    """The case page's own rule, asked again of every hit before it is shown."""
    if hit["kind"] == "deviation":
        return opens_deviation(account, hit["unit"], hit["reporter"])
    if hit["kind"] == "child_report":
        return opens_child_report(account, hit["unit"], hit["handler"])
    if hit["kind"] == "complaint":
        return opens_complaint(account, hit["unit"])
    return opens_lex_sarah(account)
