"""Administrative changes to users, API tokens, units and the taxonomy: the one place the
admin pages, the CLI and the sign-in through the provider make them, so they share the
rules and every change lands in the change log (tracker.admin.change_log) in the same
transaction as the change itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from events.errors import ValidationFailed
from events.retention import ContentKind
from events.taxonomy import Operation
from tracker.admin import change_log, ivo_categories, retention_rules
from tracker.admin.ivo_categories import IvoCategories
from tracker.admin.organisation import (
    Organisation,
    add_category,
    add_subcategory,
    rename_code,
    set_category_active,
    taxonomy_to_document,
)
from tracker.admin.retention_rules import RetentionRules
from tracker.people.accounts import Account, Accounts, Role, one_time_password
from tracker.storage.tables import users

KEEP: Any = object()  # change_user: leave this attribute as it is


def _user_facts(account: Account) -> dict[str, Any]:
    return {
        "role": account.role.value,
        "units": sorted(account.units),
        "email": account.email,
        "active": account.active,
    }


class Administration:
    """Changes made by `actor` through `source` ("web", "cli" or "oidc")."""

    def __init__(
        self,
        engine: sa.Engine,
        accounts: Accounts,
        organisation: Organisation,
        *,
        actor: str,
        source: str,
    ) -> None:
        self.engine = engine
        self.accounts = accounts
        self.organisation = organisation
        self.actor = actor
        self.source = source

    @classmethod
    def of(cls, runtime: Any, *, actor: str, source: str) -> Administration:
        """From a tracker.runtime.Runtime (typed loosely: the runtime imports us not)."""
        return cls(
            runtime.engine, runtime.accounts, runtime.organisation, actor=actor, source=source
        )

    def _record(
        self,
        connection: sa.Connection,
        action: str,
        subject: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        change_log.record(
            connection, actor=self.actor, source=self.source, action=action,
            subject=subject, before=before, after=after,
        )

    # --- users ---------------------------------------------------------------------------

    def _check_units(self, codes: Iterable[str], connection: sa.Connection) -> set[str]:
        found = set()
        for code in codes:
            unit = self.organisation.any_unit(code, connection=connection)
            if not unit.active:
                raise ValidationFailed("units", "The unit %(code)s is inactive.", code=code)
            found.add(code)
        return found

    def _other_active_admins(self, username: str, connection: sa.Connection) -> int:
        return connection.execute(
            sa.select(sa.func.count())
            .select_from(users)
            .where(users.c.role == Role.ADMIN.value)
            .where(users.c.active.is_(True))
            .where(users.c.username != username)
        ).scalar_one()

    def _keep_an_admin(self, account: Account, connection: sa.Connection) -> None:
        if (
            account.role is Role.ADMIN
            and account.active
            and self._other_active_admins(account.username, connection) == 0
        ):
            raise ValidationFailed(
                "role", "%(name)s is the only active administrator.", name=account.username
            )

    def add_user(
        self,
        username: str,
        role: Role,
        *,
        units: Iterable[str] = (),
        email: str | None = None,
        password: str | None = None,
        provider_only: bool = False,
    ) -> tuple[Account, str | None]:
        """A new account; without `password` it gets a one-time password (returned), to be
        changed at first login. `provider_only`: no password at all; the person signs in
        through the provider, whose first sign-in under this username is linked to it."""
        username = username.strip().lower()
        one_time = None
        if password is None and not provider_only:
            one_time = one_time_password(username)
        with self.engine.begin() as connection:
            codes = self._check_units(units, connection)
            account = self.accounts.add(
                username, role, password if password is not None else one_time,
                units=codes, must_change_password=one_time is not None, email=email,
                connection=connection,
            )
            self._record(connection, "user.added", account.username, None, _user_facts(account))
        return account, one_time

    def provision(
        self,
        username: str,
        *,
        email: str | None,
        role: Role,
        identity: tuple[str, str] | None = None,
    ) -> Account:
        """An account for someone signing in through the provider for the first time: no
        password of its own, no units (any employee may file a deviation); linked to the
        provider's (issuer, subject) when given."""
        with self.engine.begin() as connection:
            account = self.accounts.add(
                username, role, None, email=email, connection=connection
            )
            if identity is not None:
                self.accounts.link_identity(username, *identity, connection=connection)
            self._record(
                connection, "user.signed_in_first", username, None, _user_facts(account)
            )
        return account

    def change_user(
        self,
        username: str,
        *,
        role: Role | None = None,
        units: Iterable[str] | None = None,
        email: str | None = KEEP,
        action: str = "user.changed",
    ) -> Account:
        """Change any of role, units and e-mail (left out = as it is; email=None clears the
        address). Records only what actually changed."""
        with self.engine.begin() as connection:
            account = self.accounts.get(username, connection=connection)
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            if role is not None and role is not account.role:
                if account.role is Role.ADMIN:
                    self._keep_an_admin(account, connection)
                self.accounts.set_role(username, role, connection=connection)
                before["role"], after["role"] = account.role.value, role.value
            if units is not None:
                codes = set(units)
                if codes != set(account.units):
                    # Units that are already inactive may stay; only new ones must be active.
                    self._check_units(codes - set(account.units), connection)
                    self.accounts.set_units(username, codes, connection=connection)
                    before["units"], after["units"] = sorted(account.units), sorted(codes)
            if email is not KEEP:
                new_email = (email or "").strip() or None
                if new_email != account.email:
                    self.accounts.set_email(username, new_email, connection=connection)
                    before["email"], after["email"] = account.email, new_email
            if after:
                self._record(connection, action, username, before, after)
            return self.accounts.get(username, connection=connection)

    def set_user_active(self, username: str, active: bool) -> Account:
        with self.engine.begin() as connection:
            account = self.accounts.get(username, connection=connection)
            if account.active == active:
                return account
            if not active:
                self._keep_an_admin(account, connection)
            self.accounts.set_active(username, active, connection=connection)
            before: dict[str, Any] = {"active": account.active}
            after: dict[str, Any] = {"active": active}
            if not active:
                # Someone who leaves takes no live token with them: coming back, they make new
                # ones (a reactivation must not bring old secrets back to life).
                revoked = self.accounts.revoke_tokens(username, connection=connection)
                if revoked:
                    before["live_tokens"], after["live_tokens"] = revoked, 0
            self._record(
                connection, "user.activated" if active else "user.deactivated", username,
                before, after,
            )
            return self.accounts.get(username, connection=connection)

    def reset_password(self, username: str) -> str:
        """A new one-time password (returned once, never logged): the person must choose
        their own at the next login. A reset is what an admin does after a suspected
        compromise, so it also ends every session and revokes every API token (each
        revocation in the change list): nothing the old password opened stays open."""
        password = one_time_password(username)
        with self.engine.begin() as connection:
            account = self.accounts.get(username, connection=connection)
            self.accounts.set_password(username, password, must_change=True, connection=connection)
            self._record(
                connection, "user.password_reset", username,
                {"must_change_password": account.must_change_password},
                {"must_change_password": True},
            )
            self._revoke_live_tokens(username, connection)
        return password

    def remove_password(self, username: str) -> None:
        """The account signs in through the provider only; its next sign-in there links it
        to that person (web.sign_in.oidc). Ends its sessions and revokes its tokens, like a
        reset."""
        with self.engine.begin() as connection:
            self.accounts.get(username, connection=connection)
            self.accounts.remove_password(username, connection=connection)
            self._record(
                connection, "user.password_removed", username,
                {"password": True}, {"password": False},
            )
            self._revoke_live_tokens(username, connection)

    def link_identity(self, username: str, issuer: str, subject: str) -> None:
        """The provider's person (issuer, subject) signs in as USERNAME from now on."""
        with self.engine.begin() as connection:
            self.accounts.link_identity(username, issuer, subject, connection=connection)
            self._record(
                connection, "user.provider_linked", username, None, {"issuer": issuer}
            )

    # --- API tokens ----------------------------------------------------------------------

    def create_token(self, username: str, name: str = "") -> str:
        with self.engine.begin() as connection:
            secret = self.accounts.create_token(username, name, connection=connection)
            token = self.accounts.tokens(username, connection=connection)[0]
            self._record(
                connection, "token.created", username, None,
                {"token": token.id, "name": token.name},
            )
        return secret

    def revoke_token(self, token_id: int, *, owner: str | None = None) -> bool:
        """Revoke one token (of `owner` only, when given: a person revokes their own)."""
        with self.engine.begin() as connection:
            token = self.accounts.token(token_id, connection=connection)
            if owner is not None and token.username != owner:
                raise ValidationFailed("token", "Unknown token: %(id)s", id=token_id)
            revoked = self.accounts.revoke_token(token_id, connection=connection)
            if revoked:
                self._record(
                    connection, "token.revoked", token.username,
                    {"token": token.id, "name": token.name, "active": True},
                    {"token": token.id, "name": token.name, "active": False},
                )
        return revoked

    def revoke_all_tokens(self, username: str) -> int:
        with self.engine.begin() as connection:
            return self._revoke_live_tokens(username, connection)

    def _revoke_live_tokens(self, username: str, connection: sa.Connection) -> int:
        live = [t for t in self.accounts.tokens(username, connection=connection) if t.active]
        for token in live:
            self.accounts.revoke_token(token.id, connection=connection)
            self._record(
                connection, "token.revoked", username,
                {"token": token.id, "name": token.name, "active": True},
                {"token": token.id, "name": token.name, "active": False},
            )
        return len(live)

    # --- units ---------------------------------------------------------------------------

    def add_unit(self, code: str, name: str, operation: Operation) -> None:
        with self.engine.begin() as connection:
            unit = self.organisation.add_unit(code, name, operation, connection=connection)
            self._record(
                connection, "unit.added", unit.code, None,
                {"name": unit.name, "operation": unit.operation.value},
            )

    def rename_unit(self, code: str, name: str) -> None:
        with self.engine.begin() as connection:
            before = self.organisation.any_unit(code, connection=connection)
            self.organisation.rename_unit(code, name, connection=connection)
            after = self.organisation.any_unit(code, connection=connection)
            if after.name != before.name:
                self._record(
                    connection, "unit.renamed", code, {"name": before.name}, {"name": after.name}
                )

    def move_unit(self, code: str, operation: Operation) -> None:
        with self.engine.begin() as connection:
            before = self.organisation.any_unit(code, connection=connection)
            if before.operation is operation:
                return
            self.organisation.move_unit(code, operation, connection=connection)
            self._record(
                connection, "unit.moved", code,
                {"operation": before.operation.value}, {"operation": operation.value},
            )

    def set_unit_active(self, code: str, active: bool) -> None:
        with self.engine.begin() as connection:
            before = self.organisation.any_unit(code, connection=connection)
            if before.active == active:
                return
            self.organisation.set_unit_active(code, active, connection=connection)
            self._record(
                connection, "unit.activated" if active else "unit.deactivated", code,
                {"active": before.active}, {"active": active},
            )

    # --- taxonomy (every change is a new version) ----------------------------------------

    def _taxonomy(
        self,
        change: Callable[[dict[str, Any]], None],
        action: str,
        subject: str,
        facts: Callable[[dict[str, Any]], dict[str, Any] | None],
    ) -> int:
        with self.engine.begin() as connection:
            current = self.organisation.taxonomy(connection=connection)
            before = facts(taxonomy_to_document(current))
            published = self.organisation.change_taxonomy(
                change, self.actor, connection=connection
            )
            after = facts(taxonomy_to_document(published)) or {}
            self._record(
                connection, action, subject,
                None if before is None else before | {"version": current.version},
                after | {"version": published.version},
            )
            return published.version

    def add_category(self, code: str, name: str) -> int:
        return self._taxonomy(
            add_category(code, name), "taxonomy.category_added", code.strip(),
            lambda doc: _code_facts(doc, code.strip()),
        )

    def add_subcategory(self, category: str, code: str, name: str) -> int:
        return self._taxonomy(
            add_subcategory(category, code, name), "taxonomy.subcategory_added", code.strip(),
            lambda doc: _code_facts(doc, code.strip()),
        )

    def rename_taxonomy(self, code: str, name: str) -> int:
        return self._taxonomy(
            rename_code(code, name), "taxonomy.renamed", code,
            lambda doc: _code_facts(doc, code),
        )

    def set_category_active(self, code: str, active: bool) -> int:
        """A category, or one subcategory, (de)activated."""
        is_sub = "category" in (
            _code_facts(taxonomy_to_document(self.organisation.taxonomy()), code) or {}
        )
        kind = "subcategory_" if is_sub else ""
        return self._taxonomy(
            set_category_active(code, active),
            f"taxonomy.{kind}activated" if active else f"taxonomy.{kind}deactivated",
            code,
            lambda doc: _code_facts(doc, code),
        )

    # --- IVO's categories (every change is a new version) ---------------------------------

    def publish_ivo_categories(self, mapping: IvoCategories) -> int:
        with self.engine.begin() as connection:
            current = self.organisation.ivo_categories()
            published = self.organisation.publish_ivo_categories(
                mapping, self.actor, connection=connection
            )
            self._record(
                connection, "ivo_categories.published", "ivo_categories",
                ivo_categories.to_document(current) | {"version": current.version},
                ivo_categories.to_document(published) | {"version": published.version},
            )
            return published.version

    # --- retention rules (every change is a new version of the set) -----------------------

    def set_retention_rule(
        self,
        kind: ContentKind,
        *,
        keep: bool = False,
        amount: int | None = None,
        unit: retention_rules.Unit | None = None,
        point: retention_rules.Point | None = None,
    ) -> retention_rules.Rule:
        """Set one kind's rule (a period from a point, or keep): no longer a proposal."""
        with self.engine.begin() as connection:
            current = self.organisation.retention_rules(connection=connection)
            before = current.rule(kind)
            rule = retention_rules.checked_rule(
                before, keep=keep, amount=amount, unit=unit, point=point
            )
            published = self.organisation.publish_retention_rules(
                RetentionRules(current.version, current.rules | {kind: rule}), self.actor,
                connection=connection,
            )
            self._record(
                connection, "retention.rule_changed", rule.label,
                retention_rules.rule_to_document(before) | {"set_version": current.version},
                retention_rules.rule_to_document(rule) | {"set_version": published.version},
            )
            return published.rule(kind)


def _code_facts(document: dict[str, Any], code: str) -> dict[str, Any] | None:
    """Name (and, for a category, whether it is active) of a code in a taxonomy document."""
    for category in document["categories"]:
        if category["code"] == code:
            return {"name": category["name"], "active": category["active"]}
        for sub in category["subcategories"]:
            if sub["code"] == code:
                return {"name": sub["name"], "category": category["code"],
                        "active": sub.get("active", True)}
    return None
