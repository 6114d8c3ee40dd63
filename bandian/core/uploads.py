"""The one check of an uploaded file (application documents, pause evidence, permit materials).

A file is accepted by its content, never by its name: PDF, JPEG or PNG of at most
`settings.DOCUMENT_MAX_BYTES`. The check raises `UploadRefused` with a message for the person who
uploaded; the services turn it into their own refusal.
"""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# The content types accepted, with the extension a stored file gets.
ALLOWED_CONTENT = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class UploadRefused(ValueError):
    """A file that is not accepted; the message is for the person who uploaded it."""


def read_upload(upload: UploadedFile) -> bytes:
    """The whole content of an upload, from its start (it may have been read before)."""
    upload.seek(0)
    return upload.read()


def checked_file(upload: UploadedFile) -> tuple[bytes, str]:
    """The content and content type of an accepted upload; raises UploadRefused otherwise."""
    if upload.size is not None and upload.size > settings.DOCUMENT_MAX_BYTES:
        raise UploadRefused(_("文件不能超过 10 MB"))
    content = read_upload(upload)
    if len(content) > settings.DOCUMENT_MAX_BYTES:
        raise UploadRefused(_("文件不能超过 10 MB"))
    guess = filetype.guess(content)
    if guess is None or guess.mime not in ALLOWED_CONTENT:
        raise UploadRefused(_("只接受 PDF、JPEG 或 PNG 文件（按文件内容判断）"))
    return content, guess.mime


def safe_name(name: str) -> str:
    """The last part of an uploaded file's name (no directories), at most 100 characters."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base[-100:] or "file"
