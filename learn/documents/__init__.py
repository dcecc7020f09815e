"""Certificate artefacts: the printable PDF (``pdf``) and the signed Open Badges credential
(``credential``).

Each module imports its own third-party library (fpdf2 and segno; cryptography), so importing
one does not require the other. Both take a :class:`learn.core.certificate.CertificateData`.
"""
