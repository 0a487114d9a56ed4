"""JSON API v1: Sök ärendenummer. The same search as the page /sok, within the token's
person's scope: an exact number they may open comes back as `exact`; a case they may not
open answers exactly like an unknown number."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from tracker.people.accounts import Account
from web.api import endpoint
from web.pages.search import case_url, find
from web.schemas import SearchQuery

KINDS = ["deviation", "child_report", "lex_sarah", "complaint"]


class SearchHitOut(Schema):
    kind = fields.String(required=True, metadata={"enum": KINDS})
    id = fields.UUID(required=True)
    number = fields.String(required=True)
    unit = fields.String(required=True, allow_none=True, metadata={
        "description": "Null: a complaint whose unit is not known yet"})
    case_reference = fields.String(required=True, allow_none=True, metadata={
        "description": "The deviation's or child report's case reference (diarienummer)"})
    matched = fields.String(required=True, metadata={"enum": ["number", "case_reference"]})
    url = fields.String(required=True, metadata={"description": "The case's page"})


class SearchOut(Schema):
    exact = fields.Nested(SearchHitOut, required=True, allow_none=True, metadata={
        "description": "The case the search names by its whole number, when you may open it"})
    results = fields.List(fields.Nested(SearchHitOut), required=True)
    more = fields.Boolean(required=True, metadata={
        "description": "More cases matched than are listed: search more precisely"})


def _out(hit: dict[str, Any]) -> dict[str, Any]:
    return hit | {"url": case_url(hit)}


@endpoint("/search", summary="Sök ärende på nummer eller ärendereferens", query=SearchQuery,
          response=SearchOut, tags=["search"])
def search(account: Account, query: dict[str, Any]) -> dict[str, Any]:
    """Cases whose number or case reference contains `q`, among those the token's person
    may open (the same scope as their lists); at most 50."""
    exact, result = find(account, query["q"])
    return {
        "exact": None if exact is None else _out(exact),
        "results": [_out(hit) for hit in result.hits],
        "more": result.more,
    }
