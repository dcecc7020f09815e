"""A bounded map for what a process keeps between requests (least recently used goes first).

Used for what never changes once made (published versions read from the database in
``services.catalogue``, HTML keyed on everything it depends on in ``fragments``) and for
what a person sends again and again, kept with the time it was made so its user can refuse
it once too old (signed CSRF tokens in ``fragments``, checked session cookies in
``sessions``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class Kept:
    """A bounded, thread-safe map; ``get`` gives None for a key not kept."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)
