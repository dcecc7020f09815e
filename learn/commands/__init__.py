"""Command groups of the ``learn`` CLI."""
