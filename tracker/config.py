"""Configuration from the environment (TRACKER_*), one place for every process."""

from __future__ import annotations

import json
import os
import secrets
import string
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# The 4x4 matrix of Socialstyrelsen's handbook on risk analysis, lowest level first.
PROBABILITY_LABELS = ("Mycket liten", "Liten", "Stor", "Mycket stor")
CONSEQUENCE_LABELS = ("Mindre", "Måttlig", "Betydande", "Katastrofal")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def _time(value: str | None, default: time) -> time:
    return time.fromisoformat(value) if value else default


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value.strip()) if value and value.strip() else None


@dataclass(frozen=True)
class Settings:
    """Every knob, read once from the environment. See the table in README.md."""

    database_url: str
    instance_path: Path
    secret_key: str
    cipher_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 5000
    protection_cutoff: time = time(16, 0)
    scan_interval_minutes: int = 15
    warning_days: int = 3
    recurrence_threshold: int = 3
    # Risk assessment (events.risk): the labels of levels 1-4, and the score (probability x
    # consequence) from which a Lex Sarah investigation is suggested.
    risk_probability_labels: tuple[str, ...] = PROBABILITY_LABELS
    risk_consequence_labels: tuple[str, ...] = CONSEQUENCE_LABELS
    risk_lex_sarah_score: int = 12
    ivo_target_days: int = 14
    file_protection_deviations: bool = False
    sunday_rule: bool = False
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "avvikelser@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    base_url: str = "http://127.0.0.1:5000"
    notify_developers: bool = False
    notify_max_attempts: int = 8
    digest_recipients: dict[str, str] = field(default_factory=dict)
    embedded_workers: bool = True
    catch_up_seconds: float = 2.0  # how long a page waits for the views to reach its writes
    # Heading block of the report to the committee (Rapport till nämnden).
    committee_name: str = "Socialnämnden"
    administration_name: str = "Socialförvaltningen"
    report_author_title: str = "Verksamhetsutvecklare"
    # The committee's form: every fixed word of the report's documents (COMMITTEE_FORM keys).
    committee_form: dict[str, str] = field(default_factory=lambda: dict(COMMITTEE_FORM))
    # Secrecy review (OSL 26 kap.) of case texts in documents for the committee.
    secrecy_small_cell: int = 3  # a unit with fewer deviations in the month is a small cell
    secrecy_min_unit_size: int = 10  # units with fewer places/clients (unit sizes below)
    secrecy_unit_sizes: dict[str, int] = field(default_factory=dict)
    secrecy_words: tuple[str, ...] = ()  # local names and places that identify someone
    # identity: sign-in through the municipality's OpenID Connect provider, the access log.
    base_url_set: bool = False  # TRACKER_BASE_URL given (else base_url is host:port)
    local_login: bool = True
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_username_claim: str = "preferred_username"
    oidc_role_claim: str | None = None
    oidc_role_map: dict[str, str] = field(default_factory=dict)
    access_log_days: int = 3650
    # Gallring: the scheduler erases what the retention rules make due, once a day.
    retention_enabled: bool = False
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* are believed
    # A signed-in session ends after this long unused, and this long after signing in.
    session_idle_minutes: int = 480
    session_max_hours: int = 12
    # Inhabitants per year, for the Lex Sarah figures per 100,000 inhabitants.
    population: dict[int, int] = field(default_factory=dict)
    # operations: where the scheduler writes the event chain's head each day (outside the
    # database), how far the views may lag for /readyz, who may read /metrics.
    chain_head_file: Path | None = None
    ready_max_lag: int = 1000
    metrics_token: str | None = None
    # The accessibility statement (tillgänglighetsredogörelse, /tillganglighet): who stands
    # behind the service, how to reach them, when they last reviewed the statement.
    municipality_name: str = ""
    accessibility_email: str = ""
    accessibility_phone: str = ""
    accessibility_reviewed_on: date | None = None
    attachment_max_mb: int = 10  # the largest attachment taken, in MB
    # Klagomål och synpunkter: targets in working days from the day one came in.
    complaint_acknowledge_days: int = 2
    complaint_answer_days: int = 15

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        instance = Path(env.get("TRACKER_INSTANCE_PATH") or Path.cwd() / "instance").resolve()
        url = env.get("TRACKER_DATABASE_URL") or f"sqlite:///{instance / 'tracker.sqlite3'}"
        return cls(
            database_url=url,
            instance_path=instance,
            secret_key=env.get("TRACKER_SECRET_KEY") or _instance_secret(instance),
            cipher_key=env.get("TRACKER_CIPHER_KEY") or None,
            host=env.get("TRACKER_HOST", "127.0.0.1"),
            port=int(env.get("TRACKER_PORT", "5000")),
            protection_cutoff=_time(env.get("TRACKER_PROTECTION_CUTOFF"), time(16, 0)),
            scan_interval_minutes=int(env.get("TRACKER_SCAN_INTERVAL_MINUTES", "15")),
            warning_days=int(env.get("TRACKER_WARNING_DAYS", "3")),
            recurrence_threshold=int(env.get("TRACKER_RECURRENCE_THRESHOLD", "3")),
            risk_probability_labels=_labels(
                env.get("TRACKER_RISK_PROBABILITY_LABELS"), PROBABILITY_LABELS,
                "TRACKER_RISK_PROBABILITY_LABELS"),
            risk_consequence_labels=_labels(
                env.get("TRACKER_RISK_CONSEQUENCE_LABELS"), CONSEQUENCE_LABELS,
                "TRACKER_RISK_CONSEQUENCE_LABELS"),
            risk_lex_sarah_score=_score(env.get("TRACKER_RISK_LEX_SARAH_SCORE")),
            ivo_target_days=int(env.get("TRACKER_IVO_TARGET_DAYS", "14")),
            file_protection_deviations=_bool(env.get("TRACKER_FILE_PROTECTION_DEVIATIONS"), False),
            sunday_rule=_bool(env.get("TRACKER_SUNDAY_RULE"), False),
            smtp_host=env.get("TRACKER_SMTP_HOST") or None,
            smtp_port=int(env.get("TRACKER_SMTP_PORT", "25")),
            smtp_sender=env.get("TRACKER_SMTP_SENDER", "avvikelser@localhost"),
            smtp_user=env.get("TRACKER_SMTP_USER") or None,
            smtp_password=env.get("TRACKER_SMTP_PASSWORD") or None,
            base_url=(env.get("TRACKER_BASE_URL") or _default_base_url(env)).rstrip("/"),
            notify_developers=_bool(env.get("TRACKER_NOTIFY_DEVELOPERS"), False),
            notify_max_attempts=int(env.get("TRACKER_NOTIFY_MAX_ATTEMPTS", "8")),
            digest_recipients=_recipients(env.get("TRACKER_DIGEST_RECIPIENTS", "")),
            embedded_workers=_bool(env.get("TRACKER_EMBEDDED_WORKERS"), True),
            catch_up_seconds=float(env.get("TRACKER_CATCH_UP_SECONDS", "2")),
            committee_name=env.get("TRACKER_COMMITTEE_NAME") or "Socialnämnden",
            administration_name=env.get("TRACKER_ADMINISTRATION_NAME") or "Socialförvaltningen",
            report_author_title=env.get("TRACKER_REPORT_AUTHOR_TITLE") or "Verksamhetsutvecklare",
            committee_form=committee_form(env.get("TRACKER_COMMITTEE_FORM", "")),
            secrecy_small_cell=int(env.get("TRACKER_SECRECY_SMALL_CELL", "3")),
            secrecy_min_unit_size=int(env.get("TRACKER_SECRECY_MIN_UNIT_SIZE", "10")),
            secrecy_unit_sizes={
                code: int(size)
                for code, size in _recipients(env.get("TRACKER_SECRECY_UNIT_SIZES", "")).items()
            },
            secrecy_words=tuple(
                word.strip() for word in env.get("TRACKER_SECRECY_WORDS", "").split(",")
                if word.strip()
            ),
            base_url_set=bool(env.get("TRACKER_BASE_URL")),
            local_login=_bool(env.get("TRACKER_LOCAL_LOGIN"), True),
            oidc_issuer=(env.get("TRACKER_OIDC_ISSUER") or "").rstrip("/") or None,
            oidc_client_id=env.get("TRACKER_OIDC_CLIENT_ID") or None,
            oidc_client_secret=env.get("TRACKER_OIDC_CLIENT_SECRET") or None,
            oidc_username_claim=env.get("TRACKER_OIDC_USERNAME_CLAIM") or "preferred_username",
            oidc_role_claim=env.get("TRACKER_OIDC_ROLE_CLAIM") or None,
            oidc_role_map=_recipients(env.get("TRACKER_OIDC_ROLE_MAP", "")),
            access_log_days=int(env.get("TRACKER_ACCESS_LOG_DAYS", "3650")),
            retention_enabled=_bool(env.get("TRACKER_RETENTION_ENABLED"), False),
            trusted_proxies=int(env.get("TRACKER_TRUSTED_PROXIES", "0")),
            session_idle_minutes=int(env.get("TRACKER_SESSION_IDLE_MINUTES", "480")),
            session_max_hours=int(env.get("TRACKER_SESSION_MAX_HOURS", "12")),
            population=_population(env.get("TRACKER_POPULATION", "")),
            chain_head_file=Path(
                env.get("TRACKER_CHAIN_HEAD_FILE") or instance / "event-chain-heads.log"
            ),
            ready_max_lag=int(env.get("TRACKER_READY_MAX_LAG", "1000")),
            metrics_token=env.get("TRACKER_METRICS_TOKEN") or None,
            municipality_name=env.get("TRACKER_MUNICIPALITY_NAME", "").strip(),
            accessibility_email=env.get("TRACKER_ACCESSIBILITY_EMAIL", "").strip(),
            accessibility_phone=env.get("TRACKER_ACCESSIBILITY_PHONE", "").strip(),
            accessibility_reviewed_on=_date(env.get("TRACKER_ACCESSIBILITY_REVIEWED_ON")),
            attachment_max_mb=int(env.get("TRACKER_ATTACHMENT_MAX_MB", "10")),
            complaint_acknowledge_days=int(env.get("TRACKER_COMPLAINT_ACKNOWLEDGE_DAYS", "2")),
            complaint_answer_days=int(env.get("TRACKER_COMPLAINT_ANSWER_DAYS", "15")),
        )

    @property
    def attachment_max_bytes(self) -> int:
        return self.attachment_max_mb * 1024 * 1024

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(unquote(urlsplit(self.database_url).path))

    @property
    def postgres_schema(self) -> str | None:
        """`?schema=NAME` on a PostgreSQL URL keeps every table in that schema."""
        values = parse_qs(urlsplit(self.database_url).query).get("schema")
        return values[0] if values else None

    def sqlalchemy_url(self) -> str:
        if self.is_sqlite:
            return f"sqlite+pysqlite:///{self.sqlite_path}"
        parts = urlsplit(self.database_url)
        return parts._replace(scheme="postgresql+psycopg", query="").geturl()

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's own variables, derived from ours."""
        # The cache fast-forwards from the store on every get, so it is never stale; it
        # spares replaying hot aggregates (the number series) on every filing.
        env: dict[str, str] = {"CREATE_TABLE": "y", "AGGREGATE_CACHE_MAXSIZE": "1000"}
        # The store's recorder also links each event into the hash chain (its transaction).
        recorder = "ChainedSQLiteRecorder" if self.is_sqlite else "ChainedPostgresRecorder"
        env["APPLICATION_RECORDER_TOPIC"] = f"tracker.storage.chain:{recorder}"
        if self.is_sqlite:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        else:
            parts = urlsplit(self.database_url)
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": parts.path.lstrip("/"),
                "POSTGRES_HOST": parts.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(parts.port or 5432),
                "POSTGRES_USER": unquote(parts.username or ""),
                "POSTGRES_PASSWORD": unquote(parts.password or ""),
                "POSTGRES_POOL_SIZE": "5",
                "POSTGRES_MAX_OVERFLOW": "10",
                "POSTGRES_LOCK_TIMEOUT": "5",
            }
            if self.postgres_schema:
                env["POSTGRES_SCHEMA"] = self.postgres_schema
        if self.cipher_key:
            env |= {
                "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
                "CIPHER_KEY": self.cipher_key,
                "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
            }
        return env


def _labels(value: str | None, default: tuple[str, ...], name: str) -> tuple[str, ...]:
    """'a,b,c,d' -> the four levels' names, lowest first."""
    if not value:
        return default
    labels = tuple(label.strip() for label in value.split(","))
    if len(labels) != len(default) or not all(labels):
        raise ValueError(f"{name}: give {len(default)} names separated by commas, lowest first")
    return labels


def _score(value: str | None) -> int:
    score = int(value) if value else 12
    if not 1 <= score <= 16:
        raise ValueError("TRACKER_RISK_LEX_SARAH_SCORE: a score from 1 to 16")
    return score


def _default_base_url(env: dict[str, str]) -> str:
    """Where `tracker serve` listens: right for one machine, set TRACKER_BASE_URL otherwise."""
    return f"http://{env.get('TRACKER_HOST', '127.0.0.1')}:{env.get('TRACKER_PORT', '5000')}"


# The words of the committee's form (the tjänsteskrivelse), copied into each draft so that a
# finalised report keeps the words it was finalised with. Placeholders in braces are filled
# from the report; a municipality overrides any of them (TRACKER_COMMITTEE_FORM, JSON).
COMMITTEE_FORM: dict[str, str] = {
    "kind": "TJÄNSTESKRIVELSE",
    "author_label": "Handläggare",
    "date_label": "Datum",
    "diary_label": "Diarienummer",
    "recipient_label": "Till",
    "proposal_heading": "Förvaltningens förslag till beslut",
    "summary_heading": "Sammanfattning",
    "description_heading": "Beskrivning av ärendet",
    "appendices_heading": "Bilagor",
    "appendix_label": "Bilaga",
    "series_title": "Avvikelser {administration} per månad {first}–{last}",
    "operations_title": "Avvikelser {administration} per verksamhet {period}",
    "operation_title": "{operation} ({code}) {period}, n = {n}",
    "cases_title": "Avvikelserna ärende för ärende {period}",
    "category_column": "Kvalitetsområde",
    "count_column": "Antal",
    "month_column": "Månad",
    "total_row": "Totalt",
    "missing": "uppgift saknas",
    "missing_period": "uppgift saknas för {period}",
}
# The placeholders each text may use.
COMMITTEE_FORM_FIELDS: dict[str, frozenset[str]] = {
    "series_title": frozenset({"administration", "first", "last"}),
    "operations_title": frozenset({"administration", "period"}),
    "operation_title": frozenset({"administration", "operation", "code", "period", "n"}),
    "cases_title": frozenset({"administration", "period"}),
    "missing_period": frozenset({"administration", "period"}),
}


def committee_form(value: str) -> dict[str, str]:
    """The defaults overridden by a JSON object of texts; an unknown key or placeholder
    stops the start with an error naming the variable."""
    form = dict(COMMITTEE_FORM)
    if not value.strip():
        return form
    try:
        given = json.loads(value)
    except ValueError as error:
        raise ValueError(f"TRACKER_COMMITTEE_FORM is not JSON: {error}") from None
    if not isinstance(given, dict):
        raise ValueError("TRACKER_COMMITTEE_FORM must be a JSON object of texts.")
    for key, text in given.items():
        if key not in COMMITTEE_FORM or not isinstance(text, str):
            raise ValueError(f"TRACKER_COMMITTEE_FORM: unknown key or not a text: {key!r}")
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        if not names <= COMMITTEE_FORM_FIELDS.get(key, frozenset()):
            raise ValueError(f"TRACKER_COMMITTEE_FORM: {key!r} may not use {sorted(names)}")
        form[key] = text
    return form


def _recipients(value: str) -> dict[str, str]:
    """'unit=addr,unit2=addr2' -> {unit: addr} (also 'group=role,...' for the role map)."""
    pairs = (item.split("=", 1) for item in value.split(",") if "=" in item)
    return {unit.strip(): address.strip() for unit, address in pairs}


def _population(value: str) -> dict[int, int]:
    """'2017=24500,2018=24712' -> {2017: 24500, 2018: 24712}; anything else stops the start."""
    found: dict[int, int] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        year, _, count = item.partition("=")
        try:
            found[int(year)] = int(count.replace(" ", ""))
        except ValueError:
            raise ValueError(
                f"TRACKER_POPULATION: '{item}' is not year=inhabitants (2017=24500)"
            ) from None
        if not 1900 <= int(year) <= 2200 or found[int(year)] <= 0:
            raise ValueError(f"TRACKER_POPULATION: '{item}' is out of range")
    return found


def _instance_secret(instance: Path) -> str:
    """A per-installation Flask secret, made once and kept in the instance folder."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        with path.open("x") as handle:
            handle.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text().strip()
    return key
