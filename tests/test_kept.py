"""The bounded map a process keeps published versions and HTML fragments in."""

from __future__ import annotations

from learn.kept import Kept


def test_the_least_recently_used_goes_first():
    kept = Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "b" is now the least recently used
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)


def test_putting_a_kept_key_again_refreshes_it():
    kept = Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    kept.put("a", 10)
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (10, None, 3)
