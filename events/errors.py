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


class Inconsistent(ValidationFailed):
    """A value valid on its own that does not fit the case (a date before the case's own
    dates, a measure it does not have, the classification it already has) or another value
    of the same command: the API answers 409 on the field, not 422 (the request is well
    formed by the API document; the stored state refuses it)."""


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


class DeadlinePassed(StepOutOfOrder):
    """An extension asked for after the deadline it would extend: the breach stands."""

    template = (
        "The deadline (%(deadline)s) has passed: an extension must be decided no later than "
        "the last day. The missed deadline is recorded as a deviation; follow it up there."
    )

    def __init__(self, *, deadline: str, deviation_id: object | None = None) -> None:
        self.deviation_id = deviation_id
        super().__init__(deadline=deadline)


class Phrases(tuple[str, ...]):
    """Several English phrases as one message parameter; the web layer translates each."""

    def __str__(self) -> str:
        return ", ".join(self)


class InvestigationIncomplete(StepOutOfOrder):
    """A Lex Sarah decision before every required finding kind is covered."""

    template = (
        "The investigation does not yet cover: %(missing)s. Document a finding of each, or "
        "mark it not applicable (ej tillämpligt) with a reason."
    )

    def __init__(self, missing: list[str], descriptions: list[str]) -> None:
        self.missing = missing  # the finding kinds' codes
        super().__init__(missing=Phrases(descriptions))


class EscalatedImportedDeviations(StepOutOfOrder):
    """An import undo that would withdraw deviations escalated to Lex Sarah since."""

    template = (
        "The import cannot be undone: these deviations led to a Lex Sarah investigation: "
        "%(numbers)s. Such a deviation cannot be withdrawn. Nothing was changed."
    )
    field = "deviations"

    def __init__(self, numbers: list[str]) -> None:
        self.numbers = numbers
        super().__init__(numbers=Numbers(numbers))


class Numbers(tuple[str, ...]):
    """Case numbers as one message parameter: listed as they are, never translated."""

    def __str__(self) -> str:
        return ", ".join(self)
