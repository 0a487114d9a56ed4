"""Utskick (/admin/utskick): every e-mail the notifier queued, sent or gave up on, for the
administrator. A mail that failed for good can be put back in the queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from tracker.notifications.messages import Kind
from tracker.notifications.outbox import FAILED, mail_counts, recent_mail, resend
from web import navigation
from web.policy import ADMINISTERS
from web.runtime import runtime
from web.sign_in.users import roles_required

bp = Blueprint("outbox", __name__, url_prefix="/admin/utskick")
navigation.register("Utskick", "outbox.index", ADMINISTERS, order=90)

STATUS_NAMES = {
    "pending": "Väntar",
    "sending": "Skickas",
    "sent": "Skickat",
    "failed": "Misslyckat",
    "logged": "Loggat (ingen e-postserver)",
}
KIND_NAMES = {kind.value: kind.label for kind in Kind}


@bp.route("/")
@roles_required(ADMINISTERS)
def index() -> Any:
    status = request.args.get("status") or None
    if status is not None and status not in STATUS_NAMES:
        status = None
    engine = runtime().engine
    return render_template(
        "admin/outbox.html",
        failed=recent_mail(engine, status=FAILED, limit=100),
        rows=recent_mail(engine, status=status, limit=200),
        counts=mail_counts(engine), status=status, mail_status_names=STATUS_NAMES,
        kind_names=KIND_NAMES, smtp_host=runtime().settings.smtp_host,
    )


@bp.route("/<int:row_id>/skicka-igen", methods=["POST"])
@roles_required(ADMINISTERS)
def retry(row_id: int) -> Any:
    if not resend(runtime().engine, row_id):
        abort(404)
    flash("Meddelandet ligger i kön igen och skickas inom kort.", "success")
    return redirect(url_for("outbox.index"))
