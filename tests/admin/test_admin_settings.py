"""The admin's read-only view of the settings in force (/admin/installningar): every
variable of the README's configuration table with its value, the secrets never shown."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from support import PASSWORD, make_app

from tracker.config import Settings
from tracker.people.accounts import Role
from tracker.runtime import open_runtime

README = Path(__file__).resolve().parents[2] / "README.md"
SECRETS = {
    "TRACKER_SECRET_KEY": "hemlig-sessionsnyckel-" + "x" * 20,
    "TRACKER_OIDC_CLIENT_SECRET": "hemlig-klient",
    "TRACKER_SMTP_PASSWORD": "hemligt-smtp-losenord",
}


def configured_variables() -> set[str]:
    """The variables the README's "Configuration" table documents."""
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {name for row in section.splitlines() if row.startswith("| `TRACKER_")
            for name in re.findall(r"`(TRACKER_[A-Z_]+)`", row.split("|")[1])}


def test_every_setting_is_shown_and_no_secret(environ: dict[str, str]) -> None:
    variables = configured_variables()
    assert len(variables) >= 35
    env = environ | SECRETS | {
        "TRACKER_OIDC_ISSUER": "https://idp.kommun.example", "TRACKER_OIDC_CLIENT_ID": "tracker",
        "TRACKER_SMTP_HOST": "smtp.kommun.example", "TRACKER_SMTP_USER": "avvikelser",
        "TRACKER_COMMITTEE_NAME": "Individ- och familjenämnden",
    }
    runtime = open_runtime(Settings.from_env(env))
    try:
        runtime.accounts.add("admin", Role.ADMIN, PASSWORD)
        app: Flask = make_app(runtime)
        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": PASSWORD})
        page = client.get("/admin/installningar").get_data(as_text=True)
    finally:
        runtime.close()
    shown = set(re.findall(r"TRACKER_[A-Z_]+", page))
    assert sorted(variables - shown) == []
    for secret in SECRETS.values():
        assert secret not in page
    assert "Individ- och familjenämnden" in page and "avvikelser, lösenord satt" in page
