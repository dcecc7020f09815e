"""What the admin pages (and the import command) say for each service error code and value."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "learner": _l("Learner"),
    "trainer": _l("Trainer"),
    "org_admin": _l("Organisation admin"),
    "platform_admin": _l("Platform admin"),
}
GENDER_LABELS = {
    "woman": _l("Woman"),
    "man": _l("Man"),
    "other": _l("In another way"),
    "unstated": _l("Prefer not to say"),
    "not_answered": _l("Not answered"),
}
AGE_LABELS = {
    "under-25": _l("Under 25"),
    "25-34": _l("25 to 34"),
    "35-44": _l("35 to 44"),
    "45-54": _l("45 to 54"),
    "55-plus": _l("55 or over"),
    "unstated": _l("Prefer not to say"),
    "not_answered": _l("Not answered"),
}
CERTIFICATE_STATUS = {
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
    "expiring": _l("Expiring within 90 days"),
}
TARGET_KINDS = {
    "person": _l("Person"),
    "department": _l("Department"),
    "organisation": _l("Whole organisation"),
}

ROW_PROBLEMS = {
    "missing_name": _l("the name is missing"),
    "name_too_long": _l("the name is longer than 200 characters"),
    "missing_email": _l("the email address is missing"),
    "bad_email": _l("the email address is not valid"),
    "duplicate_in_file": _l("duplicate: the same email address is also on line %(line)s"),
    "email_taken": _l("duplicate: someone already has an account with this email address"),
    "missing_organisation": _l("the organisation is missing"),
    "organisation_not_yours": _l("the organisation is not the one you administer"),
    "unknown_role": _l("unknown role “%(value)s”"),
    "role_not_allowed": _l("you cannot give the role “%(value)s”"),
    "unknown_track": _l("unknown track “%(value)s”"),
    "bad_date": _l("the due date “%(value)s” is not a date (use YYYY-MM-DD)"),
    "date_in_past": _l("the due date %(value)s is in the past"),
    "due_without_track": _l("a due date is given without a track"),
}
ROW_NOTES = {
    "new_organisation": _l("a new organisation “%(name)s” will be created"),
    "new_department": _l("a new department “%(name)s” will be created"),
}
FILE_PROBLEMS = {
    "not_utf8": _l("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."),
    "empty": _l("The file is empty."),
    "missing_columns": _l("The file has no column for: %(detail)s."),
    "no_rows": _l("The file has a header but no people."),
    "too_many_rows": _l("The file has more than %(detail)s rows: split it into smaller files."),
    "malformed": _l("The file could not be read as CSV near line %(detail)s."),
}
PEOPLE_ERRORS = {
    "not_found": _l("There is no such person."),
    "not_yourself": _l("You cannot change your own role or deactivate yourself."),
    "not_allowed": _l("Only a platform admin can change a platform admin."),
    "role_not_allowed": _l("You cannot give that role."),
    "organisation_not_yours": _l("You can only add people to your own organisation."),
    "department_not_in_organisation": _l("Choose a department of the person's organisation."),
    "already_imported": _l("This file has already been imported."),
    "email_taken": _l("Someone already has an account with this email address."),
    "unknown_organisation": _l("Choose an organisation from the list."),
}
ASSIGNMENT_ERRORS = {
    "one_target": _l("Choose who the track is for."),
    "unknown_target": _l("There is no such person, department or organisation."),
    "unknown_track": _l("Choose a track from the list."),
    "date_in_past": _l("The due date must be today or later."),
}
TOKEN_ERRORS = {
    "name_required": _l("Give the token a name."),
    "all_needs_platform_admin": _l("Only a platform admin can make a token for all organisations."),
    "organisation_not_yours": _l("You can only make tokens for your own organisation."),
    "unknown_organisation": _l("Choose an organisation from the list."),
    "not_found": _l("There is no such token."),
}


def row_problem(problem: dict) -> str:
    """Return the sentence for one CSV row problem or note."""
    template = ROW_PROBLEMS.get(problem["code"]) or ROW_NOTES.get(problem["code"])
    if template is None:
        return problem["code"]
    return str(template) % {k: v for k, v in problem.items() if k != "code"}


def file_problem(code: str, detail: str = "") -> str:
    """Return the sentence for a problem with a CSV file as a whole."""
    return str(FILE_PROBLEMS.get(code, code)) % {"detail": detail}


def error_text(table: dict, code: str) -> str:
    """Return the sentence for a service error code from ``table``."""
    return str(table.get(code, code))
