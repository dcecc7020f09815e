"""Flask's signed-cookie sessions, with each cookie's checked contents kept a while.

Opening the session cookie (base64, zlib, an HMAC check, tagged JSON) is a tenth of a
signed-in page that does nothing else, and a person sends the same cookie with every
request until the session changes. So the contents of a cookie whose signature has been
checked are kept per process, keyed on the whole cookie: a cookie that differs in any
character is checked afresh, and a kept one is refused once it is older than the session
lifetime, exactly as Flask refuses it. Only sessions of plain values are kept (never one
holding flashed messages, which are lists that requests change in place), and each request
gets its own copy.
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from learn.kept import Kept

_PLAIN = (str, int, float, bool, type(None))


class KeptCookieSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` that checks each distinct cookie once a process."""

    def __init__(self, size: int = 4096) -> None:
        self.kept = Kept(size)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = self.kept.get(value)
        if found is not None:
            data, signed_at = found
            if time.time() - signed_at <= max_age:
                return self.session_class(data)
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # there is a secret key
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            self.kept.put(value, (data, signed.timestamp()))
        return self.session_class(data)
