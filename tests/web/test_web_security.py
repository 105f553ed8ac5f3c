"""Sign-in and session rules of the web UI against a real `burro serve`: nothing without
a session, the sign-in token works once, state changes need the page's CSRF header, and
the bearer-token API of `burro cloud` is unchanged."""

from __future__ import annotations

import re

import httpx

from burro.frontends.cloud.api import ApiContext, create_app
from tests.cloud.harness import steps
from tests.web.conftest import sign_in_token


def _routes() -> list[tuple[str, str]]:
    app = create_app(ApiContext(store=None, temporal=None, token="x"))  # type: ignore[arg-type]
    out = []
    flat = []
    for route in app.routes:  # an included router is one entry holding its routes
        inner = getattr(route, "original_router", None)
        flat += list(inner.routes) if inner is not None else [route]
    for route in flat:
        path = re.sub(r"\{[^}]+\}", "task_x", getattr(route, "path", ""))
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                out.append((method, path))
    return out


def _sign_in(base_url: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/web/sign-in",
        json={"token": token},
        headers={"x-burro-csrf": "sign-in"},
    )


def test_every_route_refuses_without_a_session(web_serve) -> None:
    serve = web_serve(lambda i: [])
    routes = _routes()
    assert ("POST", "/api/tasks") in routes and ("GET", "/web/tasks/task_x/history") in routes
    cookie = {f"burro_session_{serve.port}": "forged-session-id"}
    for cookies in ({}, cookie):
        with httpx.Client(base_url=serve.url, cookies=cookies) as c:
            for method, path in routes:
                resp = c.request(method, path, json={})
                assert resp.status_code == 401, (method, path, resp.status_code, resp.text)
                if path == "/":
                    # The sign-in page only: no app script, no data.
                    assert "signin.js" in resp.text and "app.js" not in resp.text
            for path in ("/static/app.js", "/static/index.html", "/web/me"):
                assert c.get(path).status_code == 401, path


def test_sign_in_token_works_once_and_sets_a_strict_http_only_cookie(web_serve) -> None:
    serve = web_serve(lambda i: [])
    token = sign_in_token(serve)
    first = _sign_in(serve.url, token)
    assert first.status_code == 200, first.text
    set_cookie = first.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    again = _sign_in(serve.url, token)
    assert again.status_code == 401 and "already used" in again.json()["error"]
    assert "set-cookie" not in again.headers
    with httpx.Client(base_url=serve.url, cookies=first.cookies) as c:
        assert c.get("/api/tasks").status_code == 200
        assert "app.js" in c.get("/").text
        # Signing out ends the session for good.
        csrf = c.get("/web/me").json()["csrf"]
        assert c.post("/web/sign-out", headers={"x-burro-csrf": csrf}).status_code == 200
    with httpx.Client(base_url=serve.url, cookies=first.cookies) as c:
        assert c.get("/api/tasks").status_code == 401
    # Without the page's header the sign-in endpoint answers nothing useful.
    assert httpx.post(f"{serve.url}/web/sign-in", json={"token": token}).status_code == 403


def test_cross_site_post_without_the_header_is_refused(web_serve, committed_repo) -> None:
    serve = web_serve(lambda i: steps("true"))
    session = _sign_in(serve.url, sign_in_token(serve)).cookies
    body = {"prompt": "x", "repo": str(committed_repo)}
    with httpx.Client(base_url=serve.url, cookies=session) as c:
        # What a forged form post from another site carries at best: the cookie only.
        forged = c.post("/api/tasks", json=body, headers={"origin": "http://evil.example"})
        assert forged.status_code == 403 and "X-Burro-CSRF" in forged.json()["error"]
        wrong = c.post("/api/tasks", json=body, headers={"x-burro-csrf": "guess"})
        assert wrong.status_code == 403
        assert c.get("/api/tasks").json()["tasks"] == []  # nothing was created
        csrf = c.get("/web/me").json()["csrf"]
        ok = c.post("/api/tasks", json=body, headers={"x-burro-csrf": csrf})
        assert ok.status_code == 201, ok.text
    # The bearer-token API (`burro cloud`) needs no cookie and no CSRF header.
    with serve.http() as c:
        assert len(c.get("/api/tasks").json()["tasks"]) == 1
        link = c.post("/web/sign-in-links")
        assert link.status_code == 200 and "?token=bsl_" in link.json()["url"]
