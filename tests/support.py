"""What every test folder shares besides fixtures: the users, their password and small
helpers. Import it as `from support import ...` (tests/ is on sys.path: pytest puts the
root conftest's folder there). The fixtures themselves live in tests/conftest.py."""

from __future__ import annotations

from datetime import date

from tracker.accounts import Role

PASSWORD = "korrekt-hast-batteri"
# One user per role; two unit managers with different units.
USERS: dict[str, tuple[Role, frozenset[str]]] = {
    "rapportor": (Role.RAPPORTOR, frozenset()),
    "chef": (Role.ENHETSCHEF, frozenset({"utredning"})),
    "chef_hvb": (Role.ENHETSCHEF, frozenset({"hvb-notgarden"})),
    "forste": (Role.FORSTE_SOCIALSEKRETERARE, frozenset()),
    "utvecklare": (Role.VERKSAMHETSUTVECKLARE, frozenset()),
    "lexsarah": (Role.LEX_SARAH_ANSVARIG, frozenset()),
    "admin": (Role.ADMIN, frozenset()),
}
ROLES = list(USERS)


def iso(day: date) -> str:
    return day.isoformat()
