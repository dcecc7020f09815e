"""Forms of the administration pages. Filters are GET forms without a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError


def _choices(pairs) -> list[SelectChoice]:
    """Return (value, label) pairs as select or radio choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def _optional_int(value):
    """Coerce a select value to int, with "" (any) as None."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _GetForm(FlaskForm):
    """A filter form: read from the query string, no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False


class ReportFilterForm(_GetForm):
    organisation = SelectField(
        _l("Organisation"), coerce=_optional_int, validators=[Optional()], validate_choice=False
    )
    department = SelectField(
        _l("Department"), coerce=_optional_int, validators=[Optional()], validate_choice=False
    )
    track = SelectField(_l("Track"), validators=[Optional()], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must be on or after the start date."))


class PeopleFilterForm(_GetForm):
    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=200)])
    organisation = SelectField(
        _l("Organisation"), coerce=_optional_int, validators=[Optional()], validate_choice=False
    )
    department = SelectField(
        _l("Department"), coerce=_optional_int, validators=[Optional()], validate_choice=False
    )
    role = SelectField(_l("Role"), validators=[Optional()], validate_choice=False)
    status = SelectField(
        _l("Account"),
        choices=_choices(
            [("", _l("Any")), ("active", _l("Active")), ("inactive", _l("Deactivated"))]
        ),
        validators=[Optional()],
        validate_choice=False,
    )
    track = SelectField(_l("Track"), validators=[Optional()], validate_choice=False)
    progress = SelectField(
        _l("Progress"),
        choices=_choices(
            [
                ("", _l("Any")),
                ("overdue", _l("Overdue")),
                ("not_completed", _l("Not completed")),
                ("completed", _l("Completed")),
            ]
        ),
        validators=[Optional()],
        validate_choice=False,
    )


class CertificateFilterForm(_GetForm):
    organisation = SelectField(
        _l("Organisation"), coerce=_optional_int, validators=[Optional()], validate_choice=False
    )
    track = SelectField(_l("Track"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    date_from = DateField(_l("Issued from"), validators=[Optional()])
    date_to = DateField(_l("Issued to"), validators=[Optional()])


class AuditFilterForm(_GetForm):
    """The audit log's filter: one kind of action."""

    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)


class NewPersonForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        description=_l("As it should appear on their certificate."),
        validators=[DataRequired(_l("Enter the person's full name.")), Length(max=200)],
    )
    email = EmailField(
        _l("Work email address"),
        validators=[
            DataRequired(_l("Enter their email address.")),
            Email(_l("Enter an email address in the right format, like name@example.gov")),
            Length(max=254),
        ],
    )
    organisation = SelectField(
        _l("Organisation"), coerce=int, validators=[DataRequired(_l("Choose an organisation."))]
    )
    department = SelectField(_l("Department (optional)"), coerce=int, validators=[Optional()])
    role = SelectField(_l("Role"), validators=[DataRequired(_l("Choose a role."))])


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l(
            "Columns: name, email, organisation, department, role, track, due date. "
            "Comma or semicolon separated, UTF-8."
        ),
        validators=[FileRequired(_l("Choose a CSV file to upload."))],
    )


class ConfirmImportForm(FlaskForm):
    good_only = BooleanField(
        _l("Import only the good rows"),
        description=_l("The rows with problems are left out; you can fix and upload them later."),
    )
    links = RadioField(
        _l("One-time password links for the new people"),
        choices=_choices(
            [
                ("screen", _l("Show them on the next page")),
                ("csv", _l("Download them as a CSV file")),
            ]
        ),
        default="screen",
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])


class DepartmentForm(FlaskForm):
    department = SelectField(_l("Department"), coerce=int, validators=[Optional()])


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        description=_l("Kept in the audit log. The learner does not see it."),
        validators=[
            DataRequired(_l("Give a reason for revoking the certificate.")),
            Length(max=1000),
        ],
    )


class AssignmentForm(FlaskForm):
    track = SelectField(_l("Track"), validators=[DataRequired(_l("Choose a track."))])
    due_on = DateField(
        _l("Due date (optional)"),
        description=_l("People who have not completed the track by then are overdue."),
        validators=[Optional()],
    )
    target = RadioField(
        _l("Who is it for?"),
        choices=_choices(
            [
                ("organisation", _l("A whole organisation")),
                ("department", _l("A department")),
                ("person", _l("One person")),
            ]
        ),
        validators=[DataRequired(_l("Choose who the track is for."))],
    )
    organisation = SelectField(_l("Organisation"), coerce=_optional_int, validators=[Optional()])
    department = SelectField(_l("Department"), coerce=_optional_int, validators=[Optional()])
    email = EmailField(_l("Person's email address"), validators=[Optional(), Length(max=254)])


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("What the token is for, such as “HR system nightly sync”."),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=120)],
    )
    organisation = SelectField(_l("Organisation whose data it reads"), coerce=int)
