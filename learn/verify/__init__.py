"""Public certificate verification: no account needed."""
