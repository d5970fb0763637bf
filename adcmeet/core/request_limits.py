"""Limits every request body meets before a view or the CSRF check parses it.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields but not file parts, so a multipart
request could carry any amount of data to any view. Here:
- a multipart body is capped at the form-field limit plus, for a view that takes files (it says
  so with `@accepts_uploads(max_bytes=…)`), that view's file limit (413);
- everywhere else a file part is refused (415) after being skipped unread into memory: clients
  (and Django's test client) send plain fields as multipart too, so only files count;
- a form body declared in a charset other than UTF-8 is refused (400): Django would decode
  it with that charset, and an unknown one ends in a bare server error.
Each refusal is a short page that says what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

UTF8 = {"utf-8", "utf8"}


def accepts_uploads(*, max_bytes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a view as taking files in a multipart body of at most `max_bytes` bytes."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.upload_max_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def _refused(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    html = render_to_string(
        "errors/request_refused.html", {"title": title, "message": message}, request=request
    )
    return HttpResponse(html, status=status)


def _content_length(request: HttpRequest) -> int:
    value = request.META.get("CONTENT_LENGTH") or "0"
    return int(value) if value.isascii() and value.isdigit() else 0


class _NoFiles(FileUploadHandler):
    """Notes that a file part came and skips its content (nothing is kept)."""

    seen = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self.seen = True
        raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> None:
        return None


class RequestLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        content_type = request.content_type or ""
        charset = (request.content_params or {}).get("charset", "utf-8").strip().lower()
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"} and (
            charset not in UTF8
        ):
            return _refused(
                request,
                400,
                "Form not understood",
                f"This form was sent as “{charset[:40]}”; adcmeet reads forms in UTF-8 only. "
                "Reload the page and send it again from your browser.",
            )
        if content_type != "multipart/form-data":
            return None
        max_bytes = getattr(view, "upload_max_bytes", 0)
        # The form fields' own limit comes on top of the file's.
        if _content_length(request) > max_bytes + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return _refused(
                request,
                413,
                "Too large",
                (
                    f"Files of at most {max_bytes // 1024} KiB are taken here"
                    if max_bytes
                    else "This form was larger than any form of ours can be"
                )
                + "; nothing was saved.",
            )
        if max_bytes:
            return None
        no_files = _NoFiles(request)
        request.upload_handlers = [no_files]
        request.POST  # noqa: B018 - parse now, with the handler that skips file parts
        if no_files.seen:
            return _refused(
                request,
                415,
                "Files are not taken here",
                "This page takes no files; nothing was saved. Send the form without attachments.",
            )
        return None
