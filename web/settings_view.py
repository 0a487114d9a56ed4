"""The settings in force, for the admin's read-only settings page: every value from the
environment with its variable name, secrets redacted, and the redirect URI that IT
registers at the municipality's OpenID Connect provider."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import request

from tracker.config import COMMITTEE_FORM, Settings

SET = "satt (visas inte)"
UNSET = "inte satt"


def _redacted_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _secret(value: str | None) -> str:
    return SET if value else UNSET


def base_url(settings: Settings) -> str:
    """TRACKER_BASE_URL, or the address this request came to (behind a reverse proxy the
    setting is what people use)."""
    return settings.base_url if settings.base_url_set else request.host_url.rstrip("/")


def redirect_uri(settings: Settings) -> str:
    return base_url(settings) + "/login/oidc/callback"


def settings_in_force(settings: Settings) -> dict[str, Any]:
    role_map = ", ".join(f"{k}={v}" for k, v in settings.oidc_role_map.items())
    rows: list[tuple[str, str, str]] = [
        ("Databas", "TRACKER_DATABASE_URL", _redacted_url(settings.database_url)),
        ("Instansmapp", "TRACKER_INSTANCE_PATH", str(settings.instance_path)),
        ("Nyckel för sessioner", "TRACKER_SECRET_KEY", _secret(settings.secret_key)),
        ("Kryptering av händelser", "TRACKER_CIPHER_KEY", _secret(settings.cipher_key)),
        ("Adress och port", "TRACKER_HOST, TRACKER_PORT", f"{settings.host}:{settings.port}"),
        ("Publik adress", "TRACKER_BASE_URL",
         settings.base_url if settings.base_url_set else f"{UNSET} ({settings.base_url})"),
        ("Lokal inloggning med lösenord", "TRACKER_LOCAL_LOGIN",
         "på" if settings.local_login else "av"),
        ("Inloggningstjänst (OpenID Connect)", "TRACKER_OIDC_ISSUER",
         settings.oidc_issuer or UNSET),
        ("Klient-id", "TRACKER_OIDC_CLIENT_ID", settings.oidc_client_id or UNSET),
        ("Klienthemlighet", "TRACKER_OIDC_CLIENT_SECRET", _secret(settings.oidc_client_secret)),
        ("Anspråk med användarnamn", "TRACKER_OIDC_USERNAME_CLAIM",
         settings.oidc_username_claim),
        ("Anspråk med grupper", "TRACKER_OIDC_ROLE_CLAIM", settings.oidc_role_claim or UNSET),
        ("Grupper till roller", "TRACKER_OIDC_ROLE_MAP", role_map or UNSET),
        ("Inloggning avslutas efter overksamhet (minuter)", "TRACKER_SESSION_IDLE_MINUTES",
         str(settings.session_idle_minutes)),
        ("Inloggning varar högst (timmar)", "TRACKER_SESSION_MAX_HOURS",
         str(settings.session_max_hours)),
        ("Läsloggen sparas (dagar)", "TRACKER_ACCESS_LOG_DAYS", str(settings.access_log_days)),
        ("Gallring varje natt enligt gallringsreglerna", "TRACKER_RETENTION_ENABLED",
         "på" if settings.retention_enabled else "av"),
        ("Folkmängd per år (Lex Sarah per 100 000 invånare)", "TRACKER_POPULATION",
         ", ".join(f"{y}={n}" for y, n in sorted(settings.population.items())) or UNSET),
        ("Största bilaga (MB)", "TRACKER_ATTACHMENT_MAX_MB", str(settings.attachment_max_mb)),
        ("Rapporten till nämnden: egna ord (JSON)", "TRACKER_COMMITTEE_FORM",
         ", ".join(sorted(k for k, v in settings.committee_form.items()
                          if COMMITTEE_FORM.get(k) != v)) or "standard"),
        ("Sekretessgranskning: små celler (färre än)", "TRACKER_SECRECY_SMALL_CELL",
         str(settings.secrecy_small_cell)),
        ("Sekretessgranskning: enheternas storlek", "TRACKER_SECRECY_UNIT_SIZES",
         ", ".join(f"{u}={n}" for u, n in sorted(settings.secrecy_unit_sizes.items())) or UNSET),
        ("Sekretessgranskning: minsta enhet", "TRACKER_SECRECY_MIN_UNIT_SIZE",
         str(settings.secrecy_min_unit_size)),
        ("Sekretessgranskning: lokala namn och platser (antal)", "TRACKER_SECRECY_WORDS",
         str(len(settings.secrecy_words)) if settings.secrecy_words else UNSET),
        ("Omvända proxyservrar framför tjänsten", "TRACKER_TRUSTED_PROXIES",
         str(settings.trusted_proxies) if settings.trusted_proxies
         else "inga (X-Forwarded-For litas inte på)"),
        ("Gräns för skyddsbedömning samma dag", "TRACKER_PROTECTION_CUTOFF",
         settings.protection_cutoff.strftime("%H:%M")),
        ("Bevakningens intervall (minuter)", "TRACKER_SCAN_INTERVAL_MINUTES",
         str(settings.scan_interval_minutes)),
        ("Varning dagar före frist", "TRACKER_WARNING_DAYS", str(settings.warning_days)),
        ("Återkommande avvikelser, tröskel", "TRACKER_RECURRENCE_THRESHOLD",
         str(settings.recurrence_threshold)),
        ("Riskpoäng som föreslår Lex Sarah-utredning", "TRACKER_RISK_LEX_SARAH_SCORE",
         str(settings.risk_lex_sarah_score)),
        ("Sannolikhet 1–4", "TRACKER_RISK_PROBABILITY_LABELS",
         ", ".join(settings.risk_probability_labels)),
        ("Konsekvens 1–4", "TRACKER_RISK_CONSEQUENCE_LABELS",
         ", ".join(settings.risk_consequence_labels)),
        ("Mål för anmälan till IVO (dagar)", "TRACKER_IVO_TARGET_DAYS",
         str(settings.ivo_target_days)),
        ("Klagomål: mål för mottagningsbekräftelse (arbetsdagar)",
         "TRACKER_COMPLAINT_ACKNOWLEDGE_DAYS", str(settings.complaint_acknowledge_days)),
        ("Klagomål: mål för svar (arbetsdagar)", "TRACKER_COMPLAINT_ANSWER_DAYS",
         str(settings.complaint_answer_days)),
        ("Avvikelse vid sen skyddsbedömning", "TRACKER_FILE_PROTECTION_DEVIATIONS",
         "på" if settings.file_protection_deviations else "av"),
        ("Frist på helgdag flyttas till nästa vardag", "TRACKER_SUNDAY_RULE",
         "på" if settings.sunday_rule else "av"),
        ("E-postserver", "TRACKER_SMTP_HOST, TRACKER_SMTP_PORT",
         f"{settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else UNSET),
        ("Avsändare", "TRACKER_SMTP_SENDER", settings.smtp_sender),
        ("Inloggning på e-postservern", "TRACKER_SMTP_USER, TRACKER_SMTP_PASSWORD",
         f"{settings.smtp_user}, lösenord {_secret(settings.smtp_password)}"
         if settings.smtp_user else UNSET),
        ("E-post till verksamhetsutvecklarna om varje ny avvikelse", "TRACKER_NOTIFY_DEVELOPERS",
         "på" if settings.notify_developers else "av"),
        ("Försök per e-postmeddelande", "TRACKER_NOTIFY_MAX_ATTEMPTS",
         str(settings.notify_max_attempts)),
        ("Mottagare av dagliga sammanställningar", "TRACKER_DIGEST_RECIPIENTS",
         ", ".join(f"{k}={v}" for k, v in settings.digest_recipients.items()) or UNSET),
        ("Inbyggda bakgrundsprocesser", "TRACKER_EMBEDDED_WORKERS",
         "på" if settings.embedded_workers else "av"),
        ("Väntan på listorna efter en ändring (sekunder)", "TRACKER_CATCH_UP_SECONDS",
         f"{settings.catch_up_seconds:g}"),
        ("Nämnden i rapporten till nämnden", "TRACKER_COMMITTEE_NAME", settings.committee_name),
        ("Förvaltningen som skickar rapporten", "TRACKER_ADMINISTRATION_NAME",
         settings.administration_name),
        ("Handläggarens titel i rapporten", "TRACKER_REPORT_AUTHOR_TITLE",
         settings.report_author_title),
        ("Fil för händelseloggens kontrollsumma (dagligen)", "TRACKER_CHAIN_HEAD_FILE",
         str(settings.chain_head_file) if settings.chain_head_file else UNSET),
        ("Listornas största eftersläpning för /readyz (händelser)", "TRACKER_READY_MAX_LAG",
         str(settings.ready_max_lag)),
        ("Nyckel för /metrics", "TRACKER_METRICS_TOKEN",
         _secret(settings.metrics_token) if settings.metrics_token
         else f"{UNSET} (bara från 127.0.0.1)"),
        ("Kommunen (tillgänglighetsredogörelsen)", "TRACKER_MUNICIPALITY_NAME",
         settings.municipality_name or UNSET),
        ("E-post för tillgänglighetsfrågor", "TRACKER_ACCESSIBILITY_EMAIL",
         settings.accessibility_email or UNSET),
        ("Telefon för tillgänglighetsfrågor", "TRACKER_ACCESSIBILITY_PHONE",
         settings.accessibility_phone or UNSET),
        ("Tillgänglighetsredogörelsen granskad", "TRACKER_ACCESSIBILITY_REVIEWED_ON",
         settings.accessibility_reviewed_on.isoformat() if settings.accessibility_reviewed_on
         else UNSET),
    ]
    return {"rows": rows, "redirect_uri": redirect_uri(settings),
            "oidc_enabled": settings.oidc_enabled}
