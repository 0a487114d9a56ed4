"""Handling a deviation on one page (web/pages/deviation_handling.py): the cause analysis,
one measure or why none is needed, the feedback and the closing, checked together and
saved together. The closing summary and the feedback have first drafts the person edits.
The same form stands open on the deviation's own page while nothing is handled yet."""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from flask_babel import lazy_gettext
from marshmallow import ValidationError, fields, validate, validates_schema

from events.deviation import Deviation
from events.tasks import deviation_next_task
from web.display import swedish_date
from web.schemas import SHORT_TEXT, BaseSchema, cause_codes, date, text, version

MEASURE = "atgard"
NO_MEASURE = "ingen"
DUE_IN_DAYS = 30  # the measure's suggested "klar senast"
# While the next step of a deviation is its cause analysis (open, not analysed), its page
# opens on this form, at this anchor; once an analysis is saved in steps, on its steps.
FIRST_STEP = "orsaksanalys"
ANCHOR = "hantera"
NO_CHOICE = lazy_gettext("Choose whether a measure is needed.")
NO_DESCRIPTION = lazy_gettext("Describe the measure, or choose that no measure is needed.")
NO_RESPONSIBLE = lazy_gettext("Enter who is responsible for the measure.")
NO_DUE_ON = lazy_gettext("Enter the date the measure is to be done by.")
NO_REASON = lazy_gettext("Write why no measure is needed.")
NO_FEEDBACK = lazy_gettext("Write the feedback to the person who reported the deviation.")
NO_SUMMARY = lazy_gettext("Write a closing summary.")


class Handling(BaseSchema):
    causes = cause_codes()
    analysis = text(metadata={"description": "Why it happened"})
    measure = fields.String(load_default=MEASURE, validate=validate.OneOf(
        (MEASURE, NO_MEASURE), error=NO_CHOICE))
    description = text(required=False)
    responsible = text(SHORT_TEXT, required=False)
    due_on = date(required=False, future=True)
    why_no_measure = text(required=False)
    message = text(required=False, metadata={"description": "The feedback to the reporter"})
    summary = text(required=False)
    expected_version = version()

    @validates_schema(skip_on_field_errors=False)
    def measure_or_reason(self, data: dict[str, Any], **_: Any) -> None:
        """A measure needs what, who and by when; "ingen åtgärd behövs" needs its reason."""
        errors: dict[str, list[str]] = {}
        if data.get("measure", MEASURE) == MEASURE:
            for name, message in (("description", NO_DESCRIPTION),
                                  ("responsible", NO_RESPONSIBLE), ("due_on", NO_DUE_ON)):
                if not data.get(name):
                    errors[name] = [str(message)]
        elif not data.get("why_no_measure"):
            errors["why_no_measure"] = [str(NO_REASON)]
        if errors:
            raise ValidationError(errors)


def stands_open(deviation: Deviation) -> bool:
    """Whether the deviation's page shows this form open in place of its first step."""
    return deviation_next_task(deviation) == FIRST_STEP


def step_anchor(step: str) -> str:
    """Where a link to a deviation's step lands for a person who handles it (the page's
    fragment): this form while it stands open in place of the first step."""
    return ANCHOR if step == FIRST_STEP else f"steg-{step}"


def feedback_draft(deviation: Deviation) -> str:
    """The first draft of the feedback: what the reporter wants to know, without names."""
    return (f"Tack för din rapport {deviation.number}. Vi har gått igenom vad som hände "
            f"och varför, och beslutat vad vi gör så att det inte händer igen.")


def summary_draft(data: dict[str, Any], cause_names: list[str]) -> str:
    """The closing summary drafted from the analysis and the measure (the person edits it)."""
    causes = ", ".join(cause_names).lower()
    lines = [f"Orsak ({causes}): {data['analysis']}"]
    if data.get("measure", MEASURE) == MEASURE:
        due: Date = data["due_on"]
        lines.append(f"Åtgärd: {data['description']} Ansvarig: {data['responsible']}, "
                     f"klar senast {swedish_date(due)}.")
    else:
        lines.append(f"Ingen åtgärd behövs: {data['why_no_measure']}")
    return "\n".join(lines)
