"""Uploads read in memory, never written to disk: a body refused as soon as it passes its limit,
and a ``multipart/form-data`` body parsed into its text fields and first file. For uploads that
must leave nothing behind (the sourcing screen's supplier list)."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from fastapi import Request


class TooLarge(Exception):
    """The body passed the limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body in memory, refused (``TooLarge``) as soon as it passes ``limit``:
    by its declared length before any byte is read, else while it arrives."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


def form_parts(body: bytes, content_type: str) -> tuple[dict[str, str], tuple[str, bytes] | None]:
    """A ``multipart/form-data`` body parsed in memory: its text fields and its first file
    (name, bytes) if one was chosen; an url-encoded body has fields only."""
    if content_type.lower().startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode("utf-8", "replace"))), None
    if not content_type.lower().startswith("multipart/form-data"):
        return {}, None
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields, upload = {}, None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            if upload is None and (filename or payload):
                upload = (filename, payload)
        elif name:
            fields[str(name)] = payload.decode("utf-8", "replace")
    return fields, upload
