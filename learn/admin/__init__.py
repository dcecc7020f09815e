"""Administration: people, assignments, reports, certificates, audit log."""
