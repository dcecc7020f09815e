"""Catalogue, "My learning", module reading and scenario quizzes."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import SelectChoice

from learn.content.render import render_text
from learn.core.quiz import Outcome, Step
from learn.extensions import reads_only, writing
from learn.fragments import (
    CSRF_PLACEHOLDER,
    kept_html,
    kept_htmls,
    render_fragment,
    with_csrf_token,
)
from learn.learner import forms
from learn.services import catalogue, certificates, learning, tracks
from learn.services.learning import LearningError

bp = Blueprint("learner", __name__)

LENS_LABELS = {"gender": _l("Gender lens"), "age": _l("Age lens: children and young workers")}


@lru_cache(maxsize=32)
def _lens_labels(locale: str) -> dict[str, str]:
    """Return the lens labels in ``locale`` (the current one), translated once per process."""
    return {k: str(v) for k, v in LENS_LABELS.items()}


def _fail(exc: LearningError):
    abort(exc.status, description=exc.message)


#: Question stems, feedback and explanations come from immutable quiz versions, and the
#: rendering depends on the text alone: render each text once per process, not per request.
_render_text = lru_cache(maxsize=4096)(render_text)


def _module_or_404(course_slug: str, module_slug: str):
    course, module, _ = _module_and_course_modules(course_slug, module_slug)
    return course, module


def _module_and_course_modules(course_slug: str, module_slug: str, *, rows: bool = False):
    """Return the live course, its live module ``module_slug`` and all its live modules
    (ORM objects, or plain rows for a page that only reads)."""
    found = (catalogue.live_module_rows if rows else catalogue.live_modules)(course_slug)
    module = found[1].get(module_slug) if found else None
    if module is None:
        abort(404)
    return found[0], module, found[1]


class TrackCard(NamedTuple):
    """What one track's card on My learning shows: the input of its template and its key
    (a named tuple: cheap to make and to hash)."""

    number: int
    is_current: bool
    course_slug: str
    track_title: str
    course_title: str
    modules: tuple[learning.ModuleStatus, ...]
    next_module: learning.ModuleStatus | None
    done: int
    total: int
    percent: int
    minutes: int
    completed_on: datetime | None
    due_on: date | None
    is_overdue: bool


def _track_cards(progress: list[learning.TrackProgress], today: date) -> list[Markup]:
    """Return the HTML of each track's card; a learner's cards change only as they progress,
    so each is rendered once per process for what it shows."""
    cards = [
        TrackCard(
            number=number,
            is_current=number == 1 and len(progress) > 1,
            course_slug=p.course.slug,
            track_title=p.track["title"],
            course_title=p.course_title,
            modules=p.modules,
            next_module=p.next_module,
            done=p.done,
            total=p.total,
            percent=p.percent,
            minutes=p.minutes,
            completed_on=p.completion.completed_at if p.completion else None,
            due_on=p.enrolment.due_on,
            is_overdue=p.is_overdue(today),
        )
        for number, p in enumerate(progress, start=1)
    ]
    return kept_htmls("track-card", [(card,) for card in cards], lambda key: _render_card(*key))


def _render_card(card: TrackCard) -> str:
    """Render a track card whose HTML is not kept yet.

    Most of a card is its list of modules, and each module's line depends only on the
    module and the learner's status and best score in it, which many learners share: the
    lines are kept on their own, so a learner a process has not met yet costs a card's
    heading and not a dozen lines.
    """
    lines = kept_htmls(
        "module-line",
        [(card.course_slug, status) for status in card.modules],
        lambda key: render_fragment("learner/_module_line.html", course_slug=key[0], module=key[1]),
        size=8192,
    )
    return render_fragment("learner/_track_card.html", card=card, lines=Markup("").join(lines))


@bp.route("/learning")
@reads_only
@login_required
def home():
    """My learning: current track, progress, next module, due date, attempts, certificates."""
    progress = learning.tracks_progress(current_user, tracks.enrolment_rows(current_user))
    return render_template(
        "learner/home.html",
        progress=progress,
        cards=_track_cards(progress, date.today()),
        recent=learning.recent_attempts(current_user),
        certificates=certificates.certificates_for(current_user),
    )


@bp.route("/courses")
@reads_only
def catalogue_page():
    """Every live course with its tracks: audience, modules and estimated time."""
    courses = []
    for course in catalogue.live_courses():
        modules = catalogue.course_modules(course)
        infos = catalogue.module_infos([m.live_version_id for m in modules.values()])
        version = catalogue.course_info(course.live_version_id)
        rows = []
        for track in version.tracks:
            live = [infos[modules[s].live_version_id] for s in track["modules"] if s in modules]
            rows.append((track, len(live), sum(v.minutes for v in live)))
        courses.append((course, version, rows))
    return render_template("learner/catalogue.html", courses=courses, key=tracks.track_key)


bp.add_url_rule("/courses", endpoint="catalogue", view_func=catalogue_page)


@bp.route("/learning/track", methods=["POST"])
@login_required
def choose_track():
    """Make a track the learner's current one."""
    if tracks.choose_track(current_user, request.form.get("track", "")) is None:
        abort(400, description=_("Choose a track from the list."))
    flash(_("Your track has been updated."), "success")
    return redirect(url_for("learner.home"))


@bp.route("/learning/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Choose your track and turn the gender and age lenses on or off."""
    form = forms.SettingsForm()
    form.track.choices = [SelectChoice(key, label) for key, label in tracks.track_choices()]
    current = tracks.current_enrolment(current_user)
    if request.method == "GET":
        if current:
            form.track.data = tracks.track_key(current.course.slug, current.track_slug)
        form.gender.data = forms.lens_value(current_user.lens_gender)
        form.age.data = forms.lens_value(current_user.lens_age)
    if form.validate_on_submit():
        if form.track.data:
            tracks.choose_track(current_user, form.track.data)
        tracks.set_lenses(
            current_user.record(),
            gender=forms.lens_choice(form.gender.data),
            age=forms.lens_choice(form.age.data),
        )
        flash(_("Your learning settings have been saved."), "success")
        return redirect(url_for("learner.home"))
    return render_template("learner/settings.html", form=form), 200 if not form.errors else 422


@bp.route("/courses/<course_slug>/modules/<module_slug>")
@reads_only
@login_required
def module(course_slug: str, module_slug: str):
    """Read a module: objectives, contents, body with the learner's lenses, sources."""
    course, module, modules = _module_and_course_modules(course_slug, module_slug, rows=True)
    state = learning.reading_state(current_user, course, module)
    if state is None:
        # The first visit pins the module's live version: the only write of this page.
        with writing():
            learning.open_module(current_user, module)
        state = learning.reading_state(current_user, course, module)
    track, progress, open_attempt_id = state
    version = learning.module_version(progress)
    lenses = tracks.effective_lenses(current_user, track)
    # What every reader of this version with these lenses sees is kept per process; a
    # draft (previewed in place) is rendered afresh.
    kept = version.is_published
    toc = kept_html(
        "module-toc",
        (version.id, lenses) if kept else None,
        lambda: render_template(
            "learner/_module_toc.html", version=version, toc=version.body.toc_for(lenses)
        ),
    )
    reading = kept_html(
        "module-reading",
        (version.id, lenses, course.live_version_id, course.slug, module.slug) if kept else None,
        lambda: _module_reading(version, lenses, course, module.slug),
    )
    return render_template(
        "learner/module.html",
        course=course,
        module=module,
        version=version,
        progress=progress,
        toc=toc,
        reading=with_csrf_token(reading),
        neighbours=learning.neighbours(course, track, module.slug, modules),
        track=track,
        has_update=progress.completed_at is None
        and progress.module_version_id != module.live_version_id,
        attempt=open_attempt_id,
    )


def _module_reading(version, lenses: frozenset[str], course, module_slug: str) -> str:
    """Render a module's objectives, body with ``lenses`` and sources."""
    course_version = catalogue.course_info(course.live_version_id)
    return render_template(
        "learner/_module_reading.html",
        version=version,
        body=version.html_for(lenses, _lens_labels(str(get_locale()))),
        sources=[course_version.source(s) or {"id": s, "title": s} for s in version.sources],
        course_slug=course.slug,
        module_slug=module_slug,
        csrf_placeholder=CSRF_PLACEHOLDER,
    )


@bp.route("/courses/<course_slug>/modules/<module_slug>/read", methods=["POST"])
@login_required
def mark_read(course_slug: str, module_slug: str):
    """Record "I have read this", then go to the quiz."""
    _course, module = _module_or_404(course_slug, module_slug)
    progress = learning.mark_read(current_user, module)
    if progress.completed_at:
        flash(_("Module complete."), "success")
        return redirect(url_for("learner.home"))
    return redirect(url_for("learner.quiz", course_slug=course_slug, module_slug=module_slug))


@bp.route("/courses/<course_slug>/modules/<module_slug>/position", methods=["POST"])
@login_required
def save_position(course_slug: str, module_slug: str):
    """Remember the section reached (sent by the reading script)."""
    _course, module = _module_or_404(course_slug, module_slug)
    section = request.form.get("section", "")
    if not section or len(section) > 120:
        abort(400)
    learning.save_position(current_user, module, section)
    return "", 204


@bp.route("/courses/<course_slug>/modules/<module_slug>/update", methods=["POST"])
@login_required
def move_to_latest(course_slug: str, module_slug: str):
    """Move to the newest version of a module the learner had started."""
    _course, module = _module_or_404(course_slug, module_slug)
    learning.move_to_latest(current_user, module)
    flash(_("You are now reading the latest version of this module."), "success")
    return redirect(url_for("learner.module", course_slug=course_slug, module_slug=module_slug))


@bp.route("/courses/<course_slug>/modules/<module_slug>/quiz")
@login_required
def quiz(course_slug: str, module_slug: str):
    """The quiz's start page: pass mark, questions, attempts so far."""
    course, module = _module_or_404(course_slug, module_slug)
    progress = learning.open_module(current_user, module)
    quiz = learning.quiz_of(progress, module)
    if quiz is None:
        abort(404)
    return render_template(
        "learner/quiz.html",
        course=course,
        module=module,
        progress=progress,
        quiz=quiz,
        title=learning.module_version(progress).title,
        attempts=learning.attempts_for(current_user, module),
        open_attempt=learning.open_attempt(current_user, module),
    )


@bp.route("/courses/<course_slug>/modules/<module_slug>/quiz/start", methods=["POST"])
@login_required
def start_attempt(course_slug: str, module_slug: str):
    """Start (or resume) an attempt."""
    course, module = _module_or_404(course_slug, module_slug)
    enrolment = tracks.current_enrolment_on(current_user, course.id)
    try:
        attempt = learning.start_attempt(current_user, module, enrolment)
    except LearningError as exc:
        _fail(exc)
    return redirect(url_for("learner.attempt", attempt_id=attempt.id))


def _attempt_context(attempt):
    module = learning.attempt_module(attempt)
    return {
        "attempt": attempt,
        "module": module,
        "course": module.course,
        "quiz": learning.attempt_quiz(attempt),
        "title": learning.attempt_title(attempt),
        "render": _render_text,
    }


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """Show the next unanswered question (or step), or the summary when finished."""
    try:
        attempt = learning.get_attempt(current_user, attempt_id)
    except LearningError as exc:
        _fail(exc)
    if attempt.submitted_at is not None:
        return redirect(url_for("learner.summary", attempt_id=attempt.id))
    question = learning.current_question(attempt)
    if question is None:
        learning.finish_attempt(current_user, attempt)
        return redirect(url_for("learner.summary", attempt_id=attempt.id))
    context = _attempt_context(attempt)
    step = None
    taken: list = []
    if question.type == "branching":
        rows = learning.answers_by_question(attempt).get(question.id, [])
        taken = learning.branch_taken(question, rows)
        step = learning.current_step(question, rows)
    options = [question.option(o) for o in attempt.option_orders.get(question.id, [])]
    return render_template(
        "learner/question.html",
        question=question,
        options=options,
        step=step,
        taken=taken,
        position=attempt.question_ids.index(question.id) + 1,
        **context,
    )


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
@login_required
def answer(attempt_id: int):
    """Record an answer, then show its feedback."""
    try:
        attempt = learning.get_attempt(current_user, attempt_id)
        question_id = request.form.get("question", "")
        question = learning.attempt_quiz(attempt).question(question_id)
        if question is None or question_id not in attempt.question_ids:
            raise LearningError(_("That question is not part of this attempt."), 400)
        given = forms.parse_answer(question, request.form)
        if given is None:
            if question.type == "ordering":
                flash(_("Give each item a different position before you continue."), "error")
            else:
                flash(_("Choose an answer before you continue."), "error")
            return redirect(url_for("learner.attempt", attempt_id=attempt.id))
        result = learning.answer_question(current_user, attempt, question_id, given)
    except LearningError as exc:
        _fail(exc)
    # attempt_id from the URL: the attempt was expired by the commit, reading it would reload.
    return redirect(
        url_for("learner.feedback", attempt_id=attempt_id, question_id=result.question.id)
    )


@bp.route("/attempts/<int:attempt_id>/feedback/<question_id>")
@login_required
def feedback(attempt_id: int, question_id: str):
    """Feedback on an answered question (or on the last step taken in a scenario)."""
    try:
        attempt = learning.get_attempt(current_user, attempt_id)
    except LearningError as exc:
        _fail(exc)
    review = learning.review_question(attempt, question_id)
    if review is None:
        abort(404)
    context = _attempt_context(attempt)
    return render_template(
        "learner/feedback.html",
        review=review,
        is_last=learning.current_question(attempt) is None,
        is_step=isinstance(review.node, Step),
        Outcome=Outcome,
        **context,
    )


@bp.route("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int):
    """The result of a finished attempt, with every question's feedback and explanation."""
    try:
        attempt = learning.get_attempt(current_user, attempt_id)
    except LearningError as exc:
        _fail(exc)
    if attempt.submitted_at is None:
        return redirect(url_for("learner.attempt", attempt_id=attempt.id))
    context = _attempt_context(attempt)
    progress = learning.module_progress(current_user, context["module"])
    reviews = [learning.review_question(attempt, q) for q in attempt.question_ids]
    return render_template(
        "learner/summary.html",
        reviews=reviews,
        progress=progress,
        can_retry=learning.can_retry(current_user, context["module"]),
        completions=learning.recent_completions(current_user, attempt),
        **context,
    )


def _certificate_download(code: str, make, mimetype: str, filename: str) -> Response:
    """Send ``make(certificate)`` of the learner's own certificate ``code`` as a download
    named ``filename`` (with ``{code}`` filled in)."""
    try:
        certificate = certificates.owned_certificate(current_user, code)
    except certificates.CertificateError as exc:
        abort(exc.status)
    filename = filename.format(code=certificate.code)
    return Response(
        make(certificate),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/certificates/<code>.pdf")
@login_required
def certificate_pdf(code: str):
    """Download your certificate as a PDF."""
    return _certificate_download(
        code, certificates.pdf_for, "application/pdf", "certificate-{code}.pdf"
    )


@bp.route("/certificates/<code>.json")
@login_required
def certificate_credential(code: str):
    """Download your certificate as a signed Open Badges 3.0 credential."""
    return _certificate_download(
        code, certificates.credential_json, "application/json", "credential-{code}.json"
    )
