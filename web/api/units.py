"""JSON API v1: the units (enheter) a deviation can be filed for."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from tracker.people.accounts import Account
from web.api import endpoint
from web.runtime import runtime


class UnitOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    operation = fields.String(required=True, metadata={"enum": ["IFO", "HVB"]})


@endpoint("/units", summary="Aktiva enheter", response=UnitOut, many=True, tags=["units"])
def list_units(account: Account) -> list[dict[str, Any]]:
    """Every active unit with the operation (IFO or HVB) it belongs to."""
    return [
        {"code": u.code, "name": u.name, "operation": u.operation.value}
        for u in runtime().organisation.units()
    ]
