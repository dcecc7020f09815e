"""Editor glue for the authoring views: forms to file text, checks, previews and warnings.

Nothing here writes: saving goes through :mod:`learn.services.authoring`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from learn.author import forms
from learn.content.lint import lint_module, lint_quiz
from learn.content.loader import parse_course_text, parse_module_text, parse_quiz_text
from learn.content.render import render_body
from learn.content.writer import (
    course_data,
    emit_yaml,
    module_front,
    module_text,
    quiz_data,
)
from learn.core.course import FORMAT, LENSES
from learn.core.course import Course as CoreCourse
from learn.core.course import Module as CoreModule
from learn.core.errors import ContentErrors
from learn.core.quiz import Quiz as CoreQuiz
from learn.models import Course, Module
from learn.services import authoring
from learn.services.authoring import Item


def lens_labels() -> dict[str, str]:
    """Return the lens labels learners see, translated."""
    return {"gender": _("Gender lens"), "age": _("Age lens: children and young workers")}


def preview_html(body: str) -> Markup:
    """Render a body as learners with every lens on would get it (same sanitising path)."""
    return render_body(body.replace("\r\n", "\n")).html_for(frozenset(LENSES), lens_labels())


def lens_block(lens: str) -> str:
    """Return a lens block with placeholder text, to insert into a body."""
    if lens == "gender":
        text = _("Text for learners with the gender lens on.")
    else:
        text = _("Text for learners with the age lens on.")
    return f"::: lens {lens}\n{text}\n:::"


def append_block(body: str | None, block: str) -> str:
    """Return ``body`` with ``block`` added at the end as its own paragraph."""
    body = (body or "").replace("\r\n", "\n").rstrip("\n")
    return f"{body}\n\n{block}\n" if body else f"{block}\n"


# --- courses ---------------------------------------------------------------------------------


def working_course(course: Course) -> tuple[CoreCourse, object]:
    """Return the course as the editor starts it (draft, rejected or live) and its version."""
    version = authoring.working_version(Item("course", course))
    return parse_course_text(version.source_text, f"courses/{course.slug}/course.yml"), version


def source_choices(course: Course) -> list[SelectChoice]:
    """Return (id, label) of the live course's sources."""
    core = authoring.live_course(course)
    return forms.choices((s.id, f"{s.title} ({s.id})") for s in core.sources)


def track_choices(course: Course) -> list[SelectChoice]:
    """Return (slug, title) of the course's tracks (from its draft if it has one)."""
    core, _version = working_course(course)
    return forms.choices((t.slug, t.title) for t in core.tracks)


@dataclass
class Checked:
    """The outcome of checking an editor's file text."""

    text: str
    placed: forms.Placed
    unplaced: list[str]
    parsed: object | None = None


def check_course_form(course: Course, form: forms.CourseForm) -> Checked:
    """Build course.yml from the form and check it; errors go beside their fields."""
    base = {"format": FORMAT, "slug": course.slug}
    data, fields = forms.course_data_from_form(form, base)
    emitted = emit_yaml(data)
    placed = forms.Placed()
    parsed = None
    try:
        parsed = authoring.check_text(Item("course", course), emitted.text)
    except ContentErrors as exc:
        forms.place(placed, exc.errors, emitted, fields)
    unplaced = forms.attach(form, placed)
    return Checked(emitted.text, placed, unplaced, parsed)


def course_form(course: Course) -> forms.CourseForm:
    """Return the course form filled from the working version."""
    core, _version = working_course(course)
    return forms.CourseForm(formdata=None, data=forms.course_form_data(course_data(core)))


# --- modules ---------------------------------------------------------------------------------


def module_form(course: Course, module: Module | None) -> forms.ModuleForm:
    """Return the module form filled from the working version (or blank for a new module)."""
    if module is None:
        form = forms.ModuleForm(
            formdata=None, data={"position": next_position(course), "minutes": 10}
        )
        form.tracks.data = []
    else:
        version = authoring.working_version(Item("module", course, module))
        path = f"courses/{course.slug}/{version.position:02d}-{module.slug}.md"
        core = parse_module_text(version.source_text, path, None)
        front = module_front(core)
        form = forms.ModuleForm(
            formdata=None,
            data={
                "slug": module.slug,
                "title": front["title"],
                "position": version.position,
                "minutes": front["minutes"],
                "objectives": "\n".join(front["objectives"]),
                "sources": front["sources"],
                "tracks": authoring.module_tracks(course, module.slug),
                "content_note": front.get("content_note", ""),
                "body": core.body.strip("\n") + "\n",
            },
        )
    set_module_choices(form, course)
    return form


def set_module_choices(form: forms.ModuleForm, course: Course) -> None:
    """Fill the source and track choices of a module form."""
    form.sources.choices = source_choices(course)
    form.tracks.choices = track_choices(course)


def next_position(course: Course) -> int:
    """Return the place after the last module of the course."""
    rows = authoring.course_overview(course).modules
    return min(99, max((r.position for r in rows), default=0) + 1)


def check_module_form(course: Course, module: Module | None, form: forms.ModuleForm) -> Checked:
    """Build the module file from the form, check it, and lint it.

    Errors and warnings are placed beside their fields (body problems beside the body).
    """
    slug = module.slug if module else (form.slug.data or "").strip()
    front, fields = forms.module_front_from_form(form, slug)
    text, emitted, body_line = module_text(front, form.body.data or "")
    placed = forms.Placed()
    parsed = None
    if module is None and not slug:
        placed.add("slug", _("Enter a short name."))
    position = form.position.data or 0
    item = Item("module", course, module or Module(course_id=course.id, slug=slug or "new"))
    try:
        if module is None:
            parsed = parse_module_text(text, item.path(position), authoring.live_course(course))
            clash = authoring.position_taken(course, position)
            if clash is not None:
                placed.add(
                    "position",
                    _(
                        "Place %(n)02d is already taken by module '%(slug)s'.",
                        n=position,
                        slug=clash,
                    ),
                )
        else:
            parsed = authoring.check_text(item, text, position)
    except ContentErrors as exc:
        for error in exc.errors:
            if error.line is None and "file name" in error.message:
                placed.add("slug", error.message)
            elif error.line is None and error.message.startswith("place "):
                placed.add("position", error.message)
            else:
                forms.place(placed, [error], emitted, fields, body_line=body_line)
    if parsed is not None:
        tracks = set(form.tracks.data or [])
        warnings = lint_module(parsed, _course_with_tracks(course, slug, tracks))
        forms.place(
            placed, warnings, emitted, fields, warning=True, body_line=body_line, unplaced="body"
        )
    unplaced = forms.attach(form, placed)
    return Checked(text, placed, unplaced, parsed)


def _course_with_tracks(course: Course, slug: str, tracks: set[str]) -> CoreCourse:
    """Return the working course with module ``slug`` in exactly ``tracks`` (for lint)."""
    core, _version = working_course(course)
    new_tracks = []
    for track in core.tracks:
        modules = [m for m in track.modules if m != slug]
        if track.slug in tracks:
            modules.append(slug)
        new_tracks.append(dataclasses.replace(track, modules=tuple(modules)))
    return dataclasses.replace(core, tracks=tuple(new_tracks))


# --- quizzes ---------------------------------------------------------------------------------


@dataclass
class QuizState:
    """A quiz as the editor starts it: its working version (if any) and its data."""

    item: Item
    version: object | None
    data: dict
    core: CoreQuiz | None


def quiz_state(course: Course, module: Module) -> QuizState:
    """Return the quiz data from the working version, or an empty quiz for a new module."""
    item = Item("quiz", course, module)
    version = authoring.working_version(item)
    if version is None:
        data = {"format": FORMAT, "module": module.slug, "pass_mark": 70, "questions": []}
        return QuizState(item, None, data, None)
    core = parse_quiz_text(version.source_text, item.path(), None)
    return QuizState(item, version, quiz_data(core), core)


def quiz_warnings(state: QuizState) -> list[str]:
    """Return the lint warnings of the working quiz, as text."""
    if state.core is None:
        return []
    return [str(w.message) for w in lint_quiz(state.core)]


def question_index(state: QuizState, question_id: str) -> int | None:
    """Return the place of question ``question_id`` in the quiz data, or None."""
    return next(
        (i for i, q in enumerate(state.data["questions"]) if q.get("id") == question_id), None
    )


def question_form(course: Course, data: dict) -> forms.QuestionForm:
    """Return a question form filled from question YAML keys (or blank data)."""
    form = forms.QuestionForm(formdata=None, data=forms.question_form_data(data))
    set_question_choices(form, course)
    return form


def set_question_choices(form: forms.QuestionForm, course: Course) -> None:
    """Fill the source and track choices of a question form."""
    form.sources.choices = source_choices(course)
    form.tracks.choices = forms.choices(
        (t.slug, t.title) for t in authoring.live_course(course).tracks
    )


def restructure(course: Course, form: forms.QuestionForm, action: str) -> forms.QuestionForm:
    """Apply an add/remove/move row button to a question form and return the new form.

    Actions: ``add-option``, ``remove-option-I``, ``up-option-I``, ``down-option-I``,
    ``add-step``, ``remove-step-I``, ``add-choice-I``, ``remove-choice-I-J``,
    ``add-outcome``, ``remove-outcome-I``.
    """
    data = {k: v for k, v in form.data.items() if k != "csrf_token"}
    parts = action.split("-")
    verb, what, numbers = parts[0], parts[1] if len(parts) > 1 else "", parts[2:]
    index = [int(n) for n in numbers if n.isdigit()]
    key = {"option": "options", "step": "steps", "outcome": "outcomes"}.get(what)
    if what == "choice" and index:
        steps = data["steps"]
        if 0 <= index[0] < len(steps):
            choices = steps[index[0]]["choices"]
            if verb == "add":
                choices.append({})
            elif verb == "remove" and len(index) > 1 and 0 <= index[1] < len(choices):
                choices.pop(index[1])
    elif key is not None:
        rows = data[key]
        if verb == "add":
            rows.append({"choices": [{}, {}]} if key == "steps" else {})
        elif index and 0 <= index[0] < len(rows):
            i = index[0]
            if verb == "remove":
                rows.pop(i)
            elif verb == "up" and i > 0:
                rows[i - 1], rows[i] = rows[i], rows[i - 1]
            elif verb == "down" and i < len(rows) - 1:
                rows[i + 1], rows[i] = rows[i], rows[i + 1]
    new = forms.QuestionForm(formdata=None, data=data)
    set_question_choices(new, course)
    return new


def check_question_form(state: QuizState, form: forms.QuestionForm, index: int | None) -> Checked:
    """Put the form's question into the quiz (replacing place ``index``, or appending) and check.

    Problems in this question go beside its fields; others are listed at the top.
    """
    questions = list(state.data["questions"])
    place_at = index if index is not None else len(questions)
    question, fields = forms.question_data_from_form(form, place_at)
    if index is None:
        questions.append(question)
    else:
        questions[index] = question
    data = {**state.data, "questions": questions}
    return check_quiz_data(state, data, form, fields)


def check_quiz_data(
    state: QuizState,
    data: dict,
    form=None,
    fields: dict | None = None,
) -> Checked:
    """Emit quiz data as YAML and check it; place problems beside ``form``'s fields."""
    emitted = emit_yaml(data)
    placed = forms.Placed()
    parsed = None
    try:
        parsed = authoring.check_text(state.item, emitted.text)
    except ContentErrors as exc:
        forms.place(placed, exc.errors, emitted, fields or {})
    if parsed is not None and form is not None:
        for warning in lint_quiz(parsed):
            path = emitted.path_at(warning.line)
            if fields and path and forms.field_for_path(path, fields):
                placed.add("possible_victim", warning.message, warning=True)
    unplaced = forms.attach(form, placed) if form is not None else _all(placed)
    return Checked(emitted.text, placed, unplaced, parsed)


def _all(placed: forms.Placed) -> list[str]:
    return [m for messages in placed.errors.values() for m in messages]


def settings_form(state: QuizState) -> forms.QuizSettingsForm:
    """Return the quiz settings form filled from the quiz data."""
    data = state.data
    return forms.QuizSettingsForm(
        formdata=None,
        data={
            "pass_mark": data.get("pass_mark"),
            "draw": data.get("draw"),
            "max_attempts": data.get("max_attempts"),
        },
    )


def settings_data(state: QuizState, form: forms.QuizSettingsForm) -> tuple[dict, dict]:
    """Return quiz data with the form's settings, and the field of each setting."""
    data = {"format": FORMAT, "module": state.data["module"], "pass_mark": form.pass_mark.data}
    if form.draw.data is not None:
        data["draw"] = form.draw.data
    if form.max_attempts.data:
        data["max_attempts"] = form.max_attempts.data
    data["questions"] = state.data["questions"]
    fields = {("pass_mark",): "pass_mark", ("draw",): "draw", ("max_attempts",): "max_attempts"}
    return data, fields


def module_core(course: Course, version) -> CoreModule:
    """Return a stored module version as a core module (for its body)."""
    module = version.module
    path = f"courses/{course.slug}/{version.position:02d}-{module.slug}.md"
    return parse_module_text(version.source_text, path, None)
