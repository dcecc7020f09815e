"""Read-only reporting API for HR systems (token-authenticated JSON)."""
