"""The signed-in person as requests see them: a read-only row, its ORM record on demand."""

from __future__ import annotations

import pytest
from flask import template_rendered

from learn.extensions import db
from learn.models import Role, SessionUser, User
from learn.services.accounts import load_session_user


@pytest.mark.parametrize("role", list(Role))
def test_a_session_user_says_what_the_orm_user_says(make_user, role):
    user = make_user(role)
    person = load_session_user(user.get_id())
    assert isinstance(person, SessionUser)
    for name in SessionUser.__slots__:
        assert getattr(person, name) == getattr(user, name), name
    assert person.role is user.role
    assert (person.is_admin, person.is_trainer, person.is_active) == (
        user.is_admin, user.is_trainer, user.is_active,
    )  # fmt: skip
    assert person.get_id() == user.get_id() and person == user


def test_only_the_current_token_and_a_real_id_find_a_person(make_user):
    user = make_user()
    assert load_session_user(f"{user.id}:not-the-token") is None
    assert load_session_user(f"{user.id + 1000}:{user.session_token}") is None
    assert load_session_user(f"x{user.id}:{user.session_token}") is None
    user.active = False
    db.session.commit()
    assert load_session_user(user.get_id()).is_active is False


def test_a_session_user_is_read_only_and_changes_go_through_its_record(make_user):
    user = make_user()
    person = load_session_user(user.get_id())
    with pytest.raises(AttributeError, match="read-only"):
        person.lens_gender = True
    record = person.record()
    assert isinstance(record, User) and record.id == person.id
    assert record.record() is record
    record.lens_gender = True
    db.session.commit()
    assert load_session_user(user.get_id()).lens_gender is True


def test_signed_in_pages_load_the_person_as_a_row(app, make_user, auth):
    user = make_user()
    auth.login(user)
    seen = []

    def record(sender, template, context, **extra):
        seen.append(type(context["current_user"]))

    with template_rendered.connected_to(record, app):
        assert auth._client.get("/learning").status_code == 200
    assert seen and set(seen) == {SessionUser}
