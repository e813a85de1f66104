"""Browsers on an allowed origin may call the API and the public form (CORS); others get no
CORS headers, so their pages cannot read the answers. The session server allows one origin."""

import httpx

from tests.conftest import ALLOWED_ORIGIN, ThreadedServer

PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}


def test_an_allowed_origin_may_call_graphql_and_the_form(server: ThreadedServer) -> None:
    for path in ("/graphql", "/forms/ticket"):
        preflight = httpx.options(f"{server.base_url}{path}", headers={"Origin": ALLOWED_ORIGIN, **PREFLIGHT})
        assert preflight.status_code == 200, (path, preflight.text)
        assert preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in preflight.headers  # tokens, never cookies
    answer = httpx.post(f"{server.base_url}/graphql", json={"query": "{ __typename }"},
                        headers={"Origin": ALLOWED_ORIGIN})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_another_origin_gets_no_cors_headers(server: ThreadedServer) -> None:
    other = "https://evil.example.test"
    preflight = httpx.options(f"{server.base_url}/graphql", headers={"Origin": other, **PREFLIGHT})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    answer = httpx.post(f"{server.base_url}/graphql", json={"query": "{ __typename }"}, headers={"Origin": other})
    assert "access-control-allow-origin" not in answer.headers
