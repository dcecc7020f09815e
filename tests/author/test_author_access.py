"""Who reaches authoring: every route, every role; and CSRF on its forms."""

from __future__ import annotations

import re

import pytest

from learn.models import Role

SAMPLES = {
    "course_slug": "demo",
    "module_slug": "intro",
    "number": "1",
    "question_id": "why-demand",
    "package_id": "1",
}


def author_routes(app) -> list[tuple[str, str]]:
    """Return (method, url) for every authoring route, with sample values filled in."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("author."):
            continue
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: SAMPLES[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return sorted(set(routes))


def call(client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, data={})


def test_every_route_is_listed(app):
    routes = author_routes(app)
    # The overview, editors, workflow, analysis, packages: a guard against a route going
    # unprotected by being added to another blueprint by mistake.
    assert ("GET", "/author/") in routes
    assert ("POST", "/author/courses/demo/modules/intro/approve") in routes
    assert ("POST", "/author/courses/demo/modules/intro/quiz/approve") in routes
    assert ("POST", "/author/courses/demo/course/approve") in routes
    assert ("GET", "/author/courses/demo/modules/intro/quiz/analysis") in routes
    assert ("POST", "/author/import/1/confirm") in routes
    assert len(routes) >= 35


def test_anonymous_visitors_are_sent_to_sign_in(app, client, demo_course):
    for method, url in author_routes(app):
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login"), (method, url)


@pytest.mark.parametrize("role", [Role.LEARNER, Role.ORG_ADMIN])
def test_learners_and_organisation_admins_get_403(app, client, auth, make_user, demo_course, role):
    auth.login(make_user(role))
    for method, url in author_routes(app):
        assert call(client, method, url).status_code == 403, (method, url)


@pytest.mark.parametrize("role", [Role.TRAINER, Role.PLATFORM_ADMIN])
def test_trainers_and_platform_admins_reach_every_page(
    app, client, auth, make_user, demo_course, role
):
    from learn.services import packages

    user = make_user(role)
    packages.upload_package(packages.export_course_zip("demo"), "demo.zip", user)
    auth.login(user)
    for method, url in author_routes(app):
        if method != "GET":
            continue
        if url.endswith("/compare"):
            url += "?a=1&b=1"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.mimetype == "text/html":
            assert response.get_data(as_text=True).count("<h1") == 1, url


def test_authoring_link_only_for_trainers(client, auth, make_user, demo_course):
    auth.login(make_user(Role.LEARNER))
    assert b'href="/author/"' not in client.get("/courses").data
    auth.logout()
    auth.login(make_user(Role.TRAINER))
    assert b'href="/author/"' in client.get("/courses").data


def test_a_post_without_csrf_token_is_refused(make_app, make_user):
    from learn.services.catalogue import import_path
    from tests.conftest import DATA

    app = make_app(WTF_CSRF_ENABLED=True)
    import_path(DATA / "content")
    trainer = make_user(Role.TRAINER)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    client.post(
        "/login",
        data={
            "email": trainer.email,
            "password": "correct horse battery staple",
            "csrf_token": token.group(1),
        },
    )
    assert client.get("/author/").status_code == 200
    for url in (
        "/author/courses/demo/modules/intro/edit",
        "/author/courses/demo/modules/intro/submit",
        "/author/courses/demo/modules/intro/approve",
        "/author/preview",
        "/author/import",
    ):
        response = client.post(url, data={"title": "x", "body": "## x"})
        assert response.status_code == 400, url
    # With the token from the editor page, the same post goes through.
    page = client.get("/author/courses/demo/modules/intro/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/author/preview", data={"body": "## x", "csrf_token": token})
    assert response.status_code == 200
