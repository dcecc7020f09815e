"""Helpers shared by ``bench/run.py`` and ``bench/soak.py``."""
