"""Register, sign in, sign out, change password, reset a password, profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms import SelectChoice

from learn.auth import forms
from learn.extensions import db, rate_limit
from learn.models import AgeBand, Department, Gender, Organisation
from learn.services import accounts

bp = Blueprint("auth", __name__)

ACCOUNT_ERRORS = {
    "email_taken": _l("An account with this email address already exists. Sign in instead."),
    "unknown_organisation": _l("Choose your organisation from the list."),
    "department_not_in_organisation": _l("Choose a department of your organisation."),
    "wrong_password": _l("Your current password is not right."),
    "invalid_token": _l(
        "This link has expired or has already been used. Ask an administrator for a new one."
    ),
}


def account_error(code: str) -> str:
    """Return the message for an ``AccountError`` code, in the reader's language."""
    return str(ACCOUNT_ERRORS[code])


def is_safe_next(target: str | None) -> bool:
    """Accept only a path on this site as a post-sign-in destination."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _login_account_key() -> str:
    return "account:" + accounts.normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@rate_limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@rate_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    scope="login-account",
)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = forms.LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.email.errors.append(_("The email address or password is not right."))
        else:
            login_user(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("site.home"))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


def _organisation_choices(form: forms.RegisterForm) -> None:
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    form.organisation.choices = [SelectChoice(0, _("Choose your organisation"))] + [
        SelectChoice(o.id, o.name) for o in orgs
    ]
    departments = db.session.scalars(
        select(Department).join(Organisation).order_by(Organisation.name, Department.name)
    ).all()
    # Departments grouped under their organisation's name.
    form.department.choices = [SelectChoice(0, _("None or not listed"))] + [
        SelectChoice(d.id, d.name, optgroup=d.organisation.name) for d in departments
    ]


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a learner account."""
    if not current_app.config["REGISTRATION_OPEN"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = forms.RegisterForm()
    _organisation_choices(form)
    from learn.services.tracks import track_choices

    form.track.choices = [SelectChoice("", _("I will decide later"))] + [
        SelectChoice(key, label) for key, label in track_choices()
    ]
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                accounts.NewAccount(
                    name=form.name.data,
                    email=form.email.data,
                    password=form.password.data,
                    organisation_id=form.organisation.data,
                    department_id=form.department.data or None,
                    job_role=form.job_role.data,
                )
            )
        except accounts.AccountError as exc:
            field = form.email if exc.code == "email_taken" else form.organisation
            if exc.code == "department_not_in_organisation":
                field = form.department
            field.errors = [*field.errors, account_error(exc.code)]
        else:
            if form.track.data:
                from learn.services.tracks import choose_track

                choose_track(user, form.track.data)
            login_user(user)
            flash(_("Your account is ready. Welcome."), "success")
            return redirect(url_for("site.home"))
    return render_template("auth/register.html", form=form), 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, so a link on another site cannot sign you out)."""
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change your password; your other sessions are signed out."""
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        person = current_user.record()
        try:
            accounts.change_password(person, form.current.data, form.password.data)
        except accounts.AccountError as exc:
            form.current.errors = [*form.current.errors, account_error(exc.code)]
        else:
            login_user(person, fresh=True)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form), 200 if not form.errors else 422


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password with a one-time link an administrator gave you."""
    if accounts.find_reset(token) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except accounts.AccountError:
            return render_template("auth/reset_invalid.html"), 404
        logout_user()
        flash(_("Your password has been set. Sign in with it now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 200 if not form.errors else 422


GENDER_LABELS = {
    Gender.WOMAN: _l("Woman"),
    Gender.MAN: _l("Man"),
    Gender.OTHER: _l("In another way"),
    Gender.UNSTATED: _l("Prefer not to say"),
}
AGE_LABELS = {
    AgeBand.UNDER_25: _l("Under 25"),
    AgeBand.FROM_25_TO_34: _l("25 to 34"),
    AgeBand.FROM_35_TO_44: _l("35 to 44"),
    AgeBand.FROM_45_TO_54: _l("45 to 54"),
    AgeBand.FROM_55: _l("55 or over"),
    AgeBand.UNSTATED: _l("Prefer not to say"),
}
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """Your account: language and optional reporting details."""
    person = current_user.record()
    form = forms.ProfileForm(obj=person)
    form.locale.choices = [SelectChoice("", _("As my browser asks"))] + [
        SelectChoice(code, LANGUAGE_NAMES.get(code, code))
        for code in current_app.config["LANGUAGES"]
    ]
    form.gender.choices = [SelectChoice("", _("Not answered"))] + [
        SelectChoice(g.value, str(label)) for g, label in GENDER_LABELS.items()
    ]
    form.age_band.choices = [SelectChoice("", _("Not answered"))] + [
        SelectChoice(a.value, str(label)) for a, label in AGE_LABELS.items()
    ]
    if form.validate_on_submit():
        accounts.update_profile(
            person,
            locale=form.locale.data or None,
            gender=form.gender.data or None,
            age_band=form.age_band.data or None,
        )
        flash(_("Your settings have been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, person=person), (
        200 if not form.errors else 422
    )
