"""Rapport till nämnden: the tracker drafts the month's report to the committee, the
verksamhetsutvecklare edits it, confirms its secrecy review and finalises it. The page is the
preview of the PDF (the same template inside); PDF, Word and Excel downloads beside it, and
for a finalised report what changed since."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import Schema, fields, validate

from events.calendar import MONTH_NAMES
from events.committee_report import MASKED_TEXT, TEXT_FIELDS
from events.errors import DomainError
from tracker.application import ConflictError
from tracker.committee_report_draft import Flag
from web import policy
from web.documents import committee
from web.documents.responses import download
from web.forms import Form, parse_form
from web.runtime import application
from web.schemas import SHORT_TEXT, BaseSchema, form_flag, text
from web.sign_in.users import current_account, roles_required

bp = Blueprint("committee_report", __name__, url_prefix="/rapporter/namnd")

VIEW_ROLES = policy.READS_COMMITTEE_REPORT
CHANGE_ROLES = policy.WRITES_COMMITTEE_REPORT
REPORT_TEXT = 100_000
FIELD_LABELS = {
    "committee": "Nämnd", "administration": "Förvaltning", "author": "Handläggare",
    "author_title": "Handläggarens titel", "title": "Rubrik", "report_date": "Datum",
    "diary_number": "Diarienummer", "proposal": "Förslag till beslut",
    "summary": "Sammanfattning", "background": "Beskrivning av ärendet (inledning)",
    "legal_basis": "Beskrivning av ärendet (lagstöd)",
}
REVIEW_LABELS = {"masked": "Vad som maskerats", "confirmed": "Bekräftelse"}


class DraftForm(BaseSchema):
    case_texts = form_flag(load_default=False)


class ReviewForm(BaseSchema):
    masked = text(MASKED_TEXT)
    confirmed = form_flag(required=True, validate=validate.Equal(
        True, error="Bekräfta att du har granskat texterna."))
    version = fields.Integer(required=True)


class PeriodQuery(BaseSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))


class FinaliseForm(BaseSchema):
    diary_number = text(SHORT_TEXT)
    finalised_on = fields.Date(load_default=None)
    version = fields.Integer(required=True)


def _edit_schema(doc: committee.CommitteeDocument) -> Schema:
    short = {"committee", "administration", "author", "author_title", "title", "report_date",
             "diary_number"}
    optional = {"author", "diary_number", "background", "legal_basis"}
    spec: dict[str, Any] = {
        name: text(SHORT_TEXT if name in short else REPORT_TEXT, required=name not in optional)
        for name in TEXT_FIELDS
    }
    spec["report_date"] = fields.Date(required=True)
    for index, section in enumerate(doc.sections):
        spec[f"section_{index}"] = text(REPORT_TEXT, required=False)
        if section.get("detail"):
            spec[f"detail_{index}"] = text(REPORT_TEXT, required=False)
    spec["version"] = fields.Integer(required=True)
    return BaseSchema.from_dict(spec)()


def _period(year: int, month: int) -> None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        abort(404)


def _may_change() -> bool:
    return current_account().role in CHANGE_ROLES


def _revision_arg() -> int | None:
    value = request.args.get("revision", "")
    return int(value) if value.isdigit() else None


def _load(year: int, month: int) -> committee.CommitteeDocument:
    _period(year, month)
    doc = committee.load(year, month, author=current_account().username,
                         revision=_revision_arg())
    if doc is None:
        abort(404)
    return doc


@bp.route("/")
@roles_required(VIEW_ROLES)
def index() -> Any:
    form = parse_form(PeriodQuery(), request.args) if request.args else Form()
    if request.args and form.ok:
        return redirect(url_for(".show", year=form.data["year"], month=form.data["month"]))
    today = application().today()
    year = today.year
    months = []
    for month in range(1, 13):
        revisions = application().committee_reports(year, month)
        months.append({"month": month, "name": MONTH_NAMES[month - 1], "revisions": revisions})
    last_month = (today.month - 2) % 12 + 1
    return render_template(
        "committee_report/index.html", form=form, year=year, months=months,
        month_names=MONTH_NAMES, default_year=today.year if today.month > 1 else year - 1,
        default_month=last_month,
    ), 200 if form.ok else 422


@bp.route("/<int:year>/<int:month>")
@roles_required(VIEW_ROLES)
def show(year: int, month: int) -> Any:
    doc = _load(year, month)
    changed = doc.state == committee.DRAFT and committee.current_figures(year, month) != doc.figures
    finalise_form = Form(values={"diary_number": doc.text.get("diary_number", "")})
    return _page(doc, changed=changed, finalise_form=finalise_form)


def _page(
    doc: committee.CommitteeDocument, *, changed: bool = False,
    finalise_form: Form | None = None, review_form: Form | None = None, status: int = 200,
) -> Any:
    """The report's page: its state, the secrecy review's flags (a draft), its history."""
    flags = committee.review_flags(doc) if doc.state == committee.DRAFT else []
    history = application().history(doc.report_id) if doc.report_id is not None else []
    return render_template(
        "committee_report/page.html", doc=doc, changed=changed, may_change=_may_change(),
        finalise_form=finalise_form or Form(
            values={"diary_number": doc.text.get("diary_number", "")}),
        review_form=review_form or Form(), flags=_by_place(flags), flag_count=len(flags),
        history=history,
        review_labels=REVIEW_LABELS, history_names=HISTORY_NAMES,
    ), status


def _by_place(flags: list[Flag]) -> list[tuple[str, list[tuple[Flag, int]]]]:
    """The flags per text, in the report's order; the same words of the same kind once,
    with how many times they stand there."""
    places: dict[str, dict[tuple[str, str], list[Flag]]] = {}
    for flag in flags:
        places.setdefault(flag.place, {}).setdefault((flag.kind, flag.found), []).append(flag)
    return [(place, [(same[0], len(same)) for same in found.values()])
            for place, found in places.items()]


HISTORY_NAMES = {"Drafted": "Utkast skapat", "Edited": "Texterna redigerade",
                 "SecrecyReviewConfirmed": "Sekretessgranskning bekräftad",
                 "Finalised": "Fastställd"}


@bp.route("/<int:year>/<int:month>.<any(pdf, docx, xlsx):kind>")
@roles_required(VIEW_ROLES)
def document(year: int, month: int, kind: str) -> Any:
    doc = _load(year, month)
    render = {"pdf": committee.to_pdf, "docx": committee.to_docx, "xlsx": committee.to_xlsx}
    return download(render[kind](doc), doc.filename, kind)


@bp.route("/<int:year>/<int:month>/andringar")
@roles_required(VIEW_ROLES)
def changes(year: int, month: int) -> Any:
    """Ändringar sedan fastställandet: of the asked-for finalised revision, else the latest
    finalised one."""
    _period(year, month)
    revision = _revision_arg()
    doc = committee.load(year, month, author=current_account().username, revision=revision,
                         prefer_final=True)
    if doc is None or doc.state != committee.FINAL:
        abort(404)
    return render_template("committee_report/changes.html", doc=doc,
                           changes=committee.changes_since_finalising(doc),
                           kinds=committee.CHANGE_KINDS)


@bp.route("/<int:year>/<int:month>/utkast", methods=["POST"])
@roles_required(CHANGE_ROLES)
def create_draft(year: int, month: int) -> Any:
    _period(year, month)
    form = parse_form(DraftForm())
    if not form.ok:
        abort(422)
    draft = committee.generate(year, month, current_account().username,
                               case_texts=form.data["case_texts"])
    try:
        report = application().draft_committee_report(
            actor=current_account().username, year=year, month=month, **draft
        )
    except (DomainError, ConflictError):
        flash("Utkastet kunde inte skapas: någon annan skapade ett samtidigt. Försök igen.",
              "error")
        return redirect(url_for(".show", year=year, month=month))
    flash(f"Utkast {report.revision} är skapat. Läs igenom och redigera texterna.", "success")
    return redirect(url_for(".show", year=year, month=month))


@bp.route("/<int:year>/<int:month>/redigera", methods=["GET", "POST"])
@roles_required(CHANGE_ROLES)
def edit(year: int, month: int) -> Any:
    _period(year, month)
    doc = committee.load(year, month, author=current_account().username)
    if doc is None or doc.state != committee.DRAFT or doc.report_id is None:
        abort(404)
    schema = _edit_schema(doc)
    if request.method == "GET":
        # a draft from before the legal basis was a text of its own shows what it cited
        values = {**doc.text, "legal_basis": doc.legal_basis, "version": doc.version}
        values |= {f"section_{i}": s["text"] for i, s in enumerate(doc.sections)}
        values |= {f"detail_{i}": s["detail"] for i, s in enumerate(doc.sections)
                   if s.get("detail")}
        form = Form(values=values)
    else:
        form = parse_form(schema)
        if form.ok:
            data = form.data
            texts = {name: data.get(name) or "" for name in TEXT_FIELDS}
            texts["report_date"] = data["report_date"].isoformat()
            sections = {s["key"]: data.get(f"section_{i}") or ""
                        for i, s in enumerate(doc.sections)}
            details = {s["key"]: data.get(f"detail_{i}") or ""
                       for i, s in enumerate(doc.sections) if s.get("detail")}
            try:
                application().edit_committee_report(
                    doc.report_id, actor=current_account().username, text=texts,
                    sections=sections, details=details, expected_version=data["version"],
                )
            except (DomainError, ConflictError) as error:
                form.fail(error, {f"section:{s['key']}": f"section_{i}"
                                  for i, s in enumerate(doc.sections)}
                          | {f"detail:{s['key']}": f"detail_{i}"
                             for i, s in enumerate(doc.sections)})
            else:
                flash("Ändringarna är sparade.", "success")
                return redirect(url_for(".show", year=year, month=month))
    labels = FIELD_LABELS | {f"section_{i}": s["heading"] for i, s in enumerate(doc.sections)}
    labels |= {f"detail_{i}": f"{s['heading']} (ärende för ärende)"
               for i, s in enumerate(doc.sections)}
    return render_template(
        "committee_report/edit.html", doc=doc, form=form, labels=labels,
        text_fields=TEXT_FIELDS,
    ), 200 if form.ok else 422


@bp.route("/<int:year>/<int:month>/faststall", methods=["POST"])
@roles_required(CHANGE_ROLES)
def finalise(year: int, month: int) -> Any:
    _period(year, month)
    doc = committee.load(year, month, author=current_account().username)
    if doc is None or doc.report_id is None:
        abort(404)
    form = parse_form(FinaliseForm())
    if form.ok:
        try:
            application().finalise_committee_report(
                doc.report_id, actor=current_account().username,
                diary_number=form.data["diary_number"], finalised_on=form.data["finalised_on"],
                expected_version=form.data["version"],
            )
        except (DomainError, ConflictError) as error:
            form.fail(error)
        else:
            flash("Rapporten är fastställd och låst. Den visas och laddas ned precis som "
                  "nämnden fick den.", "success")
            return redirect(url_for(".show", year=year, month=month))
    return _page(doc, finalise_form=form, status=422)


@bp.route("/<int:year>/<int:month>/granskning", methods=["POST"])
@roles_required(CHANGE_ROLES)
def review(year: int, month: int) -> Any:
    """The secrecy review confirmed by the person signed in, with what they masked."""
    _period(year, month)
    doc = committee.load(year, month, author=current_account().username)
    if doc is None or doc.report_id is None:
        abort(404)
    form = parse_form(ReviewForm())
    if form.ok:
        try:
            application().confirm_committee_review(
                doc.report_id, actor=current_account().username, masked=form.data["masked"],
                flags=[flag.recorded() for flag in committee.review_flags(doc)],
                expected_version=form.data["version"],
            )
        except (DomainError, ConflictError) as error:
            form.fail(error)
        else:
            flash("Sekretessgranskningen är bekräftad. Rapporten kan nu fastställas.",
                  "success")
            return redirect(url_for(".show", year=year, month=month))
    return _page(doc, review_form=form, status=422)
