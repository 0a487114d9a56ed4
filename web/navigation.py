"""The main navigation, built from entries that each page module registers, so a new area
appears in the menu for exactly the roles that may open it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.people.accounts import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[Role]
    order: int


_ITEMS: dict[str, NavItem] = {}


def register(label: str, endpoint: str, roles: Iterable[Role], order: int = 50) -> None:
    """Idempotent (modules may be imported again by tests)."""
    _ITEMS[endpoint] = NavItem(label, endpoint, frozenset(roles), order)


def items_for(role: Role) -> list[NavItem]:
    return sorted((i for i in _ITEMS.values() if role in i.roles), key=lambda i: i.order)
