"""Domain errors. Each carries an English message template and its parameters so
the web layer can translate the template (Babel msgid) and fill in the values."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A command was refused because it would break a rule of the domain."""

    template: str = "The command was refused."

    def __init__(self, template: str | None = None, /, **params: Any) -> None:
        self.template = template or type(self).template
        self.params = params
        super().__init__(self.template % params if params else self.template)

    @property
    def message(self) -> str:
        return str(self)


class ValidationFailed(DomainError):
    """Input that breaks an invariant (dates, codes, required text)."""

    def __init__(self, field: str, template: str, /, **params: Any) -> None:
        self.field = field
        super().__init__(template, **params)


class UnknownCode(ValidationFailed):
    """A unit, category or subcategory code that the organisation data does not know."""


class StepOutOfOrder(DomainError):
    """A command that the case's current state does not allow yet (or any more)."""


class CaseClosed(StepOutOfOrder):
    template = "The case is closed; reopen it first."


class CaseWithdrawn(StepOutOfOrder):
    template = "The deviation was withdrawn (filed in error); it cannot be changed."


class AlreadyRecorded(StepOutOfOrder):
    """A fact that may be recorded only once (a breach, a decision, an IVO report)."""
