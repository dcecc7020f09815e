"""Fixtures for the administration tests: admins of each kind, signed in."""

from __future__ import annotations

import pytest

from learn.models import Role


@pytest.fixture
def org_a(make_org):
    """Organisation A, with two departments."""
    return make_org("Ministry A", departments=("Procurement", "Finance"))


@pytest.fixture
def org_b(make_org):
    """Organisation B, with one department."""
    return make_org("Ministry B", departments=("Procurement",))


@pytest.fixture
def platform_admin(make_user, make_org):
    """A platform admin, in an organisation of their own."""
    return make_user(Role.PLATFORM_ADMIN, org=make_org("Platform"), name="Pat Platform")


@pytest.fixture
def admin_a(make_user, org_a):
    """The organisation admin of Ministry A."""
    return make_user(Role.ORG_ADMIN, org=org_a, name="Ada Admin")


@pytest.fixture
def admin_b(make_user, org_b):
    """The organisation admin of Ministry B."""
    return make_user(Role.ORG_ADMIN, org=org_b, name="Bo Admin")


@pytest.fixture
def login(auth):
    """Sign in as a user through the real sign-in page."""

    def sign_in(user):
        response = auth.login(user)
        assert response.status_code == 302, response.status_code
        return user

    return sign_in
