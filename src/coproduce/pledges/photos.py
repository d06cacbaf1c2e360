"""A photo of a reported problem, checked and cleaned before it is stored.

Only JPEG, PNG and WebP images are taken, up to settings.REPORT_PHOTO_MAX_BYTES and
40 megapixels (a small file can decode into a huge image). The image is decoded and
encoded again: what is stored is pixels only, so the metadata a phone adds (where it was
taken, when, on what device) never reaches the disk, and a file that only claims to be an
image is refused. The stored name is random, never the uploaded one.
"""

from __future__ import annotations

import io
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile

from coproduce.errors import ApplicationError

if TYPE_CHECKING:
    from PIL import Image

ACCEPTED = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000
# Photos are shown on a page, not printed: larger ones are made smaller.
LONGEST_SIDE = 2400


def _pixels_only(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """A new image made from the pixels alone. Saving the decoded image would write back
    what Pillow keeps beside them (a JPEG's comment, a PNG's text, an ICC profile), and a
    comment can say where a photo was taken."""
    from PIL import Image

    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if keep_alpha and has_alpha else "RGB"
    pixels = image.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


def cleaned_photo(upload) -> ContentFile:
    """The upload as a clean image file, or an ApplicationError naming the photo field."""
    # Pillow is loaded when a photo comes in, not by every worker that serves pages.
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = settings.REPORT_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise ApplicationError(
            f"Choose a photo under {limit // (1024 * 1024)} MB "
            f"(this one is {upload.size / (1024 * 1024):.1f} MB).",
            field="photo",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in ACCEPTED:
            raise ApplicationError("Choose a JPEG, PNG or WebP photo.", field="photo")
        if width * height > MAX_PIXELS:
            raise ApplicationError(
                "That photo has too many pixels: take a smaller one.", field="photo"
            )
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # upright, before the EXIF goes
            image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
            image = _pixels_only(image, keep_alpha=kind != "JPEG")
            out = io.BytesIO()
            if kind == "JPEG":
                image.save(out, "JPEG", quality=85)
            elif kind == "PNG":
                image.save(out, "PNG", optimize=True)
            else:
                image.save(out, "WEBP", quality=85)
    except ApplicationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ApplicationError(
            "That file is not a photo we can read: choose a JPEG, PNG or WebP image.",
            field="photo",
        ) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ACCEPTED[kind]}")
