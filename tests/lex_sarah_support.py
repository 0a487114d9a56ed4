"""Helpers for tests that need a Lex Sarah investigation complete enough to decide: every
kind SOSFS 2011:5 requires gets "ej tillämpligt" unless the test documented it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from events.lex_sarah import LexSarahCase

TITLE = "Kvalitetsutvecklare"


def cover_remaining_kinds(case: LexSarahCase, actor: str = "ls") -> None:
    """On the aggregate: mark each still uncovered required kind not applicable."""
    for kind in case.uncovered_kinds():
        case.mark_not_applicable(
            kind=kind, reason="Inte aktuellt i det här ärendet.", author=actor,
            author_title=TITLE, actor=actor,
        )


def cover_remaining_kinds_in(app: Any, case_id: UUID, actor: str = "ls") -> None:
    """Through the application, one command per kind."""
    for kind in app.get_lex_sarah_case(case_id).uncovered_kinds():
        app.mark_finding_not_applicable(
            case_id, actor=actor, kind=kind, reason="Inte aktuellt i det här ärendet.",
            author=actor, author_title=TITLE,
        )
