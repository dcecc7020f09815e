"""``/media/<sha256>/<filename>``: the images module text refers to.

Rules: anonymous visitors are sent to sign in; anyone signed in gets an image that a
published (or earlier published) module version shows; an image used only in drafts is
for trainers and platform admins, and is "not found" for everyone else. The response has
the type found by decoding the image on upload, never one guessed from a name.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_login import current_user, login_required

from learn.services import media

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.route("/<sha256>/<filename>")
@login_required
def image(sha256: str, filename: str):
    """Serve an image with its stored type; drafts-only images to trainers alone."""
    found = media.find_image(sha256)
    if found is None or found.filename != filename:
        abort(404)
    if not current_user.is_trainer and not media.is_published(found):
        abort(404)
    response = Response(media.image_data(found), mimetype=found.mime_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{found.filename}"'
    # Content-addressed, so it never changes; private because it sits behind sign-in.
    response.cache_control.private = True
    response.cache_control.max_age = 86400
    return response
