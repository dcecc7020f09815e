"""The ceiling: a bare Flask app serving one ~4 KB Jinja page that extends a base layout.

It runs under the same gunicorn, with the same worker count and flags, as the platform,
so the ratio platform / bare shows what the platform itself costs per request.

    python -m gunicorn --workers 4 --bind 127.0.0.1:8001 --chdir bench/bare 'app:create_app()'
"""

from __future__ import annotations

from flask import Flask, render_template

SECTIONS = [
    (
        f"Section {n}",
        "Public buyers can find and act on the risk of forced labour in supply chains: "
        "map the chain, ask suppliers about recruitment fees, and check what they say.",
    )
    for n in range(1, 13)
]


def create_app() -> Flask:
    """Return the bare app."""
    app = Flask(__name__)

    @app.route("/")
    def page():
        return render_template("page.html", title="A bare page", sections=SECTIONS)

    return app
