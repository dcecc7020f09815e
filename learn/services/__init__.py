"""Use cases. The only layer that commits."""
