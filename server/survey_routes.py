"""The survey page the mail links to: GET /survey/<token> shows a small form, POST records the
rating through the same service as rateTicket. Plain HTML, no script, nothing loaded from
elsewhere; the token in the address is the only permission."""

from html import escape
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from domain.errors import BadUserInput, Conflict, DomainError, NotFound
from domain.services import satisfaction
from resolvers.context import AppServices

# A form of stars and a comment; anything much bigger is not one.
MAX_FORM_BYTES = 16 * 1024
STATUS = {BadUserInput: 400, NotFound: 404, Conflict: 409}
HEADERS = {
    # The token is in the address: it must not leak to other sites or caches.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "X-Frame-Options": "DENY",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "fieldset{border:none;padding:0}label{margin-right:.8rem}"
    "textarea{width:100%;min-height:6rem}button{margin-top:1rem;padding:.4rem 1.2rem}"
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _error(error: DomainError) -> HTMLResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
    return _page("Sorry", f"<p>{escape(error.message)}</p>", status)


def _form(ticket_key: str) -> str:
    stars = "".join(
        f'<label><input type="radio" name="stars" value="{n}" required> {n} {"★" * n}</label>'
        for n in satisfaction.STARS
    )
    return (
        f"<p>How satisfied are you with the help on {escape(ticket_key)}?</p>"
        f'<form method="post"><fieldset>{stars}</fieldset>'
        f'<p><label for="comment">Anything to add? (optional)</label></p>'
        f'<textarea id="comment" name="comment" maxlength="{satisfaction.COMMENT_MAX}"></textarea>'
        "<br><button type=\"submit\">Send</button></form>"
    )


async def survey_page(request: Request) -> Response:
    services: AppServices = request.app.state.services
    token = str(request.path_params["token"])
    secret = services.settings.secret_key
    try:
        if request.method == "POST":
            return await _submit(request, services, token, secret)
        ticket, rating = await satisfaction.ticket_for_token(
            token=token, secret_key=secret, now=services.clock()
        )
    except DomainError as error:
        return _error(error)
    if ticket is None:
        return _error(NotFound("This ticket no longer exists."))
    if rating is not None:
        return _page("Thank you", f"<p>You rated {escape(ticket.key)} {rating.stars} of 5 stars.</p>")
    return _page("Rate our help", _form(ticket.key))


async def _submit(request: Request, services: AppServices, token: str, secret: str) -> Response:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BadUserInput("The form is too large.", field="comment")
    try:
        form = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
    except ValueError:
        raise BadUserInput("The form has too many fields.", field="stars") from None
    raw_stars = (form.get("stars") or [""])[0].strip()
    # isascii too: "²" and other Unicode digits pass isdigit but not int().
    if not (raw_stars.isascii() and raw_stars.isdigit()):
        # A bad token is told before missing stars: it is the one thing a retry cannot fix.
        await satisfaction.ticket_for_token(token=token, secret_key=secret, now=services.clock())
        raise BadUserInput("Choose from 1 to 5 stars.", field="stars")
    rating = await satisfaction.rate(
        token=token,
        stars=int(raw_stars[:3]),
        comment=(form.get("comment") or [""])[0],
        secret_key=secret,
        now=services.clock(),
        publisher=services.publisher,
    )
    return _page("Thank you", f"<p>Your rating of {rating.stars} of 5 stars is recorded.</p>")


def survey_routes() -> list[Route]:
    return [Route("/survey/{token}", survey_page, methods=["GET", "POST"])]
