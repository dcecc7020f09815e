"""``learn certificates revoke|verify``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

certificates = AppGroup("certificates", help="Revoke and verify certificates.")


@certificates.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why it is revoked (kept in the audit log).")
def revoke_command(code: str, reason: str) -> None:
    """Revoke a certificate by its code."""
    from learn.services import certificates as service

    certificate = service.find_by_code(code)
    if certificate is None:
        raise click.ClickException(f"no certificate with the code {code}")
    try:
        service.revoke_certificate(certificate, reason, actor=None)
    except service.CertificateError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Revoked {certificate.code} ({certificate.learner_name}, {certificate.track_title})"
    )


@certificates.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The issuer's public key: a PEM file or the published issuer.json. "
    "Default: this instance's own key.",
)
def verify_command(file: str, key: str | None) -> None:
    """Check a signed credential file offline."""
    from learn.documents.credential import verify_credential_file
    from learn.services import certificates as service

    ok, message = verify_credential_file(file, key or service.signing_key().public_key())
    click.echo(message)
    if not ok:
        raise SystemExit(1)


commands = [certificates]
