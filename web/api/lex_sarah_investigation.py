"""JSON API v1: the Lex Sarah investigation's findings in one operation, as on the one-page
form (/lex-sarah/<id>/utredning): one event per item, all saved or none."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tracker.people.accounts import Account
from web.api import endpoint
from web.api.lex_sarah import TAGS, LexSarahCaseSchema, _case
from web.cases.lex_sarah_investigation import InvestigationBody, investigation_items
from web.policy import LEX_SARAH_ROLES
from web.runtime import application


@endpoint(
    "/lex-sarah/<uuid:case_id>/findings/batch", method="POST",
    summary="Dokumentera flera uppgifter (och ej tillämpligt) i utredningen på en gång",
    roles=LEX_SARAH_ROLES, body=InvestigationBody, response=LexSarahCaseSchema, status=201,
    tags=TAGS,
)
def document_findings(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    """Each item is a finding (text, source, nature, date: today when left out) or, with
    `not_applicable_reason` instead, a required kind marked ej tillämpligt. The author and
    title are given once for all. Every item is saved as its own event in one transaction,
    or none is: an error names the item (`items.<index>.<field>`); 409 with `items.<index>.
    kind` when the case already covers that kind in a way the item contradicts."""
    app = application()
    app.document_investigation(
        case_id, actor=account.username, author=body["author"],
        author_title=body["author_title"], items=investigation_items(body, app.today()),
        expected_version=body.get("expected_version"),
    )
    return _case(case_id), 201
