"""Reporting API: people with assignments and completions, and certificates."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
