"""JSON API v1: the cause list (orsaker) a cause analysis chooses its codes from."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from tracker.people.accounts import Account
from web.api import endpoint
from web.runtime import runtime


class CauseOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


@endpoint("/causes", summary="Orsaker att välja i en orsaksanalys", response=CauseOut,
          many=True, tags=["causes"])
def list_causes(account: Account) -> list[dict[str, Any]]:
    """The active causes of the organisation's current cause list, in its order."""
    return [{"code": c.code, "name": c.name} for c in runtime().organisation.causes().active()]
