"""The admin tests make many accounts: hash their passwords cheaply (the stored hash names
its method, so checking still works)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash


def _quick_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.accounts.generate_password_hash", _quick_hash)
