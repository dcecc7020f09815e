"""The learn application: training on trafficking risk in public procurement."""

from __future__ import annotations

from learn.factory import create_app

__all__ = ["create_app"]
