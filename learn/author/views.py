"""Authoring pages, for trainers (and platform admins).

Every page here is behind the blueprint's ``before_request`` rule: trainers and platform
admins only; learners and organisation admins get 403, anonymous visitors the sign-in page.
Who may approve what (the four-eyes rule) is decided by :mod:`learn.services.authoring`.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from learn.auth.decorators import require_roles
from learn.author import editing, forms
from learn.content.render import render_text
from learn.core.errors import ContentErrors
from learn.models import Role, VersionState
from learn.services import analysis, authoring, catalogue, media, packages
from learn.services.authoring import AuthoringError, Item

bp = Blueprint("author", __name__, url_prefix="/author")

#: Where each kind of item's workflow pages live.
ITEM_RULES = {
    "course": "/courses/<course_slug>/course",
    "module": "/courses/<course_slug>/modules/<module_slug>",
    "quiz": "/courses/<course_slug>/modules/<module_slug>/quiz",
}


@bp.before_request
def _trainers_only() -> None:
    """Every authoring page: trainers and platform admins only."""
    require_roles(Role.TRAINER, Role.PLATFORM_ADMIN)


def item_route(suffix: str, methods: tuple[str, ...] = ("GET",)):
    """Register a view for courses, modules and quizzes alike (``kind`` tells them apart)."""

    def decorator(view):
        for kind, prefix in ITEM_RULES.items():
            bp.add_url_rule(
                prefix + suffix, view.__name__, view, methods=methods, defaults={"kind": kind}
            )
        return view

    return decorator


def item_args(item: Item) -> dict:
    """Return the URL values of an item's pages."""
    args = {"kind": item.kind, "course_slug": item.course.slug}
    if item.module is not None:
        args["module_slug"] = item.module.slug
    return args


@bp.app_context_processor
def _author_helpers() -> dict:
    def item_url(endpoint: str, item: Item, **values) -> str:
        return url_for(endpoint, **item_args(item), **values)

    return {"item_url": item_url, "question_types": forms.QUESTION_TYPE_LABELS}


def _course_or_404(course_slug: str):
    course = authoring.find_course(course_slug)
    if course is None:
        abort(404)
    return course


def _module_or_404(course_slug: str, module_slug: str):
    course = _course_or_404(course_slug)
    module = authoring.find_module(course, module_slug)
    if module is None:
        abort(404)
    return course, module


def _item_or_404(kind: str, course_slug: str, module_slug: str | None) -> Item:
    if kind == "course":
        return Item("course", _course_or_404(course_slug))
    course, module = _module_or_404(course_slug, module_slug or "")
    return Item(kind, course, module)


def _editor_url(item: Item) -> str:
    if item.kind == "course":
        return url_for("author.edit_course", course_slug=item.course.slug)
    endpoint = "author.edit_module" if item.kind == "module" else "author.quiz"
    return url_for(endpoint, course_slug=item.course.slug, module_slug=item.module.slug)


# --- overview --------------------------------------------------------------------------------


@bp.route("/")
def index():
    """Courses with their state, the review queue and packages waiting to be imported."""
    return render_template(
        "author/index.html",
        courses=[authoring.course_overview(c) for c in authoring.all_courses()],
        queue=authoring.review_queue(),
        packages=packages.open_packages(),
    )


@bp.route("/courses/<course_slug>")
def course(course_slug: str):
    """A course's tracks, modules and quizzes with their state and links to edit them."""
    row = authoring.course_overview(_course_or_404(course_slug))
    return render_template("author/course.html", row=row, action=forms.ActionForm())


# --- course editor ---------------------------------------------------------------------------


@bp.route("/courses/<course_slug>/edit", methods=["GET", "POST"])
def edit_course(course_slug: str):
    """Edit course.yml as a form: title, summary, sources and tracks."""
    course = _course_or_404(course_slug)
    item = Item("course", course)
    if request.method == "GET":
        form = editing.course_form(course)
        return _course_page(item, form, [])
    form = forms.CourseForm()
    action = request.form.get("action", "save")
    if action in ("add-source", "add-track"):
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        data["sources" if action == "add-source" else "tracks"].append({})
        return _course_page(item, forms.CourseForm(formdata=None, data=data), [])
    if not form.validate():
        return _course_page(item, form, [], 422)
    checked = editing.check_course_form(course, form)
    if checked.placed.has_errors:
        return _course_page(item, form, checked.unplaced, 422)
    return _save_and_redirect(item, checked.text, form.change_note.data)


def _course_page(item: Item, form, unplaced: list[str], status: int = 200):
    return (
        render_template(
            "author/course_edit.html",
            item=item,
            form=form,
            problems=forms.problem_list(form, unplaced),
            version=authoring.working_version(item),
        ),
        status,
    )


def _save_and_redirect(item: Item, text: str, note: str | None):
    try:
        draft = authoring.save_draft(item, text, current_user, change_note=note)
    except ContentErrors as exc:
        for error in exc.errors:
            flash(str(error), "error")
        return redirect(_editor_url(item))
    if draft is None:
        flash(_("Nothing changed: the text is the same as the published version."), "info")
    else:
        flash(_("Draft saved. Submit it for review when it is ready."), "success")
    return redirect(_editor_url(item))


# --- module editor ---------------------------------------------------------------------------


@bp.route("/courses/<course_slug>/modules/new", methods=["GET", "POST"])
def new_module(course_slug: str):
    """Write a new module: its quiz is written next, then both are reviewed."""
    course = _course_or_404(course_slug)
    return _module_editor(course, None)


@bp.route("/courses/<course_slug>/modules/<module_slug>/edit", methods=["GET", "POST"])
def edit_module(course_slug: str, module_slug: str):
    """Edit a module: front matter as fields, the body as Markdown, with a live preview."""
    course, module = _module_or_404(course_slug, module_slug)
    return _module_editor(course, module)


def _module_editor(course, module):
    if request.method == "GET":
        form = editing.module_form(course, module)
        if module is None:
            return _module_page(course, None, form, None, editing.Checked("", forms.Placed(), []))
        # The stored text is valid; checking it again shows the lint suggestions.
        checked = editing.check_module_form(course, module, form)
        return _module_page(course, module, form, editing.preview_html(form.body.data), checked)
    form = forms.ModuleForm()
    editing.set_module_choices(form, course)
    action = request.form.get("action", "save")
    if action in ("lens-gender", "lens-age"):
        form.body.data = editing.append_block(form.body.data, editing.lens_block(action[5:]))
        return _module_page(course, module, form, None, editing.Checked("", forms.Placed(), []))
    if action == "upload":
        return _upload_image(course, module, form)
    if not form.validate():
        return _module_page(
            course, module, form, None, editing.Checked("", forms.Placed(), []), 422
        )
    checked = editing.check_module_form(course, module, form)
    preview = editing.preview_html(form.body.data or "")
    if action == "preview" or checked.placed.has_errors:
        status = 422 if checked.placed.has_errors and action != "preview" else 200
        return _module_page(course, module, form, preview, checked, status)
    return _save_module(course, module, form, checked)


def _save_module(course, module, form, checked):
    try:
        saved = authoring.save_module(
            course,
            module,
            checked.text,
            form.position.data,
            current_user,
            slug=None if module else (form.slug.data or "").strip(),
            tracks=list(form.tracks.data or []),
            change_note=form.change_note.data,
        )
    except (ContentErrors, AuthoringError) as exc:
        messages = [str(e) for e in exc.errors] or [str(exc)]
        checked.unplaced.extend(messages)
        return _module_page(course, module, form, None, checked, 422)
    if saved.draft is None and saved.course_draft is None:
        flash(_("Nothing changed: the text is the same as the published version."), "info")
    else:
        flash(_("Draft saved. Submit it for review when it is ready."), "success")
    if saved.course_draft is not None:
        flash(_("The tracks changed, so the course has a draft too: submit it for review."), "info")
    return redirect(
        url_for("author.edit_module", course_slug=course.slug, module_slug=saved.module.slug)
    )


def _upload_image(course, module, form):
    checked = editing.Checked("", forms.Placed(), [])
    upload = request.files.get(form.image.name)
    alt = (form.image_alt.data or "").strip()
    if upload is None or not upload.filename:
        form.image.errors = [_("Choose a PNG or JPEG image.")]
    elif not alt:
        form.image_alt.errors = [_("Describe the image for people who cannot see it.")]
    else:
        limit = current_app.config["AUTHOR_IMAGE_MAX_BYTES"]
        try:
            image = media.add_image(
                upload.read(limit + 1), upload.filename, limit, module=module, actor=current_user
            )
        except media.MediaError as exc:
            form.image.errors = [exc.message]
        else:
            alt_text = alt.replace("[", "(").replace("]", ")")
            form.body.data = editing.append_block(form.body.data, f"![{alt_text}]({image.path})")
            form.image_alt.data = ""
            flash(
                _("Image added at the end of the text; move it to where it belongs, then save."),
                "success",
            )
    status = 422 if form.image.errors or form.image_alt.errors else 200
    return _module_page(course, module, form, None, checked, status)


def _module_page(course, module, form, preview, checked, status: int = 200):
    item = Item("module", course, module) if module else None
    return (
        render_template(
            "author/module_edit.html",
            course=course,
            module=module,
            item=item,
            form=form,
            version=authoring.working_version(item) if item else None,
            live=authoring.live_version(item) if item else None,
            preview=preview,
            warnings=checked.placed.warnings,
            problems=forms.problem_list(form, checked.unplaced),
        ),
        status,
    )


@bp.route("/preview", methods=["POST"])
def preview():
    """Return the sanitised HTML of a Markdown body (the editor's live preview)."""
    body = request.form.get("body", "")
    if len(body) > 500_000:
        abort(413)
    return render_template("author/_preview.html", preview=editing.preview_html(body))


# --- quiz editor -----------------------------------------------------------------------------


@bp.route("/courses/<course_slug>/modules/<module_slug>/quiz", methods=["GET", "POST"])
def quiz(course_slug: str, module_slug: str):
    """A module's quiz: settings, its questions in order, and buttons to change them."""
    course, module = _module_or_404(course_slug, module_slug)
    state = editing.quiz_state(course, module)
    form = editing.settings_form(state) if request.method == "GET" else forms.QuizSettingsForm()
    problems: list[str] = []
    if request.method == "POST" and form.validate():
        data, fields = editing.settings_data(state, form)
        checked = editing.check_quiz_data(state, data, form, fields)
        if not checked.placed.has_errors:
            return _save_and_redirect(state.item, checked.text, form.change_note.data)
        problems = checked.unplaced
    status = 422 if request.method == "POST" else 200
    return _quiz_page(course, module, state, form, problems, status)


def _quiz_page(course, module, state, form, problems, status=200):
    return (
        render_template(
            "author/quiz.html",
            course=course,
            module=module,
            state=state,
            form=form,
            action=forms.ActionForm(),
            problems=forms.problem_list(form, problems),
            warnings=editing.quiz_warnings(state),
            summary=forms.question_summary,
        ),
        status,
    )


@bp.route(
    "/courses/<course_slug>/modules/<module_slug>/quiz/questions/new", methods=["GET", "POST"]
)
def new_question(course_slug: str, module_slug: str):
    """Add a question of any type the quiz engine supports."""
    course, module = _module_or_404(course_slug, module_slug)
    question_type = request.values.get("type", "single")
    if question_type not in forms.QUESTION_TYPE_LABELS:
        abort(400)
    state = editing.quiz_state(course, module)
    if request.method == "GET":
        form = editing.question_form(course, forms.blank_question(question_type))
        return _question_page(course, module, state, form, None)
    return _question_post(course, module, state, None)


@bp.route(
    "/courses/<course_slug>/modules/<module_slug>/quiz/questions/<question_id>",
    methods=["GET", "POST"],
)
def edit_question(course_slug: str, module_slug: str, question_id: str):
    """Edit one question: its text, options with feedback, or scenario steps and outcomes."""
    course, module = _module_or_404(course_slug, module_slug)
    state = editing.quiz_state(course, module)
    index = editing.question_index(state, question_id)
    if index is None:
        abort(404)
    if request.method == "GET":
        form = editing.question_form(course, state.data["questions"][index])
        return _question_page(course, module, state, form, index)
    return _question_post(course, module, state, index)


def _question_post(course, module, state, index):
    form = forms.QuestionForm()
    editing.set_question_choices(form, course)
    if form.type.data not in forms.QUESTION_TYPE_LABELS:
        abort(400)
    action = request.form.get("action", "save")
    if action != "save":
        form = editing.restructure(course, form, action)
        return _question_page(course, module, state, form, index)
    if not form.validate():
        return _question_page(course, module, state, form, index, status=422)
    checked = editing.check_question_form(state, form, index)
    if checked.placed.has_errors:
        return _question_page(course, module, state, form, index, checked, 422)
    return _save_and_redirect(state.item, checked.text, form.change_note.data)


def _question_page(course, module, state, form, index, checked=None, status=200):
    unplaced = checked.unplaced if checked else []
    return (
        render_template(
            "author/question_edit.html",
            course=course,
            module=module,
            state=state,
            form=form,
            index=index,
            problems=forms.problem_list(form, unplaced),
            warnings=checked.placed.warnings if checked else {},
        ),
        status,
    )


@bp.route(
    "/courses/<course_slug>/modules/<module_slug>/quiz/questions/<question_id>/move",
    methods=["POST"],
)
def move_question(course_slug: str, module_slug: str, question_id: str):
    """Move a question up or down (the order learners see it in)."""
    course, module = _module_or_404(course_slug, module_slug)
    state = editing.quiz_state(course, module)
    index = editing.question_index(state, question_id)
    if index is None or not forms.ActionForm().validate():
        abort(404 if index is None else 400)
    questions = list(state.data["questions"])
    other = index - 1 if request.form.get("direction") == "up" else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
        return _save_questions(state, questions, _("Question moved."))
    return redirect(url_for("author.quiz", course_slug=course_slug, module_slug=module_slug))


@bp.route(
    "/courses/<course_slug>/modules/<module_slug>/quiz/questions/<question_id>/delete",
    methods=["POST"],
)
def delete_question(course_slug: str, module_slug: str, question_id: str):
    """Delete a question from the quiz draft."""
    course, module = _module_or_404(course_slug, module_slug)
    state = editing.quiz_state(course, module)
    index = editing.question_index(state, question_id)
    if index is None or not forms.ActionForm().validate():
        abort(404 if index is None else 400)
    questions = [q for i, q in enumerate(state.data["questions"]) if i != index]
    return _save_questions(state, questions, _("Question deleted."))


def _save_questions(state, questions, message: str):
    checked = editing.check_quiz_data(state, {**state.data, "questions": questions})
    if checked.placed.has_errors:
        for problem in checked.unplaced:
            flash(problem, "error")
        return redirect(_editor_url(state.item))
    try:
        authoring.save_draft(state.item, checked.text, current_user)
    except ContentErrors as exc:
        for error in exc.errors:
            flash(str(error), "error")
    else:
        flash(message + " " + _("The quiz draft is saved."), "success")
    return redirect(_editor_url(state.item))


# --- versions and workflow -------------------------------------------------------------------


@item_route("/versions")
def history(kind: str, course_slug: str, module_slug: str | None = None):
    """Every version of a course, module or quiz, with who did what, and a compare form."""
    item = _item_or_404(kind, course_slug, module_slug)
    rows = authoring.versions(item)
    ids = set()
    for v in rows:
        ids |= {v.created_by_id, v.submitted_by_id, v.reviewed_by_id}
    compare = forms.CompareForm(request.args)
    return render_template(
        "author/history.html",
        item=item,
        versions=rows,
        people=authoring.people(ids),
        compare=compare,
        editor_url=_editor_url(item),
    )


@item_route("/versions/<int:number>")
def version(kind: str, course_slug: str, number: int, module_slug: str | None = None):
    """One version: its content as learners would get it, its text, and workflow buttons."""
    item = _item_or_404(kind, course_slug, module_slug)
    found = authoring.get_version(item, number)
    if found is None:
        abort(404)
    return _version_page(item, found)


def _version_page(item: Item, found, error: AuthoringError | None = None, status: int = 200):
    live = authoring.live_version(item)
    content: dict = {}
    if item.kind == "module":
        body = catalogue.rendered_body(found)
        content["body"] = body.html_for(frozenset(("gender", "age")), editing.lens_labels())
    elif item.kind == "quiz":
        content["quiz"] = catalogue.core_quiz(found)
    return (
        render_template(
            "author/version.html",
            item=item,
            version=found,
            live=live,
            content=content,
            md=render_text,
            people=authoring.people(
                {
                    found.created_by_id,
                    found.updated_by_id,
                    found.submitted_by_id,
                    found.reviewed_by_id,
                }
            ),
            can_approve=authoring.can_approve(found, current_user),
            four_eyes=authoring.is_four_eyes(),
            note_form=forms.NoteForm(),
            reject_form=forms.RejectForm(),
            action=forms.ActionForm(),
            error=error,
            editor_url=_editor_url(item),
            states=VersionState,
        ),
        status,
    )


@item_route("/compare")
def compare(kind: str, course_slug: str, module_slug: str | None = None):
    """Two versions side by side, line by line."""
    item = _item_or_404(kind, course_slug, module_slug)
    form = forms.CompareForm(request.args)
    live = authoring.live_version(item)
    a = authoring.get_version(item, form.a.data) if form.a.data else live
    b = authoring.get_version(item, form.b.data) if form.b.data else authoring.open_draft(item)
    if a is None or b is None:
        abort(404)
    return render_template(
        "author/diff.html",
        item=item,
        a=a,
        b=b,
        rows=authoring.diff_rows(a.source_text, b.source_text),
    )


def _workflow(item: Item, step, success: str, *args):
    """Run a workflow step; on refusal show the version page with the reason and status."""
    try:
        done = step(item, current_user, *args)
    except AuthoringError as exc:
        shown = authoring.open_draft(item) or authoring.live_version(item)
        if shown is None:
            abort(exc.status, description=exc.message)
        return _version_page(item, shown, exc, exc.status)
    flash(success, "success")
    return redirect(url_for("author.version", **item_args(item), number=done.number))


@item_route("/submit", methods=("POST",))
def submit(kind: str, course_slug: str, module_slug: str | None = None):
    """Send the draft for review."""
    item = _item_or_404(kind, course_slug, module_slug)
    form = forms.NoteForm()
    if not form.validate():
        abort(400)
    return _workflow(item, authoring.submit, _("Sent for review."), form.note.data)


@item_route("/approve", methods=("POST",))
def approve(kind: str, course_slug: str, module_slug: str | None = None):
    """Approve the draft in review and publish it."""
    item = _item_or_404(kind, course_slug, module_slug)
    form = forms.NoteForm()
    if not form.validate():
        abort(400)
    return _workflow(item, authoring.approve, _("Approved and published."), form.note.data)


@item_route("/reject", methods=("POST",))
def reject(kind: str, course_slug: str, module_slug: str | None = None):
    """Send the draft in review back to its author with a note."""
    item = _item_or_404(kind, course_slug, module_slug)
    form = forms.RejectForm()
    if not form.validate():
        draft = authoring.open_draft(item)
        if draft is None:
            abort(409)
        error = AuthoringError(_("Say what needs to change."), 400)
        return _version_page(item, draft, error, 400)
    return _workflow(item, authoring.reject, _("Sent back to the author."), form.reason.data)


@item_route("/discard", methods=("POST",))
def discard(kind: str, course_slug: str, module_slug: str | None = None):
    """Drop the open draft (it stays in the history)."""
    item = _item_or_404(kind, course_slug, module_slug)
    if not forms.ActionForm().validate():
        abort(400)
    return _workflow(item, authoring.discard, _("Draft discarded."))


@item_route("/versions/<int:number>/rollback", methods=("POST",))
def rollback(kind: str, course_slug: str, number: int, module_slug: str | None = None):
    """Make a new version from an earlier published one (reviewed like any draft)."""
    item = _item_or_404(kind, course_slug, module_slug)
    if not forms.ActionForm().validate():
        abort(400)
    message = (
        _("A new version with the earlier text is waiting for review.")
        if authoring.is_four_eyes()
        else _("Rolled back: the earlier text is live again as a new version.")
    )
    return _workflow(item, authoring.rollback, message, number)


# --- analysis --------------------------------------------------------------------------------


@bp.route("/courses/<course_slug>/modules/<module_slug>/quiz/analysis", endpoint="analysis")
def analysis_page(course_slug: str, module_slug: str):
    """Question analysis of a quiz version: facility, discrimination, options chosen."""
    course, module = _module_or_404(course_slug, module_slug)
    item = Item("quiz", course, module)
    published = [v for v in authoring.versions(item) if v.state in authoring.PUBLISHED_STATES]
    number = request.args.get("version", type=int)
    chosen = next((v for v in published if v.number == number), None) if number else None
    chosen = chosen or authoring.live_version(item) or (published[0] if published else None)
    if chosen is None:
        abort(404)
    return render_template(
        "author/analysis.html",
        item=item,
        result=analysis.analyse(chosen),
        versions=published,
        counts=analysis.attempt_counts(published),
        md=render_text,
    )


# --- packages --------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def import_package():
    """Upload a course package; its preview follows."""
    form = forms.PackageForm()
    if request.method == "POST" and form.validate():
        limit = current_app.config["AUTHOR_PACKAGE_MAX_BYTES"]
        upload = request.files.get(form.package.name)
        data = upload.read(limit + 1) if upload else b""
        if not data:
            form.package.errors = [_("Choose a zip file.")]
        elif len(data) > limit:
            form.package.errors = [_("The file is larger than %(kb)s KB.", kb=limit // 1024)]
        else:
            try:
                package = packages.upload_package(data, upload.filename, current_user)
            except packages.PackageError as exc:
                form.package.errors = exc.problems
            else:
                return redirect(url_for("author.package", package_id=package.id))
    status = 422 if form.errors else 200
    return (
        render_template(
            "author/import.html",
            form=form,
            packages=packages.open_packages(),
            problems=forms.problem_list(form),
        ),
        status,
    )


@bp.before_request
def _limit_uploads() -> None:
    """Refuse authoring uploads far beyond the largest allowed file before reading them."""
    if request.method == "POST":
        config = current_app.config
        largest = max(config["AUTHOR_PACKAGE_MAX_BYTES"], config["AUTHOR_IMAGE_MAX_BYTES"])
        request.max_content_length = largest + 1024 * 1024


@bp.route("/import/<int:package_id>")
def package(package_id: int):
    """What importing a package would change, and the button to confirm it."""
    found = packages.get_package(package_id) or abort(404)
    return _package_page(found)


def _package_page(found, status: int = 200, problems: list[str] | None = None):
    preview = packages.preview_package(found) if found.closed_at is None else None
    return (
        render_template(
            "author/import_preview.html",
            package=found,
            preview=preview,
            can_confirm=packages.can_confirm(found, current_user),
            uploader=authoring.people({found.uploaded_by_id}).get(found.uploaded_by_id),
            action=forms.ActionForm(),
            problems=problems or [],
        ),
        status,
    )


@bp.route("/import/<int:package_id>/confirm", methods=["POST"])
def confirm_package(package_id: int):
    """Import the package, all or nothing."""
    found = packages.get_package(package_id) or abort(404)
    if not forms.ActionForm().validate():
        abort(400)
    try:
        report = packages.confirm_package(found, current_user)
    except packages.PackageError as exc:
        return _package_page(found, exc.status, exc.problems)
    flash(_("Imported: %(summary)s.", summary=report.summary()), "success")
    return redirect(url_for("author.index"))


@bp.route("/import/<int:package_id>/discard", methods=["POST"])
def discard_package(package_id: int):
    """Drop an uploaded package without importing it."""
    found = packages.get_package(package_id) or abort(404)
    if not forms.ActionForm().validate():
        abort(400)
    packages.discard_package(found, current_user)
    flash(_("Package discarded."), "success")
    return redirect(url_for("author.import_package"))


@bp.route("/courses/<course_slug>/export.zip")
def export_course(course_slug: str):
    """Download the live version of a course as a package."""
    data = packages.export_course_zip(course_slug)
    if data is None:
        abort(404)
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{course_slug}.zip"'},
    )
