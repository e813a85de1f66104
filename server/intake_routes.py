"""Public HTTP endpoints of the intake, outside GraphQL and without a Bearer token:

- `POST /forms/ticket`: the web form (JSON, form-encoded or multipart without files);
  201 {key, followUrl, followLinkMailed}, 400 with every field's error, 429 with Retry-After.
- `GET /follow/<token>`: the ticket of a follow link, public messages only; 404 otherwise.
- `POST /hooks/chat/<channel>`: a chat/IM message signed with the channel's secret
  (X-Helpdesk-Timestamp, X-Helpdesk-Signature); 401 for a bad or stale signature.

The client address used for the form's rate limit is `request.client.host`, see
resolvers.intake.submit_form for what a proxy in front needs."""

import json
import math
from collections.abc import AsyncGenerator
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import FormParser, MultiPartParser
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from domain.errors import DomainError, ErrorCode, RateLimited
from domain.rules.rate_limit import shown_wait
from domain.rules.webhook_signature import Verdict, verify
from domain.services import intake
from resolvers.context import AppServices
from resolvers.intake import answer, submit_form
from server.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER

# A description of 20,000 characters is at most 80 KB of UTF-8, about three times that
# percent-encoded; anything much larger is not a form a person filled in.
MAX_FORM_BYTES = 512 * 1024
MAX_CHAT_BYTES = 256 * 1024
FORM_FIELDS = ("email", "name", "subject", "description", "productId")

STATUS_OF = {
    ErrorCode.BAD_USER_INPUT: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
}


def _services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


def _error(status: int, code: ErrorCode, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code.value, "message": message, **extra}, status_code=status)


def _domain_error(error: DomainError) -> JSONResponse:
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if error.field:
        extra["field"] = error.field
    if isinstance(error, intake.FormInvalid):
        extra["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    if isinstance(error, RateLimited):
        extra["retryAfterSeconds"] = shown_wait(error.retry_after_seconds)
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_seconds)))
    response = _error(STATUS_OF.get(error.code, 500), error.code, error.message, **extra)
    response.headers.update(headers)
    return response


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The raw body, or None when it is larger than `limit` (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body


async def _form_fields(request: Request, body: bytes) -> dict[str, object] | JSONResponse:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return _error(400, ErrorCode.BAD_USER_INPUT, "The body is not valid JSON.")
        if not isinstance(data, dict):
            return _error(400, ErrorCode.BAD_USER_INPUT, "The body must be a JSON object.")
        return {name: data.get(name) for name in FORM_FIELDS}
    if media_type == "application/x-www-form-urlencoded":
        form = await FormParser(request.headers, _once(body)).parse()
    elif media_type == "multipart/form-data":
        try:
            form = await MultiPartParser(request.headers, _once(body), max_files=0).parse()
        except Exception as error:  # starlette's MultiPartException: too many files, bad boundary
            return _error(400, ErrorCode.BAD_USER_INPUT, f"The form could not be read: {error}")
    else:
        return _error(
            415,
            ErrorCode.BAD_USER_INPUT,
            "Send application/json, application/x-www-form-urlencoded or multipart/form-data.",
        )
    fields: dict[str, object] = {}
    for name in FORM_FIELDS:
        value = form.get(name)
        if isinstance(value, UploadFile):
            return _error(400, ErrorCode.BAD_USER_INPUT, "Files are not accepted here.", field=name)
        fields[name] = value
    return fields


async def form_ticket(request: Request) -> Response:
    body = await _read_body(request, MAX_FORM_BYTES)
    if body is None:
        return _error(413, ErrorCode.BAD_USER_INPUT, f"The form is larger than {MAX_FORM_BYTES} bytes.")
    fields = await _form_fields(request, body)
    if isinstance(fields, JSONResponse):
        return fields
    services = _services(request)
    try:
        submitted = await submit_form(
            services,
            client_address=request.client.host if request.client is not None else "unknown",
            email=fields["email"],
            name=fields["name"],
            subject=fields["subject"],
            description=fields["description"],
            product_id=fields["productId"],
        )
    except DomainError as error:
        return _domain_error(error)
    answered = answer(services, submitted)
    return JSONResponse(
        {
            "key": answered.key,
            "followUrl": answered.follow_url,
            "followLinkMailed": answered.follow_link_mailed,
        },
        status_code=201,
    )


async def follow(request: Request) -> Response:
    view = await intake.follow(
        token=request.path_params["token"], secret_key=_services(request).settings.secret_key
    )
    if view is None:
        return _error(404, ErrorCode.NOT_FOUND, "No ticket for that link.")
    return JSONResponse(
        {
            "key": view.key,
            "subject": view.subject,
            "description": view.description,
            "status": view.status.value,
            "createdAt": view.created_at.isoformat(),
            "messages": [
                {"authorKind": m.author_kind.value, "body": m.body, "createdAt": m.created_at.isoformat()}
                for m in view.messages
            ],
        }
    )


async def chat_hook(request: Request) -> Response:
    services = _services(request)
    channel = await intake.enabled_channel(str(request.path_params["channel"]).lower())
    if channel is None:
        return _error(404, ErrorCode.NOT_FOUND, "No such chat channel.")
    body = await _read_body(request, MAX_CHAT_BYTES)
    if body is None:
        return _error(413, ErrorCode.BAD_USER_INPUT, f"The message is larger than {MAX_CHAT_BYTES} bytes.")
    verdict = verify(
        secret=channel.secret,
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
        body=body,
        now_seconds=services.clock().timestamp(),
    )
    if verdict is not Verdict.OK:
        return _error(
            401,
            ErrorCode.UNAUTHENTICATED,
            f"Bad signature ({verdict.value.lower()}): sign '<timestamp>.<body>' with the channel's "
            f"secret and send {TIMESTAMP_HEADER} within 5 minutes of now.",
        )
    try:
        data = json.loads(body)
    except ValueError:
        return _error(400, ErrorCode.BAD_USER_INPUT, "The body is not valid JSON.")
    try:
        message = intake.parse_chat_message(data)
        outcome = await intake.chat_message(
            channel=channel,
            message=message,
            now=services.clock(),
            publisher=services.publisher,
            classify=services.triage_enabled,
        )
    except DomainError as error:
        return _domain_error(error)
    return JSONResponse(
        {
            "ticketKey": outcome.ticket.key,
            "messageId": str(outcome.message_id) if outcome.message_id is not None else None,
            "duplicate": outcome.duplicate,
        },
        status_code=201 if outcome.created else 200,
    )


def intake_routes() -> list[BaseRoute]:
    return [
        Route("/forms/ticket", form_ticket, methods=["POST"]),
        Route("/follow/{token}", follow, methods=["GET"]),
        Route("/hooks/chat/{channel}", chat_hook, methods=["POST"]),
    ]
