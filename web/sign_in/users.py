"""Who is signed in: Flask-Login's view of an account and the role guard for pages, and what
both ways of signing in share (the session keys, the safe page to go on to)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, session, url_for
from flask_login import LoginManager, current_user, login_user

from tracker.people.accounts import Account, Accounts, Role
from web.runtime import runtime

F = TypeVar("F", bound=Callable[..., Any])

SIGNED_IN_WITH = "signed_in_with"  # session key: "oidc" when the provider signed the person in
SESSION_ID = "sid"  # session key: the server-side session (tracker.people.accounts), ended there

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Logga in för att fortsätta."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


class User:
    """Flask-Login's view of an Account (the account itself is an immutable row)."""

    def __init__(self, account: Account) -> None:
        self.account = account

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.account.active

    def get_id(self) -> str:
        return str(self.account.id)

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def role(self) -> Role:
        return self.account.role

    def has_role(self, *roles: Role) -> bool:
        return self.account.role in roles


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed cookie names the user and the server-side session; the session must be
    live (not ended by logout, a password or role change or deactivation; not idle or old)
    and belong to that user."""
    session_id = session.get(SESSION_ID)
    if not isinstance(session_id, str):
        return None
    account = accounts().account_for_session(session_id)
    if account is None or str(account.id) != user_id:
        return None
    return User(account)


def start_session(account: Account, *, via: str | None = None) -> None:
    """Sign ACCOUNT in on a fresh session: the old cookie's contents (and its CSRF token)
    go, a new server-side session starts."""
    session.clear()
    if via is not None:
        session[SIGNED_IN_WITH] = via
    session[SESSION_ID] = accounts().start_session(account)
    login_user(User(account))


def accounts() -> Accounts:
    return runtime().accounts


def current_account() -> Account:
    return current_user.account


def roles_required(roles: Iterable[Role]) -> Callable[[F], F]:
    """Logged in (else to the login page) and one of `roles` (else 403)."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]  # same signature as F: wraps() copies it

    return decorator


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login would be a phishing aid.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


ID_TOKEN_KEY = "oidc_id_token"  # noqa: S105 - a session key, not a secret
