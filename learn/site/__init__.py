"""Pages for everyone: start page, help, accessibility, health check."""
