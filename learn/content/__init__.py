"""Content files on disk to core objects: loading, validating, rendering and linting."""
