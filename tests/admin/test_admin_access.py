"""Every admin page and action is for admins only, and an organisation admin stays in theirs."""

from __future__ import annotations

import pytest

from learn.models import Role
from learn.services import api_tokens
from learn.services.scope import Scope
from tests.helpers import complete_track

GET_PAGES = [
    "/admin/",
    "/admin/reports/weekly",
    "/admin/reports/quizzes",
    "/admin/reports/reach",
    "/admin/reports/expiring",
    "/admin/reports/groups.csv",
    "/admin/reports/tracks.csv",
    "/admin/reports/weekly.csv",
    "/admin/reports/quizzes.csv",
    "/admin/reports/reach.csv",
    "/admin/reports/expiring.csv",
    "/admin/people",
    "/admin/people.csv",
    "/admin/people/new",
    "/admin/people/import",
    "/admin/assignments",
    "/admin/assignments.csv",
    "/admin/certificates",
    "/admin/certificates.csv",
    "/admin/audit",
    "/admin/audit.csv",
    "/admin/api-tokens",
]
POST_ACTIONS = [
    "/admin/people/new",
    "/admin/people/import",
    "/admin/assignments",
    "/admin/api-tokens",
]


@pytest.mark.parametrize("path", GET_PAGES)
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.LEARNER, Role.TRAINER])
@pytest.mark.parametrize("path", GET_PAGES)
def test_learners_and_trainers_are_refused(client, login, make_user, role, path):
    login(make_user(role))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", [Role.LEARNER, Role.TRAINER])
@pytest.mark.parametrize("path", POST_ACTIONS)
def test_learners_and_trainers_cannot_post(client, login, make_user, role, path):
    login(make_user(role))
    assert client.post(path, data={}).status_code == 403


@pytest.mark.parametrize("path", GET_PAGES)
def test_org_admin_and_platform_admin_reach_every_page(client, login, admin_a, path):
    login(admin_a)
    assert client.get(path).status_code == 200


@pytest.fixture
def person_b(make_user, org_b):
    return make_user(org=org_b, name="Bea Other")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/people/{id}"),
        ("post", "/admin/people/{id}/deactivate"),
        ("post", "/admin/people/{id}/reactivate"),
        ("post", "/admin/people/{id}/reset-link"),
        ("post", "/admin/people/{id}/role"),
        ("post", "/admin/people/{id}/department"),
    ],
)
def test_org_admin_gets_404_for_another_organisations_person(
    client, login, admin_a, person_b, method, path
):
    login(admin_a)
    response = getattr(client, method)(path.format(id=person_b.id), data={"role": "learner"})
    assert response.status_code == 404


def test_org_admin_gets_404_for_another_organisations_certificate(
    client, login, admin_a, person_b, demo_course
):
    complete_track(person_b, "demo", "managers")
    from learn.services.certificates import certificates_for

    code = certificates_for(person_b)[0].code
    login(admin_a)
    assert client.get(f"/admin/certificates/{code}").status_code == 404
    assert client.post(f"/admin/certificates/{code}", data={"reason": "x"}).status_code == 404
    assert client.post(f"/admin/certificates/{code}/reissue").status_code == 404


def test_org_admin_gets_404_for_another_organisations_token(client, login, admin_a, admin_b, org_b):
    made = api_tokens.create_token(admin_b, Scope(org_b.id), "B's HR", org_b.id)
    login(admin_a)
    assert client.post(f"/admin/api-tokens/{made.token.id}/revoke").status_code == 404


def test_org_admin_cannot_filter_into_another_organisation(client, login, admin_a, person_b, org_b):
    login(admin_a)
    html = client.get(f"/admin/people?organisation={org_b.id}").get_data(as_text=True)
    assert "Bea Other" not in html
    csv = client.get(f"/admin/people.csv?organisation={org_b.id}").get_data(as_text=True)
    assert "Bea Other" not in csv
    csv = client.get(f"/admin/people.csv?department={org_b.departments[0].id}").get_data(
        as_text=True
    )
    assert "Bea Other" not in csv


def test_a_tokenless_post_is_refused_with_csrf_on(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    admin = make_user(Role.PLATFORM_ADMIN)
    client = app.test_client()
    # Sign in with a real token from the sign-in page.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={
            "email": admin.email,
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert client.get("/admin/").status_code == 200
    response = client.post("/admin/api-tokens", data={"name": "HR", "organisation": 0})
    assert response.status_code == 400
    assert api_tokens.list_tokens(Scope(None)) == []
