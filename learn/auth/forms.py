"""Forms for accounts."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from learn.core.passwords import (
    CONTAINS_EMAIL,
    TOO_COMMON,
    TOO_FEW_CHARACTERS,
    TOO_SHORT,
    password_problems,
)

PASSWORD_MESSAGES = {
    TOO_SHORT: _l("Your password must be at least %(n)s characters long."),
    TOO_COMMON: _l("This password is on a list of common passwords: choose a different one."),
    TOO_FEW_CHARACTERS: _l("Use more than a few different characters in your password."),
    CONTAINS_EMAIL: _l("Do not use your email address in your password."),
}


class StrongPassword:
    """Refuse short and common passwords, with a message for each rule broken."""

    def __init__(self, email_field: str | None = "email") -> None:
        self.email_field = email_field

    def __call__(self, form: FlaskForm, field) -> None:
        email_field = getattr(form, self.email_field, None) if self.email_field else None
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        problems = password_problems(
            field.data or "",
            min_length=minimum,
            email=(email_field.data or "") if email_field else "",
        )
        if problems:
            raise ValidationError(
                str(PASSWORD_MESSAGES[problems[0]]).replace("%(n)s", str(minimum))
            )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[DataRequired(_l("Enter your email address."))]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device for 14 days"))


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        description=_l("As it should appear on your certificate."),
        validators=[DataRequired(_l("Enter your full name.")), Length(max=200)],
    )
    email = EmailField(
        _l("Work email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter an email address in the right format, like name@example.gov")),
            Length(max=254),
        ],
    )
    organisation = SelectField(
        _l("Organisation"), coerce=int, validators=[DataRequired(_l("Choose your organisation."))]
    )
    department = SelectField(_l("Department (optional)"), coerce=int, validators=[Optional()])
    job_role = StringField(
        _l("Job role (optional)"),
        description=_l("For example: category buyer, contract manager, labour inspector."),
        validators=[Optional(), Length(max=200)],
    )
    track = SelectField(
        _l("Which training is for you? (you can change this later)"), validators=[Optional()]
    )
    password = PasswordField(
        _l("Create a password"),
        description=_l("At least 12 characters. A few unrelated words make a good one."),
        validators=[DataRequired(_l("Create a password.")), StrongPassword()],
    )
    confirm = PasswordField(
        _l("Confirm password"),
        validators=[
            DataRequired(_l("Enter your password again.")),
            EqualTo("password", _l("The passwords do not match.")),
        ],
    )


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters."),
        validators=[DataRequired(_l("Enter a new password.")), StrongPassword(None)],
    )
    confirm = PasswordField(
        _l("Confirm new password"),
        validators=[
            DataRequired(_l("Enter your new password again.")),
            EqualTo("password", _l("The passwords do not match.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )


class ResetPasswordForm(NewPasswordForm):
    """Set a password through a one-time link."""


class ProfileForm(FlaskForm):
    locale = SelectField(_l("Language"), validators=[Optional()])
    gender = SelectField(
        _l("Gender (optional)"),
        description=_l("Used only in anonymous totals; groups under 5 people are never shown."),
        validators=[Optional()],
    )
    age_band = SelectField(
        _l("Age band (optional)"),
        description=_l("Used only in anonymous totals; groups under 5 people are never shown."),
        validators=[Optional()],
    )
