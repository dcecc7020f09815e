"""Logging set-up: one stderr handler, level from ``LOG_LEVEL``."""

from __future__ import annotations

from logging.config import dictConfig

from flask import Flask


def configure_logging(app: Flask) -> None:
    """Configure logging before ``app.logger`` is first used (skipped under testing)."""
    if app.testing:
        return
    dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr",
                    "formatter": "plain",
                }
            },
            "root": {"level": app.config["LOG_LEVEL"], "handlers": ["stderr"]},
        }
    )
