"""Attachments over plain HTTP: `POST /tickets/{id}/attachments` (multipart, field "file")
and `GET /attachments/{id}`, with the same Bearer tokens and access rules as GraphQL.

Uploads are parsed as they stream in: a file over the limit is refused with 413 as soon as
it passes the limit, before anything is stored and without holding more than the limit."""

import mimetypes
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import quote

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from domain.errors import DomainError, ErrorCode
from domain.rules.attachment_policy import safe_filename
from domain.services import ticket_attachments
from domain.services.attachments import AttachmentStore
from resolvers.context import AppServices, RequestContext
from resolvers.ids import parse_id
from server.auth import authenticate

FIELD = "file"
MAX_FILES = 10
# Multipart framing and small fields around the files, beyond the files themselves.
OVERHEAD_BYTES = 64 * 1024
# A multipart part header (name, filename, type) longer than this is not a header.
HEADER_MAX_BYTES = 8 * 1024
# After refusing, the rest of the body is read and dropped (up to this much) so that the
# client, still sending, gets the answer rather than a reset connection.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024

STATUS = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.BAD_USER_INPUT: 400,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
}


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field  # type: ignore[index]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def domain_error_response(error: DomainError) -> JSONResponse:
    return error_response(STATUS.get(error.code, 500), error.code.value, error.message, error.field)


async def _context(request: Request, services: AppServices) -> RequestContext:
    ctx = RequestContext(request=request, response=None, services=services)
    await authenticate(ctx, request.headers.get("authorization"))
    return ctx


class TooLarge(Exception):
    pass


@dataclass
class _Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)

    @property
    def disposition(self) -> tuple[bytes, dict[bytes, bytes]]:
        return parse_options_header(self.headers.get("content-disposition", b""))

    @property
    def name(self) -> str:
        return self.disposition[1].get(b"name", b"").decode("utf-8", "replace")

    @property
    def filename(self) -> str | None:
        raw = self.disposition[1].get(b"filename")
        if raw is None:
            return None
        # Browsers send the name as UTF-8 with quotes and line breaks percent-encoded (HTML).
        name = raw.decode("utf-8", "replace")
        return name.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


class _FileCollector:
    """python-multipart callbacks that keep the parts named `file`, each up to `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.files: list[_Part] = []
        self.part = _Part()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self.finished = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._header(self._header_field, d[s:e]),
            "on_header_value": lambda d, s, e: self._header(self._header_value, d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_end": self._finish,
        }

    def _begin(self) -> None:
        self.part = _Part()

    @staticmethod
    def _header(into: bytearray, data: bytes) -> None:
        into.extend(data)
        if len(into) > HEADER_MAX_BYTES:  # a part's header is a line, not a payload
            raise TooLarge()

    def _header_end(self) -> None:
        name = self._header_field.decode("latin-1").strip().lower()
        self.part.headers[name] = bytes(self._header_value).strip()
        self._header_field.clear()
        self._header_value.clear()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.part.name != FIELD:
            return  # other fields are not kept
        self.part.data.extend(data[start:end])
        if len(self.part.data) > self.max_bytes:
            raise TooLarge()

    def _end(self) -> None:
        if self.part.name == FIELD:
            self.files.append(self.part)
            if len(self.files) > MAX_FILES:
                raise TooLarge()

    def _finish(self) -> None:
        self.finished = True


def _content_type(part: _Part) -> str:
    declared = part.headers.get("content-type", b"").decode("latin-1").split(";", 1)[0].strip().lower()
    if declared:
        return declared
    guessed, _ = mimetypes.guess_type(part.filename or "")
    return guessed or "application/octet-stream"


async def _drain(stream: AsyncIterator[bytes], already: int) -> None:
    read = already
    try:
        async for chunk in stream:
            read += len(chunk)
            if read > DRAIN_LIMIT_BYTES:
                return
    except Exception:  # the client went away: nothing to answer
        return


def routes(services: AppServices) -> list[BaseRoute]:
    """The attachment routes, bound to the app's services."""

    async def upload(request: Request) -> Response:
        ctx = await _context(request, services)
        store: AttachmentStore = services.attachments
        try:
            actor = ctx.require_actor()
            ticket_id = parse_id(request.path_params["ticket_id"], "ticketId")
            await ticket_attachments.ticket_for_upload(actor=actor, ticket_id=ticket_id)
        except DomainError as error:
            return domain_error_response(error)
        kind, options = parse_options_header(request.headers.get("content-type"))
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            return error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                                  "Send multipart/form-data with the files in the field 'file'.")
        max_bytes = store.policy.max_bytes
        too_large = error_response(
            413, "PAYLOAD_TOO_LARGE", f"A file may have at most {max_bytes} bytes "
            f"(and a request at most {MAX_FILES} files).", FIELD,
        )
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_FILES * max_bytes + OVERHEAD_BYTES:
            return too_large
        collector = _FileCollector(max_bytes)
        parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
        received = 0
        stream = request.stream()
        try:
            async for chunk in stream:
                received += len(chunk)
                # Chunked bodies declare no length: the whole request is bounded as it comes.
                if received > MAX_FILES * max_bytes + OVERHEAD_BYTES:
                    raise TooLarge()
                parser.write(chunk)
            parser.finalize()
        except TooLarge:
            await _drain(stream, received)
            return too_large
        except MultipartParseError:
            return error_response(400, ErrorCode.BAD_USER_INPUT.value, "The multipart body is malformed.")
        if not collector.finished:
            return error_response(400, ErrorCode.BAD_USER_INPUT.value, "The multipart body is incomplete.")
        files = [
            ticket_attachments.Upload(p.filename, _content_type(p), bytes(p.data)) for p in collector.files
        ]
        for f in files:
            if not store.policy.accepts_type(f.content_type):
                return error_response(
                    415, "UNSUPPORTED_MEDIA_TYPE",
                    f"Files of type {f.content_type!r} are not accepted "
                    f"({safe_filename(f.filename)}).", FIELD,
                )
        try:
            rows = await ticket_attachments.upload(
                actor=actor, ticket_id=ticket_id, files=files, store=store, now=ctx.now()
            )
        except DomainError as error:
            return domain_error_response(error)
        return JSONResponse(
            [
                {"id": str(r.id), "filename": r.filename, "contentType": r.content_type, "size": r.size}
                for r in rows
            ],
            status_code=201,
        )

    async def download(request: Request) -> Response:
        ctx = await _context(request, services)
        try:
            actor = ctx.require_actor()
        except DomainError as error:
            return domain_error_response(error)
        try:
            attachment_id = parse_id(request.path_params["attachment_id"], "id")
            row = await ticket_attachments.readable(actor=actor, attachment_id=attachment_id)
        except DomainError:
            # Whatever the reason (no such file, not yours, an internal note's): not found.
            return error_response(404, ErrorCode.NOT_FOUND.value, "No such attachment.")
        store: AttachmentStore = services.attachments
        path = store.path_of(row.sha256)
        if not path.is_file():
            return error_response(404, ErrorCode.NOT_FOUND.value, "The file is missing from storage.")
        return FileResponse(
            path,
            media_type=row.content_type,
            headers={
                "Content-Disposition": content_disposition(row.filename),
                "X-Content-Type-Options": "nosniff",
                # Never rendered as a page of this origin, even if a browser opens it.
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "private, no-store",
            },
        )

    return [
        Route("/tickets/{ticket_id}/attachments", upload, methods=["POST"]),
        Route("/attachments/{attachment_id}", download, methods=["GET"]),
    ]


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real one as RFC 5987 `filename*`."""
    name = safe_filename(filename)
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
