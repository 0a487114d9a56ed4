"""Users, roles and API tokens: SQL rows with hashed secrets, never events."""

from __future__ import annotations

import contextlib
import enum
import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from events.errors import UnknownCode, ValidationFailed
from tracker.generations import ACCOUNTS, CachedMap, Generations
from tracker.tables import api_tokens, login_failures, user_units, users

# '@' too: a provider's username claim is often an e-mail-like UPN (anna.a@kommun.se).
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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


@dataclass(frozen=True)
class ApiToken:
    """A token's public facts: the secret itself is shown once and stored only hashed."""

    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def check_email(email: str | None) -> str | None:
    email = (email or "").strip() or None
    if email is not None and (len(email) > 200 or not EMAIL.match(email)):
        raise ValidationFailed("email", "Not a valid e-mail address: %(value)s", value=email)
    return email


# last_used_at is written at most this often per token: an API client polling every
# second must not turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=5)


@dataclass(frozen=True)
class _TokenUse:
    account: Account
    token_id: int
    last_used_at: datetime | None


class Accounts:
    """Every method takes an optional `connection`, so that a caller can make a change and
    record it in the change log in one transaction (tracker.administration).

    API tokens are looked up in a per-process cache that every change to accounts or
    tokens invalidates, in every process (tracker/generations.py): a revoked token or a
    deactivated account is refused at the next request."""

    def __init__(self, engine: sa.Engine, generations: Generations | None = None) -> None:
        self.engine = engine
        self.generations = generations or Generations(engine)
        self._tokens: CachedMap[_TokenUse | None] = CachedMap(self.generations, ACCOUNTS)

    @contextlib.contextmanager
    def _begin(self, connection: sa.Connection | None) -> Iterator[sa.Connection]:
        if connection is not None:
            yield connection
        else:
            with self.engine.begin() as own:
                yield own

    @contextlib.contextmanager
    def _writing(self, connection: sa.Connection | None) -> Iterator[sa.Connection]:
        """A write transaction (or the caller's) that invalidates every process's cache."""
        with self._begin(connection) as connection:
            self.generations.bump(connection, ACCOUNTS)
            yield connection

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
        password: str | None,
        *,
        units: frozenset[str] | set[str] = frozenset(),
        must_change_password: bool = False,
        email: str | None = None,
        connection: sa.Connection | None = None,
    ) -> Account:
        """`password=None`: an account that signs in only through the provider (OIDC)."""
        if not USERNAME.match(username):
            raise ValidationFailed(
                "username",
                "Usernames are 2-64 characters: lower-case letters, digits, '.', '_', '@' or '-'.",
            )
        if password is not None:
            check_password(password)
        email = check_email(email)
        # No password: a random one nobody knows, so the column stays simple.
        password_hash = generate_password_hash(
            password if password is not None else secrets.token_urlsafe(32)
        )
        with self._writing(connection) as connection:
            if connection.execute(
                sa.select(users.c.id).where(users.c.username == username)
            ).first():
                raise ValidationFailed("username", "The user %(name)s exists.", name=username)
            user_id = connection.execute(
                users.insert().values(
                    username=username,
                    password_hash=password_hash,
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
            return self.get(username, connection=connection)

    def get(self, username: str, *, connection: sa.Connection | None = None) -> Account:
        with self._begin(connection) as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None:
                raise UnknownCode("username", "Unknown user: %(name)s", name=username)
            return self._account(connection, row)

    def find(self, username: str) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
            return None if row is None else self._account(connection, row)

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

    def set_password(
        self,
        username: str,
        password: str,
        *,
        must_change: bool = False,
        connection: sa.Connection | None = None,
    ) -> None:
        """`must_change`: a one-time password, good only for choosing a new one."""
        check_password(password)
        with self._writing(connection) as connection:
            connection.execute(
                users.update()
                .where(users.c.username == username)
                .values(
                    password_hash=generate_password_hash(password),
                    must_change_password=must_change,
                )
            )

    def set_units(
        self, username: str, unit_codes: set[str], *, connection: sa.Connection | None = None
    ) -> None:
        with self._writing(connection) as connection:
            account = self.get(username, connection=connection)
            connection.execute(user_units.delete().where(user_units.c.user_id == account.id))
            if unit_codes:
                connection.execute(
                    user_units.insert(),
                    [{"user_id": account.id, "unit_code": u} for u in sorted(unit_codes)],
                )

    def set_role(
        self, username: str, role: Role, *, connection: sa.Connection | None = None
    ) -> None:
        with self._writing(connection) as connection:
            connection.execute(
                users.update().where(users.c.username == username).values(role=role.value)
            )

    def set_email(
        self, username: str, email: str | None, *, connection: sa.Connection | None = None
    ) -> None:
        email = check_email(email)
        with self._writing(connection) as connection:
            connection.execute(
                users.update().where(users.c.username == username).values(email=email)
            )

    def set_active(
        self, username: str, active: bool, *, connection: sa.Connection | None = None
    ) -> None:
        with self._writing(connection) as connection:
            connection.execute(
                users.update().where(users.c.username == username).values(active=active)
            )

    # --- API tokens --------------------------------------------------------------------

    def create_token(
        self, username: str, name: str = "", *, connection: sa.Connection | None = None
    ) -> str:
        """A new token for USERNAME; returns the secret, which is never stored."""
        name = name.strip()
        if len(name) > 100:
            raise ValidationFailed("name", "At most %(n)d characters are allowed.", n=100)
        token = "trk_" + secrets.token_urlsafe(32)
        with self._writing(connection) as connection:
            account = self.get(username, connection=connection)
            connection.execute(
                api_tokens.insert().values(
                    user_id=account.id,
                    token_hash=_hash_token(token),
                    created_at=datetime.now(UTC),
                    name=name or None,
                )
            )
        return token

    def account_for_token(self, token: str) -> Account | None:
        """The active account a live token belongs to; notes the token's use."""
        now = datetime.now(UTC)
        token_hash = _hash_token(token)
        use = self._tokens.get(token_hash, lambda: self._token_use(token_hash))
        if use is None:
            return None
        last = use.last_used_at
        if last is None or now - last >= LAST_USED_PRECISION:
            # Not a change anyone caches: no generation bump, the cached use is updated.
            with self.engine.begin() as connection:
                connection.execute(
                    api_tokens.update()
                    .where(api_tokens.c.id == use.token_id)
                    .values(last_used_at=now)
                )
            self._tokens.put(token_hash, _TokenUse(use.account, use.token_id, now))
        return use.account

    def _token_use(self, token_hash: str) -> _TokenUse | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == token_hash)
                .where(api_tokens.c.revoked_at.is_(None))
                .where(users.c.active.is_(True))
            ).first()
            if row is None:
                return None
            return _TokenUse(self._account(connection, row), row.token_id, _aware(row.last_used_at))

    def tokens(
        self, username: str | None = None, *, connection: sa.Connection | None = None
    ) -> list[ApiToken]:
        """Tokens (newest first) of one user, or of everybody."""
        query = (
            sa.select(api_tokens, users.c.username)
            .join(users, users.c.id == api_tokens.c.user_id)
            .order_by(api_tokens.c.created_at.desc(), api_tokens.c.id.desc())
        )
        if username is not None:
            query = query.where(users.c.username == username)
        now = datetime.now(UTC)
        with self._begin(connection) as connection:
            return [
                ApiToken(
                    row.id, row.username, row.name or "", _aware(row.created_at) or now,
                    _aware(row.last_used_at), _aware(row.revoked_at),
                )
                for row in connection.execute(query)
            ]

    def token(self, token_id: int, *, connection: sa.Connection | None = None) -> ApiToken:
        for found in self.tokens(connection=connection):
            if found.id == token_id:
                return found
        raise UnknownCode("token", "Unknown token: %(id)s", id=token_id)

    def revoke_token(self, token_id: int, *, connection: sa.Connection | None = None) -> bool:
        """True when the token was live and is now revoked."""
        with self._writing(connection) as connection:
            return bool(
                connection.execute(
                    api_tokens.update()
                    .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                    .values(revoked_at=datetime.now(UTC))
                ).rowcount
            )

    def revoke_tokens(self, username: str, *, connection: sa.Connection | None = None) -> int:
        with self._writing(connection) as connection:
            account = self.get(username, connection=connection)
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


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "password", "Passwords need at least %(n)d characters.", n=MIN_PASSWORD_LENGTH
        )
