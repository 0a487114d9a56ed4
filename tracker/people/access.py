"""Which roles reach which case pages. The web layer enforces these rules (web/policy.py
takes them from here); the notifier uses them so that a mail links
only to a page its recipient can open."""

from __future__ import annotations

from collections.abc import Collection

from tracker.people.accounts import RESERVED_USERNAMES, Account, Role

# Every unit's deviations.
SEES_ALL_DEVIATIONS: frozenset[Role] = frozenset(
    {Role.VERKSAMHETSUTVECKLARE, Role.LEX_SARAH_ANSVARIG}
)
LEX_SARAH_ROLES: frozenset[Role] = frozenset({Role.LEX_SARAH_ANSVARIG, Role.VERKSAMHETSUTVECKLARE})
CHILD_REPORT_ROLES: frozenset[Role] = frozenset(
    {Role.FORSTE_SOCIALSEKRETERARE, Role.ENHETSCHEF, Role.VERKSAMHETSUTVECKLARE}
)


def in_scope(account: Account, unit: str) -> bool:
    """Whether the account's role reaches this unit's deviations at all."""
    if account.role in SEES_ALL_DEVIATIONS:
        return True
    return account.role is Role.ENHETSCHEF and unit in account.units


def own_reporter(account: Account) -> str | None:
    """The reporter name of the account's own reports. None for an account that somehow
    bears a system actor's name: what the system filed (reporter "scheduler") is nobody's."""
    return None if account.username in RESERVED_USERNAMES else account.username


def opens_deviation(account: Account, unit: str, reporter: str | None) -> bool:
    """The reporter opens their own (see own_reporter); the rest by unit scope."""
    own = reporter is not None and reporter == own_reporter(account)
    return own or in_scope(account, unit)


def child_report_scope(account: Account) -> Collection[str] | None:
    """Units whose child reports the account reaches; None = all. An enhetschef sees only
    their own units; the 1:e socialsekreterare and the quality developer see every unit."""
    if account.role is Role.ENHETSCHEF:
        return account.units
    return None


def reaches_unit(account: Account, unit: str) -> bool:
    scope = child_report_scope(account)
    return scope is None or unit in scope


def opens_child_report(account: Account, unit: str, handler: str | None = None) -> bool:
    """The roles that work with child reports, in their units; and the report's own
    handler, whatever their role (a socialsekreterare is often a rapportör here), who reads
    it but leaves its steps to those roles."""
    if handler is not None and handler == account.username:
        return True
    return account.role in CHILD_REPORT_ROLES and reaches_unit(account, unit)


def opens_lex_sarah(account: Account) -> bool:
    return account.role in LEX_SARAH_ROLES


# Klagomål och synpunkter: the roles that read every deviation read every complaint (the
# verksamhetsutvecklare keeps the inbox); an enhetschef those of their own units, once the
# sender named the unit or the complaint was routed there.
COMPLAINT_ROLES: frozenset[Role] = SEES_ALL_DEVIATIONS | {Role.ENHETSCHEF}


def complaint_scope(account: Account) -> Collection[str] | None:
    """Units whose complaints the account reaches; None = every complaint, also those
    without a unit."""
    if account.role in SEES_ALL_DEVIATIONS:
        return None
    if account.role is Role.ENHETSCHEF:
        return account.units
    return frozenset()


def opens_complaint(account: Account, unit: str | None) -> bool:
    scope = complaint_scope(account)
    return scope is None or (unit is not None and unit in scope)
