"""Business events other parts of the platform react to."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with ``completion=<TrackCompletion>`` once, when a learner completes a track.
track_completed = _signals.signal("track-completed")
