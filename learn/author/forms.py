"""Authoring forms, and the conversions between them and the content files.

The editor writes files: each form turns into the YAML (or front matter and Markdown) of a
content file, which the loader then checks like any file in git. Every field remembers the
place in the file it became (a :data:`~learn.content.writer.YamlPath`), so a loader error
at a line is shown beside the field it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from learn.content.writer import Emitted, YamlPath, normalise_text
from learn.core.course import LENSES
from learn.core.errors import ContentError
from learn.core.quiz import Question


def choices(pairs) -> list[SelectChoice]:
    """Return (value, label) pairs as the choices of a select or checkbox field."""
    return [SelectChoice(value, label) for value, label in pairs]


LENS_CHOICES = choices(
    [("gender", _l("Gender lens")), ("age", _l("Age lens (children and young workers)"))]
)
QUESTION_TYPE_LABELS = {
    "single": _l("One right answer"),
    "multiple": _l("Select all that apply"),
    "true_false": _l("True or false"),
    "ordering": _l("Put in order"),
    "branching": _l("Branching scenario"),
}


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (templates/author/_macros.html renders it in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        """Accept only known values, with a plain message."""
        known = {choice.value for choice in self.choices or []}
        for value in self.data or []:
            if value not in known:
                raise ValidationError(_("Choose from the list."))


def lines_of(text: str | None) -> list[str]:
    """Return the non-blank lines of a textarea, trimmed."""
    return [line.strip() for line in (text or "").replace("\r", "\n").split("\n") if line.strip()]


def text_of(value: str | None) -> str:
    """Return textarea text with LF line ends and no trailing spaces."""
    return normalise_text(value or "")


# --- module ----------------------------------------------------------------------------------


class ModuleForm(FlaskForm):
    """A module's front matter as fields, and its Markdown body."""

    slug = StringField(
        _l("Short name"),
        description=_l(
            "Lowercase letters, digits and hyphens; it becomes part of the web "
            "address and cannot be changed later."
        ),
        validators=[Optional(), Length(max=80)],
    )
    title = StringField(_l("Title"), validators=[Length(max=300)])
    position = IntegerField(
        _l("Place in the course"),
        description=_l("The module's number in the catalogue (1 to 99)."),
        validators=[InputRequired(_l("Enter a number from 1 to 99.")), NumberRange(1, 99)],
    )
    minutes = IntegerField(
        _l("Minutes"),
        description=_l("Estimated time to read the module and take its quiz (1 to 120)."),
        validators=[InputRequired(_l("Enter a whole number of minutes.")), NumberRange(1, 120)],
    )
    objectives = TextAreaField(
        _l("Objectives"),
        description=_l("One per line, up to 8: what a learner can do by the end."),
    )
    sources = MultiCheckboxField(_l("Sources cited"))
    tracks = MultiCheckboxField(
        _l("Tracks"),
        description=_l(
            "The tracks that include this module. Tracks are part of the course "
            "file, so changing them makes a draft of the course too, reviewed and "
            "published on its own."
        ),
    )
    content_note = TextAreaField(
        _l("Content note (optional)"),
        description=_l("Shown before the text when the module describes distressing events."),
    )
    body = TextAreaField(
        _l("Text"),
        description=_l(
            "Markdown. Headings start at ##. Lens blocks start with a line "
            "'::: lens gender' or '::: lens age' and end with a line ':::'."
        ),
    )
    change_note = StringField(
        _l("What changed (for the reviewer)"), validators=[Optional(), Length(max=500)]
    )
    image = FileField(_l("Add an image (PNG or JPEG)"))
    image_alt = StringField(
        _l("Describe the image (alt text)"),
        description=_l("What the image shows, for people who cannot see it."),
        validators=[Optional(), Length(max=300)],
    )


def module_front_from_form(form: ModuleForm, slug: str) -> tuple[dict, dict[YamlPath, str]]:
    """Return the front matter keys of a module form, and which field each key came from."""
    front: dict = {
        "slug": slug,
        "title": (form.title.data or "").strip(),
        "minutes": form.minutes.data,
        "objectives": lines_of(form.objectives.data),
        "sources": list(form.sources.data or []),
    }
    note = " ".join(lines_of(form.content_note.data))
    if note:
        front["content_note"] = note
    fields = {
        ("slug",): "slug",
        ("title",): "title",
        ("minutes",): "minutes",
        ("objectives",): "objectives",
        ("sources",): "sources",
        ("content_note",): "content_note",
    }
    return front, fields


# --- placing loader errors beside fields -----------------------------------------------------


@dataclass
class Placed:
    """Problems and warnings sorted by the field they belong to (None: the whole file)."""

    errors: dict[str | None, list[str]] = field(default_factory=dict)
    warnings: dict[str | None, list[str]] = field(default_factory=dict)

    def add(self, name: str | None, message: str, *, warning: bool = False) -> None:
        """Record a message for field ``name``."""
        target = self.warnings if warning else self.errors
        target.setdefault(name, []).append(message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


def field_for_path(path: YamlPath | None, fields: dict[YamlPath, str]) -> str | None:
    """Return the form field for a YAML path: the longest known prefix of it."""
    if path is None:
        return None
    for size in range(len(path), 0, -1):
        name = fields.get(path[:size])
        if name is not None:
            return name
    return None


def place(
    placed: Placed,
    errors: list[ContentError],
    emitted: Emitted,
    fields: dict[YamlPath, str],
    *,
    warning: bool = False,
    body_line: int | None = None,
    unplaced: str | None = None,
) -> None:
    """Sort loader messages by field: lines in the body go to ``body``, others by path."""
    for error in errors:
        if body_line is not None and error.line is not None and error.line >= body_line:
            name: str | None = "body"
        else:
            name = field_for_path(emitted.path_at(error.line, error.message), fields)
        placed.add(name or unplaced, _message(error), warning=warning)


def _message(error: ContentError) -> str:
    return f"Line {error.line}: {error.message}" if error.line else error.message


def attach(form: Form, placed: Placed) -> list[str]:
    """Add placed errors to the form's fields; return the ones no field took."""
    by_name = dict(walk_fields(form))
    left: list[str] = []
    for name, messages in placed.errors.items():
        target = by_name.get(name) if name else None
        if target is None:
            left.extend(messages)
            continue
        if not isinstance(target.errors, list):
            target.errors = list(target.errors or [])
        target.errors.extend(messages)
    return left


def walk_fields(form: Form, prefix: str = ""):
    """Yield (name, field) for every field of a form, nested lists and forms included."""
    for item in form:
        yield item.name, item
        if isinstance(item, FieldList):
            for entry in item.entries:
                yield entry.name, entry
                if isinstance(entry, FormField):
                    yield from walk_fields(entry.form)
        elif isinstance(item, FormField):
            yield from walk_fields(item.form)


def problem_list(form: Form, extra: list[str] | None = None) -> list[tuple[str | None, str]]:
    """Return (field id, message) for every error of a form, for the summary at the top."""
    found: list[tuple[str | None, str]] = []
    for _name, item in walk_fields(form):
        if isinstance(item, FieldList | FormField) or not isinstance(item, Field):
            continue
        for message in item.errors if isinstance(item.errors, list) else []:
            if item.name == "csrf_token":
                continue
            found.append((item.id, str(message)))
    found.extend((None, m) for m in extra or [])
    return found


# --- course ----------------------------------------------------------------------------------


class SourceForm(Form):
    """A source the course cites."""

    id = StringField(_l("Id"), validators=[Length(max=80)])
    title = StringField(_l("Title"), validators=[Length(max=300)])
    publisher = StringField(_l("Publisher"), validators=[Length(max=300)])
    year = IntegerField(_l("Year (optional)"), validators=[Optional()])
    url = StringField(_l("Web address (optional)"), validators=[Length(max=500)])


class TrackForm(Form):
    """A track of the course: its audience, lenses and ordered modules."""

    slug = StringField(_l("Short name"), validators=[Length(max=80)])
    title = StringField(_l("Title"), validators=[Length(max=300)])
    audience = StringField(_l("Audience"), validators=[Length(max=500)])
    lenses = MultiCheckboxField(_l("Lenses on by default"), choices=LENS_CHOICES)
    certificate_validity_months = IntegerField(
        _l("Certificates valid for (months, optional)"), validators=[Optional()]
    )
    modules = TextAreaField(
        _l("Modules, in order"), description=_l("One module short name per line.")
    )


class CourseForm(FlaskForm):
    """The course file: title, summary, sources and tracks."""

    title = StringField(_l("Title"), validators=[Length(max=300)])
    summary = TextAreaField(_l("Summary"))
    sources = FieldList(FormField(SourceForm), min_entries=1)
    tracks = FieldList(FormField(TrackForm), min_entries=1)
    change_note = StringField(
        _l("What changed (for the reviewer)"), validators=[Optional(), Length(max=500)]
    )


def course_form_data(data: dict) -> dict:
    """Return form data for course.yml keys."""
    return {
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "sources": [
            {
                "id": s.get("id", ""),
                "title": s.get("title", ""),
                "publisher": s.get("publisher", ""),
                "year": s.get("year"),
                "url": s.get("url") or "",
            }
            for s in data.get("sources", [])
        ],
        "tracks": [
            {
                "slug": t.get("slug", ""),
                "title": t.get("title", ""),
                "audience": t.get("audience", ""),
                "lenses": list(t.get("lenses", [])),
                "certificate_validity_months": t.get("certificate_validity_months"),
                "modules": "\n".join(t.get("modules", [])),
            }
            for t in data.get("tracks", [])
        ],
    }


def course_data_from_form(form: CourseForm, base: dict) -> tuple[dict, dict[YamlPath, str]]:
    """Return course.yml keys from the form (``base`` gives format and slug) and field paths."""
    data = {"format": base["format"], "slug": base["slug"]}
    data["title"] = (form.title.data or "").strip()
    data["summary"] = " ".join(lines_of(form.summary.data))
    fields: dict[YamlPath, str] = {("title",): "title", ("summary",): "summary"}
    sources = []
    for entry in form.sources.entries:
        sub = entry.form
        if not any((sub.id.data, sub.title.data, sub.publisher.data, sub.url.data)):
            continue
        index = len(sources)
        source: dict = {
            "id": (sub.id.data or "").strip(),
            "title": (sub.title.data or "").strip(),
            "publisher": (sub.publisher.data or "").strip(),
        }
        if sub.year.data is not None:
            source["year"] = sub.year.data
        if (sub.url.data or "").strip():
            source["url"] = sub.url.data.strip()
        sources.append(source)
        fields[("sources", index)] = sub.id.name
        for key in source:
            fields[("sources", index, key)] = sub[key].name
    tracks = []
    for entry in form.tracks.entries:
        sub = entry.form
        if not any((sub.slug.data, sub.title.data, sub.audience.data, sub.modules.data)):
            continue
        index = len(tracks)
        track: dict = {
            "slug": (sub.slug.data or "").strip(),
            "title": (sub.title.data or "").strip(),
            "audience": (sub.audience.data or "").strip(),
            "lenses": [lens for lens in LENSES if lens in (sub.lenses.data or [])],
        }
        if sub.certificate_validity_months.data is not None:
            track["certificate_validity_months"] = sub.certificate_validity_months.data
        track["modules"] = lines_of(sub.modules.data)
        tracks.append(track)
        fields[("tracks", index)] = sub.slug.name
        for key in track:
            fields[("tracks", index, key)] = sub[key].name
    data["sources"] = sources
    data["tracks"] = tracks
    fields[("sources",)] = "sources"
    fields[("tracks",)] = "tracks"
    return data, fields


# --- quiz ------------------------------------------------------------------------------------


class QuizSettingsForm(FlaskForm):
    """The quiz-wide settings."""

    pass_mark = IntegerField(
        _l("Pass mark (percent)"),
        validators=[InputRequired(_l("Enter a pass mark from 1 to 100.")), NumberRange(1, 100)],
    )
    draw = IntegerField(
        _l("Questions per attempt (optional)"),
        description=_l("Leave empty to ask every question."),
        validators=[Optional(), NumberRange(min=1)],
    )
    max_attempts = IntegerField(
        _l("Attempts allowed (optional)"),
        description=_l("Leave empty for unlimited attempts."),
        validators=[Optional(), NumberRange(min=0)],
    )
    change_note = StringField(
        _l("What changed (for the reviewer)"), validators=[Optional(), Length(max=500)]
    )


class OptionForm(Form):
    """One option of a question (or one item of an ordering question)."""

    id = StringField(_l("Id"), validators=[Length(max=80)])
    text = TextAreaField(_l("Text"))
    correct = BooleanField(_l("This is a correct answer"))
    feedback = TextAreaField(_l("Feedback for a learner who chooses it"))


class ChoiceForm(Form):
    """One choice at a step of a branching scenario."""

    id = StringField(_l("Id"), validators=[Length(max=80)])
    text = TextAreaField(_l("Text"))
    feedback = TextAreaField(_l("Feedback"))
    next = StringField(
        _l("Leads to"),
        description=_l("The id of a step or an outcome."),
        validators=[Length(max=80)],
    )


class StepForm(Form):
    """A decision point of a branching scenario."""

    id = StringField(_l("Step id"), validators=[Length(max=80)])
    prompt = TextAreaField(_l("What the learner is asked"))
    choices = FieldList(FormField(ChoiceForm), min_entries=2)


class OutcomeForm(Form):
    """Where a branching scenario ends."""

    id = StringField(_l("Outcome id"), validators=[Length(max=80)])
    text = TextAreaField(_l("What happened as a result"))
    score = StringField(
        _l("Score (0 to 1)"), description=_l("1 for the best outcome; 0.5 for half marks.")
    )


class QuestionForm(FlaskForm):
    """One question of any type; the template shows the parts its type uses."""

    type = HiddenField()
    id = StringField(
        _l("Question id"),
        description=_l(
            "Lowercase letters, digits and hyphens, unique in the quiz. Keep it "
            "when you reword a question, so its statistics stay together."
        ),
        validators=[Length(max=80)],
    )
    stem = TextAreaField(_l("Question"), description=_l("Markdown."))
    scenario = BooleanField(_l("This is a workplace scenario"))
    possible_victim = BooleanField(
        _l("The scenario is about a possible victim"),
        description=_l(
            "Then its feedback or outcomes must link to the help page: "
            "[Get help or report a concern](/help)."
        ),
    )
    points = IntegerField(
        _l("Points"),
        default=1,
        validators=[InputRequired(_l("Enter 1 to 100.")), NumberRange(1, 100)],
    )
    lenses = MultiCheckboxField(
        _l("Ask only when one of these lenses is on (optional)"), choices=LENS_CHOICES
    )
    tracks = MultiCheckboxField(_l("Ask only on these tracks (optional)"))
    options = FieldList(FormField(OptionForm))
    start = StringField(
        _l("First step"), description=_l("The id of the step the scenario starts with.")
    )
    steps = FieldList(FormField(StepForm))
    outcomes = FieldList(FormField(OutcomeForm))
    explanation = TextAreaField(
        _l("Explanation"), description=_l("Why the right answer is right, with its source.")
    )
    sources = MultiCheckboxField(_l("Sources cited"))
    change_note = StringField(
        _l("What changed (for the reviewer)"), validators=[Optional(), Length(max=500)]
    )


def blank_question(question_type: str) -> dict:
    """Return form data for a new question of ``question_type``."""
    data: dict = {"type": question_type, "points": 1, "options": [], "steps": [], "outcomes": []}
    if question_type == "true_false":
        data["options"] = [{"id": "true"}, {"id": "false"}]
    elif question_type == "branching":
        data["start"] = "start"
        data["steps"] = [{"id": "start", "choices": [{}, {}]}]
        data["outcomes"] = [{}, {}]
        data["scenario"] = True
    else:
        count = 3 if question_type in ("ordering", "multiple") else 2
        data["options"] = [{"id": chr(ord("a") + i)} for i in range(count)]
    return data


def question_form_data(data: dict) -> dict:
    """Return form data for a question's YAML keys."""
    return {
        "type": data["type"],
        "id": data.get("id", ""),
        "stem": data.get("stem", ""),
        "scenario": bool(data.get("scenario")),
        "possible_victim": bool(data.get("possible_victim")),
        "points": data.get("points", 1),
        "lenses": list(data.get("lenses", [])),
        "tracks": list(data.get("tracks", [])),
        "options": [
            {
                "id": o.get("id", ""),
                "text": o.get("text", ""),
                "correct": bool(o.get("correct")),
                "feedback": o.get("feedback", ""),
            }
            for o in data.get("options", [])
        ],
        "start": data.get("start", ""),
        "steps": [
            {"id": s.get("id", ""), "prompt": s.get("prompt", ""), "choices": s.get("choices", [])}
            for s in data.get("steps", [])
        ],
        "outcomes": [
            {"id": o.get("id", ""), "text": o.get("text", ""), "score": _score_text(o.get("score"))}
            for o in data.get("outcomes", [])
        ],
        "explanation": data.get("explanation", ""),
        "sources": list(data.get("sources", [])),
    }


def _score_text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _score_value(text: str | None):
    text = (text or "").strip()
    try:
        number = float(text)
    except ValueError:
        return text  # the loader explains what is expected
    return int(number) if number.is_integer() else number


def _is_blank(*values) -> bool:
    return not any((v or "").strip() if isinstance(v, str) else v for v in values)


def question_data_from_form(form: QuestionForm, index: int) -> tuple[dict, dict[YamlPath, str]]:
    """Return a question's YAML keys from the form, and which field each path came from.

    ``index`` is the question's place in the quiz; blank option, step, choice and outcome
    rows are left out.
    """
    question_type = form.type.data
    base: YamlPath = ("questions", index)
    data: dict = {"id": (form.id.data or "").strip(), "type": question_type}
    fields: dict[YamlPath, str] = {base: "id", (*base, "id"): "id", (*base, "type"): "id"}
    if form.scenario.data:
        data["scenario"] = True
    if form.possible_victim.data:
        data["possible_victim"] = True
    if form.lenses.data:
        data["lenses"] = [lens for lens in LENSES if lens in form.lenses.data]
    if form.tracks.data:
        data["tracks"] = sorted(form.tracks.data)
    if form.points.data not in (None, 1):
        data["points"] = form.points.data
    data["stem"] = text_of(form.stem.data)
    for key in ("scenario", "possible_victim", "lenses", "tracks", "points", "stem"):
        fields[(*base, key)] = key
    if question_type == "branching":
        data["start"] = (form.start.data or "").strip()
        fields[(*base, "start")] = "start"
        steps = []
        for entry in form.steps.entries:
            sub = entry.form
            choices = []
            step_path = (*base, "steps", len(steps))
            for choice_entry in sub.choices.entries:
                c = choice_entry.form
                if _is_blank(c.id.data, c.text.data, c.feedback.data, c.next.data):
                    continue
                path = (*step_path, "choices", len(choices))
                choices.append(
                    {
                        "id": (c.id.data or "").strip(),
                        "text": text_of(c.text.data),
                        "feedback": text_of(c.feedback.data),
                        "next": (c.next.data or "").strip(),
                    }
                )
                fields[path] = c.id.name
                for key in ("id", "text", "feedback", "next"):
                    fields[(*path, key)] = c[key].name
            if _is_blank(sub.id.data, sub.prompt.data) and not choices:
                continue
            steps.append(
                {
                    "id": (sub.id.data or "").strip(),
                    "prompt": text_of(sub.prompt.data),
                    "choices": choices,
                }
            )
            fields[step_path] = sub.id.name
            fields[(*step_path, "id")] = sub.id.name
            fields[(*step_path, "prompt")] = sub.prompt.name
            fields[(*step_path, "choices")] = sub.prompt.name
        outcomes = []
        for entry in form.outcomes.entries:
            sub = entry.form
            if _is_blank(sub.id.data, sub.text.data, sub.score.data):
                continue
            path = (*base, "outcomes", len(outcomes))
            outcomes.append(
                {
                    "id": (sub.id.data or "").strip(),
                    "text": text_of(sub.text.data),
                    "score": _score_value(sub.score.data),
                }
            )
            fields[path] = sub.id.name
            for key in ("id", "text", "score"):
                fields[(*path, key)] = sub[key].name
        data["steps"] = steps
        data["outcomes"] = outcomes
        fields[(*base, "steps")] = "start"
        fields[(*base, "outcomes")] = "start"
    else:
        options = []
        for entry in form.options.entries:
            sub = entry.form
            if question_type != "true_false" and _is_blank(
                sub.id.data, sub.text.data, sub.feedback.data
            ):
                continue
            path = (*base, "options", len(options))
            option: dict = {"id": (sub.id.data or "").strip()}
            if question_type != "true_false" or (sub.text.data or "").strip():
                option["text"] = text_of(sub.text.data)
            if question_type != "ordering" and sub.correct.data:
                option["correct"] = True
            option["feedback"] = text_of(sub.feedback.data)
            options.append(option)
            fields[path] = sub.id.name
            for key in ("id", "text", "correct", "feedback"):
                fields[(*path, key)] = sub[key].name
        data["options"] = options
        fields[(*base, "options")] = "stem"
    data["explanation"] = text_of(form.explanation.data)
    data["sources"] = list(form.sources.data or [])
    fields[(*base, "explanation")] = "explanation"
    fields[(*base, "sources")] = "sources"
    return data, fields


def question_summary(question: Question) -> str:
    """Return the first line of a question's stem, shortened for lists."""
    first = question.stem.strip().split("\n", 1)[0]
    return first if len(first) <= 120 else first[:117] + "..."


# --- review, rollback, import ----------------------------------------------------------------


class NoteForm(FlaskForm):
    """A note with a workflow step (submit, approve, reject)."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class RejectForm(FlaskForm):
    """Send a draft back with what needs to change."""

    reason = TextAreaField(
        _l("What needs to change"),
        validators=[InputRequired(_l("Say what needs to change.")), Length(max=2000)],
    )


class ActionForm(FlaskForm):
    """A button that posts (discard, rollback, move, delete, confirm)."""


class PackageForm(FlaskForm):
    """Upload a course package."""

    package = FileField(
        _l("Course package (zip)"),
        description=_l(
            "A zip laid out as courses/<course>/... and quizzes/<course>/..., "
            "as the export makes it."
        ),
    )


class CompareForm(FlaskForm):
    """Choose two versions to compare (a GET form)."""

    class Meta:
        csrf = False

    a = IntegerField(_l("Compare version"), validators=[Optional()])
    b = IntegerField(_l("with version"), validators=[Optional()])
