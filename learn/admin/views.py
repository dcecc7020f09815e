"""Administration pages, for organisation and platform admins.

Every page is for admins only (``before_request``); an organisation admin sees only their
own organisation's people, figures, certificates, exports and tokens (the scope), and a
record outside it answers 404.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import default_exceptions

from learn.admin import forms
from learn.admin.messages import (
    ASSIGNMENT_ERRORS,
    PEOPLE_ERRORS,
    TOKEN_ERRORS,
    error_text,
    file_problem,
)
from learn.auth.decorators import require_roles
from learn.errors import handle_http_error
from learn.extensions import db
from learn.models import Department, Role
from learn.services import (
    accounts,
    api_tokens,
    assignments,
    certificates,
    exports,
    people,
    reports,
    tracks,
)
from learn.services.scope import Scope, scope_for

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: The dashboard's report pages, in the order of their navigation.
REPORT_PAGES = ("dashboard", "report_weekly", "report_quizzes", "report_reach", "report_expiring")


@bp.before_request
def _admins_only() -> None:
    """Every admin page: organisation admins (their organisation) and platform admins."""
    require_roles(Role.ORG_ADMIN, Role.PLATFORM_ADMIN)


@bp.context_processor
def _chart_helpers() -> dict:
    """Give the admin templates the chart builders and the label tables."""
    from learn.admin import charts, messages

    return {"charts": charts, "labels": messages, "row_problem": messages.row_problem}


def _error_page(status: int, message: str):
    """Answer a refused action with the error page for ``status`` (and the reason)."""
    if status >= 500 or status not in default_exceptions:
        status = 400
    flash(message, "error")
    return handle_http_error(default_exceptions[status]())


@bp.errorhandler(people.PeopleError)
def _people_error(error: people.PeopleError):
    return _error_page(error.status, error_text(PEOPLE_ERRORS, error.code))


@bp.errorhandler(assignments.AssignmentError)
def _assignment_error(error: assignments.AssignmentError):
    return _error_page(error.status, error_text(ASSIGNMENT_ERRORS, error.code))


@bp.errorhandler(api_tokens.TokenError)
def _token_error(error: api_tokens.TokenError):
    return _error_page(error.status, error_text(TOKEN_ERRORS, error.code))


@bp.errorhandler(certificates.CertificateError)
def _certificate_error(error: certificates.CertificateError):
    return _error_page(error.status, _(error.message))


def _scope() -> Scope:
    return scope_for(current_user)


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _csv(filename: str, chunks) -> Response:
    """Stream CSV text as a download, produced while it is sent."""
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- parsing filters ---------------------------------------------------------------------


def _fill_choices(form, scope: Scope) -> None:
    """Offer only organisations, departments and tracks inside the admin's scope."""
    any_label = _("Any")
    if hasattr(form, "organisation"):
        form.organisation.choices = [("", any_label)] + people.organisation_choices(scope)
    if hasattr(form, "department"):
        form.department.choices = _department_options(scope, ("", any_label))
    if hasattr(form, "track"):
        form.track.choices = [("", _("All tracks"))] + [
            (t.key, t.title) for t in reports.live_tracks()
        ]
    if hasattr(form, "role"):
        form.role.choices = [("", any_label)] + _role_choices(tuple(Role))
    if hasattr(form, "status") and not form.status.choices:
        from learn.admin.messages import CERTIFICATE_STATUS

        form.status.choices = [("", any_label)]
        form.status.choices += [(k, str(v)) for k, v in CERTIFICATE_STATUS.items()]


def _department_options(scope: Scope, first: tuple) -> list[tuple]:
    """Return department choices, named with their organisation when there are several."""
    found = people.department_choices(scope)
    if scope.is_all:
        return [first] + [(d, f"{org}: {name}") for d, org, name in found]
    return [first] + [(d, name) for d, _org, name in found]


def _role_choices(roles) -> list[tuple[str, str]]:
    from learn.admin.messages import ROLE_LABELS

    return [(r.value, str(ROLE_LABELS[r.value])) for r in roles]


def _checked_ids(form, scope: Scope) -> tuple[int | None, int | None]:
    """Return the organisation and department asked for, if inside the scope."""
    org_ids = {o for o, _ in people.organisation_choices(scope)}
    org_id = form.organisation.data if form.organisation.data in org_ids else None
    dept_id = None
    wanted = getattr(form, "department", None)
    if wanted is not None and wanted.data is not None:
        dept = db.session.get(Department, wanted.data)
        if dept is not None and scope.allows(dept.organisation_id):
            if org_id is None or dept.organisation_id == org_id:
                dept_id = dept.id
    return org_id, dept_id


class _Asked(NamedTuple):
    """What a filter form asks for, once checked: only places inside the scope, live tracks."""

    organisation_id: int | None
    department_id: int | None
    course_id: int | None
    track_slug: str | None
    date_from: date | None
    date_to: date | None


def _filter_form(form_class) -> tuple:
    """Read a filter form from the query string (anything invalid or out of scope is ignored)."""
    scope = _scope()
    form = form_class(formdata=request.args)
    _fill_choices(form, scope)
    form.validate()
    org_id, dept_id = _checked_ids(form, scope)
    track = reports.find_track(form.track.data or "")
    dates = (None, None)
    if hasattr(form, "date_from") and not (form.date_from.errors or form.date_to.errors):
        dates = (form.date_from.data, form.date_to.data)
    course_id, slug = (track.course_id, track.slug) if track else (None, None)
    return form, _Asked(org_id, dept_id, course_id, slug, *dates)


def _report_filter() -> tuple[forms.ReportFilterForm, reports.ReportFilter]:
    """Read the report filters from the query string."""
    form, asked = _filter_form(forms.ReportFilterForm)
    return form, reports.ReportFilter(**asked._asdict())


def _people_filter() -> tuple[forms.PeopleFilterForm, people.PeopleFilter]:
    """Read the person-list filters from the query string."""
    form, asked = _filter_form(forms.PeopleFilterForm)
    role = form.role.data if form.role.data in {r.value for r in Role} else None
    return form, people.PeopleFilter(
        q=form.q.data or "",
        organisation_id=asked.organisation_id,
        department_id=asked.department_id,
        role=Role(role) if role else None,
        status=form.status.data if form.status.data in ("active", "inactive") else None,
        course_id=asked.course_id,
        track_slug=asked.track_slug,
        progress=form.progress.data or None,
    )


def _certificate_filter() -> tuple[forms.CertificateFilterForm, reports.CertificateFilter]:
    """Read the certificate-register filters from the query string."""
    form, asked = _filter_form(forms.CertificateFilterForm)
    known = ("valid", "expired", "revoked", "expiring")
    status = form.status.data if form.status.data in known else None
    return form, reports.CertificateFilter(**asked._asdict(), status=status)


# --- dashboard and reports ---------------------------------------------------------------


def _report_page(template: str, **figures):
    """Render a report page: the filters read, then each figure built for the scope."""
    form, filters = _report_filter()
    scope = _scope()
    built = {name: build(scope, filters) for name, build in figures.items()}
    return render_template(template, form=form, **built)


@bp.route("/")
def dashboard():
    """Completion by organisation (or department) and by track, for the admin's scope."""
    return _report_page("admin/dashboard.html", report=reports.completion_report)


@bp.route("/reports/weekly")
def report_weekly():
    """Completions week by week."""
    return _report_page("admin/report_weekly.html", weeks=reports.weekly_completions)


@bp.route("/reports/quizzes")
def report_quizzes():
    """Attempts, average score and pass rate per quiz."""
    return _report_page("admin/report_quizzes.html", rows=reports.quiz_report)


@bp.route("/reports/reach")
def report_reach():
    """People reached and trained by gender and age band, small groups suppressed."""
    return _report_page("admin/report_reach.html", report=reports.reach_report)


@bp.route("/reports/expiring")
def report_expiring():
    """Certificates that expire within the next 90 days."""
    return _report_page("admin/report_expiring.html", rows=reports.expiring_report)


REPORT_EXPORTS = {
    "groups": lambda scope, f: exports.completion_csv(scope, f, "group"),
    "tracks": lambda scope, f: exports.completion_csv(scope, f, "track"),
    "weekly": exports.weekly_csv,
    "quizzes": exports.quizzes_csv,
    "reach": exports.reach_csv,
    "expiring": exports.expiring_csv,
}


@bp.route("/reports/<name>.csv")
def export_report(name: str):
    """Download one of the dashboard's tables as CSV, with the filters applied."""
    if name not in REPORT_EXPORTS:
        abort(404)
    _form, filters = _report_filter()
    chunks = REPORT_EXPORTS[name](_scope(), filters)
    return _csv(f"{name}-{date.today().isoformat()}.csv", chunks)


# --- people ------------------------------------------------------------------------------


@bp.route("/people")
def people_list():
    """The person list: filter, search, page through; export it as CSV."""
    form, filters = _people_filter()
    result = people.list_people(_scope(), filters, page=_page())
    return render_template("admin/people.html", form=form, result=result)


@bp.route("/people.csv")
def export_people():
    """Download the filtered person list as CSV (streamed)."""
    _form, filters = _people_filter()
    chunks = exports.people_csv(_scope(), filters)
    return _csv(f"people-{date.today().isoformat()}.csv", chunks)


def _person_form() -> forms.NewPersonForm:
    scope = _scope()
    form = forms.NewPersonForm()
    form.organisation.choices = people.organisation_choices(scope)
    form.department.choices = _department_options(scope, (0, _("None")))
    form.role.choices = _role_choices(people.assignable_roles(current_user))
    return form


@bp.route("/people/new", methods=["GET", "POST"])
def new_person():
    """Create one person; show their one-time password link."""
    form = _person_form()
    if form.validate_on_submit():
        new = people.NewPerson(
            form.name.data, form.email.data, form.organisation.data,
            form.department.data or None, Role(form.role.data),
        )  # fmt: skip
        try:
            link = people.create_person(current_user, _scope(), new)
        except accounts.AccountError as exc:
            db.session.rollback()
            field = form.email if exc.code == "email_taken" else form.department
            field.errors = [*field.errors, error_text(PEOPLE_ERRORS, exc.code)]
        else:
            return render_template("admin/person_link.html", links=[link], created=True)
    return render_template("admin/person_new.html", form=form), 200 if not form.errors else 422


@bp.route("/people/import", methods=["GET", "POST"])
def import_people():
    """Upload a CSV of people; it is checked and previewed, nothing is imported yet."""
    form = forms.ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            preview = people.preview_import(current_user, _scope(), upload.filename, upload.read())
        except people.CsvFileError as exc:
            form.file.errors = [*form.file.errors, file_problem(exc.code, exc.detail)]
        else:
            return redirect(url_for("admin.import_preview", import_id=preview.import_id))
    return render_template("admin/import.html", form=form), 200 if not form.errors else 422


@bp.route("/people/import/<int:import_id>", methods=["GET", "POST"])
def import_preview(import_id: int):
    """Show every row with its problems; confirm to import all, or only the good rows."""
    stored = people.get_import(current_user, import_id)
    form = forms.ConfirmImportForm()
    if form.validate_on_submit():
        outcome = people.confirm_import(
            current_user, _scope(), stored, good_only=form.good_only.data
        )
        if outcome.is_imported and form.links.data == "csv":
            return _csv("password-links.csv", iter([people.links_csv(outcome.links)]))
        if outcome.is_imported:
            return render_template(
                "admin/person_link.html", links=outcome.links, skipped=outcome.skipped
            )
        flash(
            _("Nothing was imported: some rows have problems. "
              "Fix them, or tick “Import only the good rows”."),
            "error",
        )  # fmt: skip
    preview = people.stored_preview(stored)
    return render_template("admin/import_preview.html", form=form, preview=preview)


@bp.route("/people/<int:user_id>")
def person(user_id: int):
    """One person: their tracks and progress, quiz attempts and certificates."""
    scope = _scope()
    user = people.get_person(scope, user_id)
    record = people.person_record(user)
    role_form = forms.RoleForm(role=user.role.value)
    role_form.role.choices = _role_choices(people.assignable_roles(current_user))
    dept_form = forms.DepartmentForm(department=user.department_id or 0)
    dept_form.department.choices = [(0, _("None"))] + [
        (d.id, d.name) for d in user.organisation.departments
    ]
    return render_template(
        "admin/person.html", user=user, record=record, role_form=role_form,
        dept_form=dept_form,
    )  # fmt: skip


def _checked_action() -> None:
    """Refuse a button press without a valid form token."""
    if not forms.ActionForm().validate_on_submit():
        abort(400)


@bp.route("/people/<int:user_id>/deactivate", methods=["POST"])
def deactivate_person(user_id: int):
    """Deactivate a person: they cannot sign in; their records are kept."""
    _checked_action()
    user = people.get_person(_scope(), user_id)
    people.set_active(current_user, _scope(), user, False)
    flash(_("%(name)s has been deactivated.", name=user.name), "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/people/<int:user_id>/reactivate", methods=["POST"])
def reactivate_person(user_id: int):
    """Reactivate a person."""
    _checked_action()
    user = people.get_person(_scope(), user_id)
    people.set_active(current_user, _scope(), user, True)
    flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/people/<int:user_id>/reset-link", methods=["POST"])
def person_reset_link(user_id: int):
    """Make a one-time password link for a person and show it once."""
    _checked_action()
    user = people.get_person(_scope(), user_id)
    link = people.issue_reset_link(current_user, _scope(), user)
    return render_template("admin/person_link.html", links=[link], created=False)


@bp.route("/people/<int:user_id>/role", methods=["POST"])
def person_role(user_id: int):
    """Change a person's role, within what the admin's own role allows."""
    user = people.get_person(_scope(), user_id)
    form = forms.RoleForm()
    form.role.choices = _role_choices(people.assignable_roles(current_user))
    if not form.validate_on_submit():
        raise people.PeopleError("role_not_allowed", 400)
    people.change_role(current_user, _scope(), user, Role(form.role.data))
    flash(_("%(name)s's role has been changed.", name=user.name), "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/people/<int:user_id>/department", methods=["POST"])
def person_department(user_id: int):
    """Move a person to another department; they get its assigned tracks."""
    user = people.get_person(_scope(), user_id)
    form = forms.DepartmentForm()
    form.department.choices = [(0, "")] + [(d.id, d.name) for d in user.organisation.departments]
    if not form.validate_on_submit():
        raise people.PeopleError("department_not_in_organisation", 400)
    applied = people.move_person(current_user, _scope(), user, form.department.data or None)
    flash(_("Department changed; %(n)s assigned track(s) added.", n=applied), "success")
    return redirect(url_for("admin.person", user_id=user.id))


# --- assignments -------------------------------------------------------------------------


def _assignment_form() -> forms.AssignmentForm:
    scope = _scope()
    form = forms.AssignmentForm()
    form.track.choices = [("", _("Choose a track"))] + [
        (t.key, t.title) for t in reports.live_tracks()
    ]
    form.organisation.choices = [("", _("Choose an organisation"))]
    form.organisation.choices += people.organisation_choices(scope)
    form.department.choices = _department_options(scope, ("", _("Choose a department")))
    return form


@bp.route("/assignments", methods=["GET", "POST"])
def assignment_list():
    """Assign a track with a due date to a person, a department or an organisation."""
    form = _assignment_form()
    if form.validate_on_submit():
        target = _assignment_target(form)
        if target is not None:
            course, track = tracks.resolve_track(form.track.data)
            result = assignments.assign_track(
                current_user, _scope(), course, track["slug"], form.due_on.data, **target
            )
            flash(
                _("Track assigned: %(n)s people enrolled, %(m)s due dates brought forward.",
                  n=result.enrolled, m=result.updated),
                "success",
            )  # fmt: skip
            return redirect(url_for("admin.assignment_list"))
    rows = assignments.list_assignments(_scope())
    titles = {(t.course_id, t.slug): t.title for t in reports.live_tracks()}
    status = 200 if not form.errors else 422
    return render_template("admin/assignments.html", form=form, rows=rows, titles=titles), status


@bp.route("/assignments.csv")
def export_assignments():
    """Download the assignment list as CSV (streamed), with its people and their progress."""
    chunks = exports.assignments_csv(_scope())
    return _csv(f"assignments-{date.today().isoformat()}.csv", chunks)


def _assignment_target(form: forms.AssignmentForm) -> dict | None:
    """Return the keyword naming the chosen target, or None with an error on the form."""
    if tracks.resolve_track(form.track.data or "") is None:
        form.track.errors = [_("Choose a track.")]
        return None
    if form.target.data == "organisation" and form.organisation.data:
        return {"organisation_id": form.organisation.data}
    if form.target.data == "department" and form.department.data:
        dept = db.session.get(Department, form.department.data)
        return {"department": dept} if dept else None
    if form.target.data == "person" and form.email.data:
        user = accounts.find_user(form.email.data)
        if user is not None and _scope().allows(user.organisation_id):
            return {"user": user}
        form.email.errors = [_("There is no one with this email address in your organisations.")]
        return None
    fields = {"organisation": form.organisation, "department": form.department}
    field = fields.get(form.target.data, form.email)
    field.errors = [_("Choose who the track is for.")]
    return None


# --- certificates ------------------------------------------------------------------------


@bp.route("/certificates")
def certificate_register():
    """The certificate register: filter by organisation, track, issue date and status."""
    form, filters = _certificate_filter()
    result = reports.certificate_page(_scope(), filters, page=_page())
    return render_template("admin/certificates.html", form=form, result=result)


@bp.route("/certificates.csv")
def export_certificates():
    """Download the filtered register as CSV (streamed)."""
    _form, filters = _certificate_filter()
    chunks = exports.certificates_csv(_scope(), filters)
    return _csv(f"certificates-{date.today().isoformat()}.csv", chunks)


@bp.route("/certificates/<code>", methods=["GET", "POST"])
def certificate(code: str):
    """One certificate: its details and history; revoke it with a reason."""
    found = reports.find_certificate(_scope(), code)
    form = forms.RevokeForm()
    if form.validate_on_submit():
        try:
            certificates.revoke_certificate(found, form.reason.data, current_user)
        except certificates.CertificateError as exc:
            form.reason.errors = [*form.reason.errors, _(exc.message)]
        else:
            flash(_("The certificate has been revoked."), "success")
            return redirect(url_for("admin.certificate", code=found.code))
    return render_template(
        "admin/certificate.html", certificate=found, form=form,
        status=str(certificates.status_of(found)), can_reissue=reports.can_reissue(found),
        history=reports.certificate_history(found),
    ), 200 if not form.errors else 422  # fmt: skip


@bp.route("/certificates/<code>/reissue", methods=["POST"])
def reissue_certificate(code: str):
    """Re-issue a revoked certificate with a new code."""
    _checked_action()
    fresh = reports.reissue(current_user, reports.find_certificate(_scope(), code))
    flash(_("A new certificate has been issued with the code %(code)s.", code=fresh.code), "info")
    return redirect(url_for("admin.certificate", code=fresh.code))


# --- audit log and API tokens ------------------------------------------------------------


def _audit_filter() -> tuple[forms.AuditFilterForm, str | None]:
    """Read the audit-log filter (an action) from the query string."""
    form = forms.AuditFilterForm(formdata=request.args)
    form.action.choices = [("", _("Any"))] + [
        (a, a.replace("_", " ")) for a in reports.audit_actions(_scope())
    ]
    form.validate()
    return form, form.action.data or None


@bp.route("/audit")
def audit_log():
    """The audit log: platform admins see all; organisation admins their organisation's."""
    form, action = _audit_filter()
    result = reports.audit_page(_scope(), page=_page(), action=action)
    return render_template("admin/audit.html", form=form, result=result)


@bp.route("/audit.csv")
def export_audit():
    """Download the audit log as CSV (streamed), with the action filter applied."""
    action = request.args.get("action") or None
    chunks = exports.audit_csv(_scope(), action)
    return _csv(f"audit-{date.today().isoformat()}.csv", chunks)


def _token_form() -> forms.TokenForm:
    form = forms.TokenForm()
    choices = people.organisation_choices(_scope())
    if current_user.role == Role.PLATFORM_ADMIN:
        choices = [(0, _("All organisations"))] + choices
    form.organisation.choices = choices
    return form


@bp.route("/api-tokens", methods=["GET", "POST"])
def api_token_list():
    """Reporting-API tokens: make one (shown once), see and revoke the others."""
    form = _token_form()
    made = None
    if form.validate_on_submit():
        made = api_tokens.create_token(
            current_user, _scope(), form.name.data, form.organisation.data or None
        )
        form = _token_form()
        form.name.data = ""
    tokens = api_tokens.list_tokens(_scope())
    status = 200 if not form.errors else 422
    return render_template("admin/api_tokens.html", form=form, tokens=tokens, made=made), status


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_api_token(token_id: int):
    """Revoke a token; it stops working at once."""
    _checked_action()
    token = api_tokens.get_token(_scope(), token_id)
    api_tokens.revoke_token(current_user, token)
    flash(_("The token %(prefix)s… has been revoked.", prefix=token.prefix), "success")
    return redirect(url_for("admin.api_token_list"))
