"""Users, roles and API tokens: SQL rows with hashed secrets, never events."""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from events.errors import UnknownCode, ValidationFailed
from tracker.tables import api_tokens, login_failures, user_units, users

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10


class Role(enum.Enum):
    RAPPORTOR = "rapportor"
    ENHETSCHEF = "enhetschef"
    FORSTE_SOCIALSEKRETERARE = "forste_socialsekreterare"
    VERKSAMHETSUTVECKLARE = "verksamhetsutvecklare"
    LEX_SARAH_ANSVARIG = "lex_sarah_ansvarig"
    ADMIN = "admin"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    units: frozenset[str] = field(default_factory=frozenset)
    must_change_password: bool = False
    active: bool = True
    email: str | None = None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _account(self, connection: sa.Connection, row: sa.Row) -> Account:
        codes = connection.execute(
            sa.select(user_units.c.unit_code).where(user_units.c.user_id == row.id)
        ).scalars()
        return Account(
            row.id,
            row.username,
            Role(row.role),
            frozenset(codes),
            row.must_change_password,
            row.active,
            row.email,
        )

    def add(
        self,
        username: str,
        role: Role,
        password: str,
        *,
        units: frozenset[str] | set[str] = frozenset(),
        must_change_password: bool = False,
        email: str | None = None,
    ) -> Account:
        if not USERNAME.match(username):
            raise ValidationFailed(
                "username",
                "Usernames are 2-64 characters: lower-case letters, digits, '.', '_' or '-'.",
            )
        check_password(password)
        with self.engine.begin() as connection:
            if connection.execute(
                sa.select(users.c.id).where(users.c.username == username)
            ).first():
                raise ValidationFailed("username", "The user %(name)s exists.", name=username)
            user_id = connection.execute(
                users.insert().values(
                    username=username,
                    password_hash=generate_password_hash(password),
                    role=role.value,
                    must_change_password=must_change_password,
                    active=True,
                    email=email,
                    created_at=datetime.now(UTC),
                )
            ).inserted_primary_key[0]  # type: ignore[index]  # None only for non-INSERTs
            if units:
                connection.execute(
                    user_units.insert(), [{"user_id": user_id, "unit_code": u} for u in units]
                )
        return self.get(username)

    def get(self, username: str) -> Account:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None:
                raise UnknownCode("username", "Unknown user: %(name)s", name=username)
            return self._account(connection, row)

    def get_by_id(self, user_id: int) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.id == user_id)).first()
            return None if row is None else self._account(connection, row)

    def all(self) -> list[Account]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(users).order_by(users.c.username)).all()
            return [self._account(connection, row) for row in rows]

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()

    def authenticate(self, username: str, password: str) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
            if (
                row is None
                or not row.active
                or not check_password_hash(row.password_hash, password)
            ):
                return None
            return self._account(connection, row)

    def set_password(self, username: str, password: str) -> None:
        check_password(password)
        with self.engine.begin() as connection:
            connection.execute(
                users.update()
                .where(users.c.username == username)
                .values(password_hash=generate_password_hash(password), must_change_password=False)
            )

    def set_units(self, username: str, unit_codes: set[str]) -> None:
        account = self.get(username)
        with self.engine.begin() as connection:
            connection.execute(user_units.delete().where(user_units.c.user_id == account.id))
            if unit_codes:
                connection.execute(
                    user_units.insert(),
                    [{"user_id": account.id, "unit_code": u} for u in sorted(unit_codes)],
                )

    def set_email(self, username: str, email: str | None) -> None:
        """The address notifications go to (None: no e-mail)."""
        with self.engine.begin() as connection:
            connection.execute(
                users.update().where(users.c.username == username).values(email=email or None)
            )

    def set_active(self, username: str, active: bool) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                users.update().where(users.c.username == username).values(active=active)
            )

    # --- API tokens --------------------------------------------------------------------

    def create_token(self, username: str) -> str:
        account = self.get(username)
        token = "trk_" + secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(
                api_tokens.insert().values(
                    user_id=account.id, token_hash=_hash_token(token), created_at=datetime.now(UTC)
                )
            )
        return token

    def account_for_token(self, token: str) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(users)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == _hash_token(token))
                .where(api_tokens.c.revoked_at.is_(None))
                .where(users.c.active.is_(True))
            ).first()
            return None if row is None else self._account(connection, row)

    def revoke_tokens(self, username: str) -> int:
        account = self.get(username)
        with self.engine.begin() as connection:
            return connection.execute(
                api_tokens.update()
                .where(api_tokens.c.user_id == account.id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount

    # --- login rate limiting -----------------------------------------------------------

    def record_login_failure(self, username: str, remote_addr: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                login_failures.insert().values(
                    username=username[:64], remote_addr=remote_addr[:64], at=datetime.now(UTC)
                )
            )

    def recent_login_failures(self, username: str, remote_addr: str, window: timedelta) -> int:
        since = datetime.now(UTC) - window
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count())
                .select_from(login_failures)
                .where(login_failures.c.at >= since)
                .where(
                    sa.or_(
                        login_failures.c.username == username[:64],
                        login_failures.c.remote_addr == remote_addr[:64],
                    )
                )
            ).scalar_one()

    def clear_login_failures(self, username: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(login_failures.delete().where(login_failures.c.username == username))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "password", "Passwords need at least %(n)d characters.", n=MIN_PASSWORD_LENGTH
        )
