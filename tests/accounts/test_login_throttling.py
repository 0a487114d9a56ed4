"""Throttling failed logins so that it cannot be turned against others: one account from
one address is held up for a growing while after five failed checks, one address after
fifty whatever the names; the right password from elsewhere always works, parallel
guesses cannot slip past the limit, and the admin's change list shows each block once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from flask import Flask
from support import PASSWORD

from tracker.admin import change_log
from tracker.people.accounts import ACCOUNT_THROTTLE, ADDRESS_THROTTLE, Account
from tracker.runtime import Runtime
from tracker.storage.tables import login_throttle
from web.sign_in.local import MAX_LOGIN_FAILURES

ATTACKER = {"REMOTE_ADDR": "10.1.1.1"}
ELSEWHERE = {"REMOTE_ADDR": "10.2.2.2"}


def post_login(app: Flask, username: str, password: str, where: dict[str, str]) -> int:
    return app.test_client().post(
        "/login", data={"username": username, "password": password}, environ_base=where
    ).status_code


def throttles(runtime: Runtime) -> list[change_log.Change]:
    return [c for c in change_log.changes(runtime.engine)[0] if c.action == "login.throttled"]


def test_failures_for_other_names_lock_nobody_out(
    app: Flask, users: dict[str, Account]
) -> None:
    """Five failures for made-up names from one address (S1) used to shut every password
    login at that address, and behind a proxy that was everyone."""
    for number in range(MAX_LOGIN_FAILURES):
        assert post_login(app, f"x{number}", "fel-fel-fel", ATTACKER) == 401
    assert post_login(app, "utvecklare", PASSWORD, ATTACKER) == 302
    assert post_login(app, "chef", PASSWORD, ATTACKER) == 302
    assert post_login(app, "lexsarah", PASSWORD, ELSEWHERE) == 302


def test_one_account_from_one_address_waits_a_growing_while(
    app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(MAX_LOGIN_FAILURES):
            assert post_login(app, "chef", "gissning1", ATTACKER) == 401
        # The next check is refused, even with the right password, from this address...
        refused = app.test_client().post(
            "/login", data={"username": "chef", "password": PASSWORD}, environ_base=ATTACKER
        )
        assert refused.status_code == 429
        assert "För många misslyckade inloggningar för det här kontot. Vänta en minut" in (
            refused.get_data(as_text=True))
        # ...but the person at their own computer signs in, and others from this address.
        assert post_login(app, "chef", PASSWORD, ELSEWHERE) == 302
        assert post_login(app, "utvecklare", PASSWORD, ATTACKER) == 302
        assert post_login(app, "chef", PASSWORD, ATTACKER) == 429

        # The block passes; the next five failures earn a block twice as long.
        clock.shift(ACCOUNT_THROTTLE.first_block + timedelta(seconds=1))
        for _ in range(MAX_LOGIN_FAILURES):
            assert post_login(app, "chef", "gissning2", ATTACKER) == 401
        assert post_login(app, "chef", PASSWORD, ATTACKER) == 429
        clock.shift(ACCOUNT_THROTTLE.first_block + timedelta(seconds=1))
        assert post_login(app, "chef", PASSWORD, ATTACKER) == 429
        clock.shift(ACCOUNT_THROTTLE.first_block)
        assert post_login(app, "chef", PASSWORD, ATTACKER) == 302

    # One entry per block in the change list, naming the account and the address.
    entries = throttles(runtime)
    assert len(entries) == 2
    assert [(c.subject, c.actor, c.source, c.after) for c in entries] == [
        ("chef", "10.1.1.1", "login",
         {"address": "10.1.1.1", "minutes": 2, "by": "kontot från adressen"}),
        ("chef", "10.1.1.1", "login",
         {"address": "10.1.1.1", "minutes": 1, "by": "kontot från adressen"}),
    ]


def test_a_right_password_wipes_the_accounts_failures(
    app: Flask, users: dict[str, Account]
) -> None:
    for _ in range(MAX_LOGIN_FAILURES - 1):
        assert post_login(app, "chef", "gissning1", ATTACKER) == 401
    assert post_login(app, "chef", PASSWORD, ATTACKER) == 302
    for _ in range(MAX_LOGIN_FAILURES):
        assert post_login(app, "chef", "gissning1", ATTACKER) == 401
    assert post_login(app, "chef", PASSWORD, ATTACKER) == 429


def test_one_address_trying_name_after_name_is_stopped(
    app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    for number in range(ADDRESS_THROTTLE.limit):
        assert post_login(app, f"namn{number}", "fel-fel-fel", ATTACKER) == 401
    answer = app.test_client().post(
        "/login", data={"username": "chef", "password": PASSWORD}, environ_base=ATTACKER
    )
    assert answer.status_code == 429
    assert "från din adress" in answer.get_data(as_text=True)
    assert post_login(app, "chef", PASSWORD, ELSEWHERE) == 302
    (entry,) = throttles(runtime)
    assert (entry.subject, entry.after) == (
        "10.1.1.1", {"address": "10.1.1.1", "minutes": 15, "by": "adressen"})


def test_the_typed_username_is_not_stored(
    app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    """People type their password into the username field: what they typed is kept only
    as a keyed hash, and in the change list only when it is an account's name."""
    typed = "mitt-hemliga-losen"
    for _ in range(MAX_LOGIN_FAILURES + 1):
        post_login(app, typed, "fel-fel-fel", ATTACKER)
    with runtime.engine.connect() as connection:
        keys = connection.execute(sa.select(login_throttle.c.key)).scalars().all()
    assert keys and not any(typed in key for key in keys)
    (entry,) = throttles(runtime)
    assert entry.subject == "(okänt användarnamn)" and typed not in str(entry.after)


def test_parallel_guesses_are_checked_at_most_the_limit(
    app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    """20 wrong passwords for one account at once: the check is claimed before the
    password is hashed, so at most the limit are checked (S14: 12 were)."""
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def guess(number: int) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(
            "/login", data={"username": "lexsarah", "password": f"gissning-{number}"},
            environ_base=ATTACKER,
        ).status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == MAX_LOGIN_FAILURES
    assert len(throttles(runtime)) == 1
