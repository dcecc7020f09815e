"""learn.sessions: a checked session cookie is kept, and kept only while Flask would take it."""

from __future__ import annotations

from flask import flash, get_flashed_messages, session

from learn.sessions import KeptCookieSessionInterface


def _cookie(app, **values) -> str:
    with app.test_request_context():
        for key, value in values.items():
            session[key] = value
        return app.session_interface.get_signing_serializer(app).dumps(dict(session))


def _open(app, cookie: str):
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context(headers={"Cookie": f"{name}={cookie}"}) as ctx:
        return app.session_interface.open_session(app, ctx.request)


def test_the_app_keeps_checked_session_cookies(app):
    assert isinstance(app.session_interface, KeptCookieSessionInterface)


def test_a_kept_cookie_opens_to_its_own_copy(app):
    cookie = _cookie(app, _user_id="7:token", csrf_token="abc")
    first = _open(app, cookie)
    assert dict(first) == {"_user_id": "7:token", "csrf_token": "abc"}
    assert app.session_interface.kept.get(cookie) is not None
    first["_user_id"] = "changed"
    assert _open(app, cookie)["_user_id"] == "7:token"


def test_a_changed_cookie_is_checked_afresh_and_refused(app):
    cookie = _cookie(app, _user_id="7:token")
    assert _open(app, cookie)["_user_id"] == "7:token"
    payload, _, rest = cookie.partition(".")
    forged = payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + rest
    assert dict(_open(app, forged)) == {}
    assert dict(_open(app, cookie + "x")) == {}


def test_a_kept_cookie_expires_with_the_session_lifetime(app, monkeypatch):
    cookie = _cookie(app, _user_id="7:token")
    assert _open(app, cookie)["_user_id"] == "7:token"
    import learn.sessions as sessions

    later = sessions.time.time() + app.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert dict(_open(app, cookie)) == {}


def test_a_session_with_flashed_messages_is_never_kept(app):
    with app.test_request_context():
        flash("Saved")
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    opened = _open(app, cookie)
    assert opened["_flashes"] == [("message", "Saved")]
    # Requests change the list of flashed messages in place; another request opening the
    # same cookie must not see that.
    opened["_flashes"].append(("message", "Changed"))
    assert _open(app, cookie)["_flashes"] == [("message", "Saved")]
    assert app.session_interface.kept.get(cookie) is None
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context(headers={"Cookie": f"{name}={cookie}"}):
        assert get_flashed_messages() == ["Saved"]
