"""Learner forms, and reading a quiz answer from a posted form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectChoice, SelectField
from wtforms.validators import DataRequired

from learn.core.quiz import Question

LENS_CHOICES = [
    SelectChoice("track", _l("As my track sets it")),
    SelectChoice("on", _l("On")),
    SelectChoice("off", _l("Off")),
]


def lens_value(choice: bool | None) -> str:
    """Return the form value for a stored lens choice."""
    return "track" if choice is None else ("on" if choice else "off")


def lens_choice(value: str | None) -> bool | None:
    """Return the stored lens choice for a form value."""
    return {"on": True, "off": False}.get(value or "track")


class SettingsForm(FlaskForm):
    track = SelectField(
        _l("Your track"),
        description=_l("The modules, order and lenses that suit your role."),
        validators=[DataRequired(_l("Choose a track."))],
    )
    gender = RadioField(
        _l("Gender lens"),
        description=_l(
            "Adds how women and girls, men and boys are exposed differently, "
            "and what a gender-responsive buyer does."
        ),
        choices=LENS_CHOICES,
        default="track",
    )
    age = RadioField(
        _l("Age lens: children and young workers"),
        description=_l("Adds child labour, young workers and age-sensitive responses."),
        choices=LENS_CHOICES,
        default="track",
    )


def parse_answer(question: Question, form: MultiDict) -> tuple[str, ...] | None:
    """Return the answer ids a form carries for ``question`` (None if nothing was chosen).

    Ids are passed through as sent: the grading rules refuse ones the question lacks.
    """
    if question.type == "multiple":
        chosen = tuple(form.getlist("option"))
        return chosen or None
    if question.type == "ordering":
        # One select per item: position_<option id> = 1..n
        positions = {}
        for key, value in form.items():
            if key.startswith("position_"):
                if not value.isdigit():
                    return None
                positions[key[len("position_") :]] = int(value)
        if not positions or len(set(positions.values())) != len(positions):
            return None
        return tuple(sorted(positions, key=lambda k: (positions[k], k)))
    value = form.get("option") or form.get("choice")
    return (value,) if value else None
