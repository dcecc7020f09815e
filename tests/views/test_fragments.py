"""Kept HTML (chrome, track cards) follows its inputs; nothing personal leaks between people."""

from __future__ import annotations

import re
from datetime import date, timedelta

from learn.extensions import db
from learn.models import Role
from learn.services import learning, tracks
from learn.services.catalogue import import_path
from tests.conftest import DATA, PASSWORD, AuthActions
from tests.helpers import pass_module

TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def _sign_in(app, user):
    client = app.test_client()
    page = client.get("/login")
    token = TOKEN.search(page.data).group(1).decode()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def _sign_out_token(page: bytes) -> str:
    form = page[page.index(b'action="/logout"') :]
    return TOKEN.search(form).group(1).decode()


def test_each_person_gets_their_own_sign_out_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    first, second = _sign_in(app, make_user()), _sign_in(app, make_user())
    first_token = _sign_out_token(first.get("/help").data)
    second_token = _sign_out_token(second.get("/help").data)
    assert first_token != second_token
    # Each token signs its own person out; the other's is refused.
    assert first.post("/logout", data={"csrf_token": second_token}).status_code == 400
    assert first.post("/logout", data={"csrf_token": first_token}).status_code == 302
    assert b'action="/logout"' not in first.get("/help").data
    assert second.post("/logout", data={"csrf_token": second_token}).status_code == 302


def test_a_signed_csrf_token_is_reused_for_a_while_then_signed_afresh(
    make_app, make_user, monkeypatch
):
    from learn import fragments

    app = make_app(WTF_CSRF_ENABLED=True)
    client = _sign_in(app, make_user())
    now, signed = [1000.0], []
    sign = fragments.generate_csrf
    monkeypatch.setattr(fragments.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(fragments, "generate_csrf", lambda: signed.append(1) or sign())
    first = _sign_out_token(client.get("/help").data)
    assert len(signed) == 1
    now[0] += fragments.CSRF_REUSE_SECONDS - 1
    assert _sign_out_token(client.get("/help").data) == first
    # Every token on a page is the same one, kept HTML or not.
    assert set(TOKEN.findall(client.get("/learning").data)) == {first.encode()}
    assert len(signed) == 1
    now[0] += 2
    second = _sign_out_token(client.get("/help").data)
    assert len(signed) == 2
    # Another person never gets a token kept for someone else.
    other = _sign_in(app, make_user())
    assert _sign_out_token(other.get("/help").data) not in (first, second)
    assert client.post("/logout", data={"csrf_token": second}).status_code == 302


def test_the_header_follows_the_role_of_whoever_asks(app, make_user, auth):
    client = app.test_client()
    assert b"Sign in</a>" in client.get("/help").data
    for role, authoring, administration in (
        (Role.PLATFORM_ADMIN, True, True),
        (Role.LEARNER, False, False),
        (Role.TRAINER, True, False),
        (Role.ORG_ADMIN, False, True),
    ):
        user = make_user(role)
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        page = client.get("/help").data
        assert (b">Authoring<" in page) is authoring, role
        assert (b">Administration<" in page) is administration, role
        assert b"Sign in</a>" not in page
        client.post("/logout")
    assert b"Sign in</a>" in client.get("/help").data


def test_the_header_follows_the_registration_setting(app):
    client = app.test_client()
    assert b"Create an account" in client.get("/help").data
    app.config["REGISTRATION_OPEN"] = False
    assert b"Create an account" not in client.get("/help").data


def test_the_chrome_follows_where_the_app_is_mounted(app):
    client = app.test_client()
    mounted = client.get("/help", base_url="http://localhost/training/").data
    assert b'href="/training/login"' in mounted
    plain = client.get("/help").data
    assert b'href="/login"' in plain and b"/training" not in plain


def _card(client) -> str:
    html = client.get("/learning").get_data(as_text=True)
    return html[html.index('<section class="card"') : html.index("</section>")]


def test_a_track_card_follows_the_learners_progress(app, make_user, auth, demo_course):
    first, second = make_user(), make_user()
    course = demo_course
    modules = {m.slug: m for m in course.modules}
    for user in (first, second):
        tracks.enrol(user, course, "buyers")
    client = app.test_client()
    auth_for = AuthActions(client)
    auth_for.login(first)
    card = _card(client)
    assert "0 of 3 modules complete" in card and "Read: quiz to pass" not in card
    learning.mark_read(first, modules["intro"])
    assert "Read: quiz to pass" in _card(client)
    pass_module(first, modules["intro"])
    card = _card(client)
    assert "1 of 3 modules complete (33%)" in card and "Complete</span>" in card
    # Another learner with other progress gets their own card, not the kept one.
    auth_for.logout()
    auth_for.login(second)
    assert "0 of 3 modules complete" in _card(client)


def _line(card: str, href: str) -> str:
    start = card.index(f'<a href="{href}"')
    return card[start : card.index("</li>", start)]


def test_module_lines_are_shared_only_by_learners_in_the_same_place(app, make_user, demo_course):
    modules = {m.slug: m for m in demo_course.modules}
    ahead, behind, level = make_user(), make_user(), make_user()
    for user in (ahead, behind, level):
        tracks.enrol(user, demo_course, "buyers")
    for user in (ahead, level):
        pass_module(user, modules["intro"])
    client = app.test_client()
    auth_for = AuthActions(client)
    lines = {}
    for user in (ahead, behind, level):
        auth_for.login(user)
        lines[user.id] = _line(_card(client), "/courses/demo/modules/intro")
        auth_for.logout()
    assert "Complete" in lines[ahead.id] and "best score 100%" in lines[ahead.id]
    assert "Not started" in lines[behind.id] and "best score" not in lines[behind.id]
    assert lines[level.id] == lines[ahead.id]


def test_a_track_card_turns_overdue_when_the_date_passes(app, make_user, auth, demo_course):
    user = make_user()
    enrolment = tracks.enrol(user, demo_course, "buyers")
    enrolment.due_on = date.today() + timedelta(days=1)
    db.session.commit()
    auth.login(user)
    client = auth._client
    assert "Due by" in _card(client) and "Overdue" not in _card(client)
    enrolment.due_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert "Overdue" in _card(client)


def test_the_kept_module_body_carries_each_readers_own_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    import_path(DATA / "content")
    readers = [_sign_in(app, make_user()) for _ in range(2)]
    tokens = []
    for client in readers:
        page = client.get("/courses/demo/modules/intro").data
        tokens.append(re.search(rb'data-csrf="([^"]+)"', page).group(1).decode())
    assert tokens[0] != tokens[1]
    url = "/courses/demo/modules/intro/position"
    other = {"section": "red-flags", "csrf_token": tokens[1]}
    assert readers[0].post(url, data=other).status_code == 400
    own = {"section": "red-flags", "csrf_token": tokens[0]}
    assert readers[0].post(url, data=own).status_code == 204
