"""The password policy (NIST SP 800-63B, NCSC): 10 to 128 characters, not one of the
common passwords (also with digits or punctuation around it), not a run of keys, not the
username, not the current one; the current password is asked for to change it. One rule,
with its reason in Swedish, for the page, the command line and the admin's resets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from support import PASSWORD, TrackerRunner

from tracker.people.accounts import Account, check_password, common_passwords
from tracker.runtime import Runtime

REFUSED = {
    "1234567890": "ett av de vanligaste",
    "aaaaaaaaaa": "ett av de vanligaste",
    "qwertyuiop": "ett av de vanligaste",
    "lösenord123": "ett av de vanligaste",
    "Sommar2026!": "ett av de vanligaste",
    "password1234": "ett av de vanligaste",
    "abcdefghijk": "en följd av tangenter",
    "zyxwvutsrq!": "en följd av tangenter",
    "ababababababab": "samma tecken upprepat",
    "forste-1234-x": "innehålla användarnamnet",
    "x" * 129: "högst 128 tecken",
    "kort-ord": "minst 10 tecken",
}


def change(client: FlaskClient, new: str, current: str = PASSWORD) -> tuple[int, str]:
    answer = client.post("/konto/losenord", data={
        "current_password": current, "password": new, "password_again": new})
    return answer.status_code, answer.get_data(as_text=True)


def test_the_current_password_is_asked_for(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    client = client_for("forste")
    page = client.get("/konto/losenord").get_data(as_text=True)
    assert 'name="current_password"' in page and "Nuvarande lösenord" in page
    status, html = change(client, "ett-eget-langt-losen", current="gissat-losenord")
    assert status == 422
    assert "Det nuvarande lösenordet stämmer inte." in html
    assert runtime.accounts.verify_password("forste", PASSWORD)
    status, html = change(client, PASSWORD)
    assert status == 422
    assert "Det nya lösenordet får inte vara samma som det nuvarande." in html
    status, _ = change(client, "ett-eget-langt-losen")
    assert status == 302
    assert runtime.accounts.verify_password("forste", "ett-eget-langt-losen")


@pytest.mark.parametrize(("password", "reason"), REFUSED.items(), ids=list(range(len(REFUSED))))
def test_weak_passwords_are_refused_with_the_reason(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, password: str, reason: str
) -> None:
    status, html = change(client_for("forste"), password)
    assert status == 422
    assert reason in html, html
    assert runtime.accounts.verify_password("forste", PASSWORD)


def test_long_phrases_pass() -> None:
    for good in ("korrekt häst batteri", "tre-blå-kaffekoppar", "Ölandsbron 6 km lång!",
                 "x" * 5 + "y-z" * 41):
        check_password(good, username="forste")
    assert len(common_passwords()) > 5000


def test_the_command_line_follows_the_policy(runner: TrackerRunner, runtime: Runtime) -> None:
    weak = runner.invoke(["user", "add", "nykomling", "--role", "rapportor",
                          "--password-stdin"], input="1234567890\n")
    assert weak.exit_code == 1
    assert "among the most common" in weak.output
    assert runtime.accounts.find("nykomling") is None
    named = runner.invoke(["user", "add", "nykomling", "--role", "rapportor",
                           "--password-stdin"], input="nykomling-2026-x\n")
    assert named.exit_code == 1 and "username" in named.output
    good = runner.invoke(["user", "add", "nykomling", "--role", "rapportor",
                          "--password-stdin"], input="tre-blå-kaffekoppar\n")
    assert good.exit_code == 0, good.output


def test_a_one_time_password_from_the_admin_must_be_replaced(
    client_for: Callable[[str], FlaskClient], users: dict[str, Account], runtime: Runtime
) -> None:
    admin = client_for("admin")
    page = admin.post("/admin/anvandare/forste/losenord").get_data(as_text=True)
    one_time = page.split('<code class="secret">')[1].split("<")[0]
    client = client_for("rapportor")  # any browser; log in as forste with the new password
    client.post("/logout")
    assert client.post("/login", data={"username": "forste", "password": one_time}
                       ).location == "/konto/losenord"
    page = client.get("/konto/losenord").get_data(as_text=True)
    assert "Engångslösenordet" in page
    status, html = change(client, one_time, current=one_time)
    assert status == 422 and "får inte vara samma som det nuvarande" in html
    status, html = change(client, "ett-eget-langt-losen", current="fel-engangslosen")
    assert status == 422 and "Engångslösenordet stämmer inte." in html
    status, _ = change(client, "ett-eget-langt-losen", current=one_time)
    assert status == 302
    assert not runtime.accounts.get("forste").must_change_password
