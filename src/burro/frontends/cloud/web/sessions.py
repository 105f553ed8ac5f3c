"""Browser sign-in: one-time sign-in tokens traded for a cookie session, and the ASGI gate
that turns a valid session into the server's bearer credential (so the API's own token
check stays the one place that says yes)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from importlib import resources
from typing import Any

SESSION_TTL_S = 14 * 24 * 3600
CSRF_HEADER = b"x-burro-csrf"
SIGN_IN_HEADER_VALUE = b"sign-in"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a browser may fetch before signing in: the sign-in page and what it needs.
PUBLIC_STATIC = frozenset({"/static/signin.js", "/static/app.css", "/static/icon.svg"})
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class WebSession:
    csrf: str
    expires: float


@dataclass
class WebSessions:
    """In-memory: sessions end when the server restarts (it prints a fresh link)."""

    server_token: str
    _links: set[str] = field(default_factory=set)
    _sessions: dict[str, WebSession] = field(default_factory=dict)

    def mint_link(self, base_url: str) -> str:
        token = "bsl_" + secrets.token_urlsafe(24)
        self._links.add(_digest(token))
        return f"{base_url.rstrip('/')}/?token={token}"

    def redeem(self, token: str) -> tuple[str, WebSession] | None:
        """A sign-in token (used once) or the server's own token -> a new session."""
        digest = _digest(token)
        if digest in self._links:
            self._links.discard(digest)
        elif not (self.server_token and hmac.compare_digest(token, self.server_token)):
            return None
        sid = secrets.token_urlsafe(32)
        session = WebSession(csrf=secrets.token_urlsafe(24), expires=time.time() + SESSION_TTL_S)
        self._sessions[sid] = session
        return sid, session

    def lookup(self, sid: str | None) -> WebSession | None:
        session = self._sessions.get(sid or "")
        if session is None:
            return None
        if session.expires < time.time():
            self._sessions.pop(sid or "", None)
            return None
        return session

    def drop(self, sid: str | None) -> None:
        self._sessions.pop(sid or "", None)


def cookie_name(scope: Any) -> str:
    """Per port, so two servers on one host do not sign each other out."""
    server = scope.get("server") or ("", 0)
    return f"burro_session_{server[1]}"


def session_cookie(scope: Any, sid: str, max_age: int) -> str:
    return f"{cookie_name(scope)}={sid}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}"


def _header(scope: Any, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def session_id(scope: Any) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:
        return None
    morsel = jar.get(cookie_name(scope))
    return morsel.value if morsel else None


def static_bytes(name: str) -> bytes:
    return resources.files("burro.frontends.cloud.web").joinpath("static", name).read_bytes()


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


async def _send(
    send: Any,
    status: int,
    body: bytes,
    content_type: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    headers += extra or []
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_json(send: Any, status: int, data: dict[str, Any], extra: Any = None) -> None:
    await _send(send, status, json.dumps(data).encode(), "application/json", extra)


async def _read_body(receive: Any, limit: int = 16_384) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if len(body) > limit or not message.get("more_body"):
            return body


class WebGate:
    """Outermost middleware. Bearer requests pass untouched. A browser request with a
    valid session cookie (and, unless it only reads, the page's CSRF header) gets the
    server's bearer credential added and goes on to the API's token check. Without a
    session, only the sign-in page and the files it loads are served."""

    def __init__(self, app: Any, *, sessions: WebSessions) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or _header(scope, b"authorization") is not None:
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if path == "/web/sign-in" and method == "POST":
            await self._sign_in(scope, receive, send)
            return
        sid = session_id(scope)
        session = self.sessions.lookup(sid)
        if session is None:
            if method == "GET" and path in ("/", "/index.html"):
                await _send(send, 401, static_bytes("signin.html"), CONTENT_TYPES[".html"])
            elif method == "GET" and path in PUBLIC_STATIC:
                name = path.rsplit("/", 1)[1]
                await _send(send, 200, static_bytes(name), CONTENT_TYPES["." + name.rsplit(".")[1]])
            else:
                await self.app(scope, receive, send)  # the token check answers 401
            return
        if method not in SAFE_METHODS:
            given = _header(scope, CSRF_HEADER) or b""
            if not hmac.compare_digest(given, session.csrf.encode()):
                await _send_json(
                    send,
                    403,
                    {"error": "missing or wrong X-Burro-CSRF header; reload the page"},
                )
                return
        token = self.sessions.server_token.encode()
        headers = [*scope["headers"], (b"authorization", b"Bearer " + token)]
        scope = {**scope, "headers": headers, "burro.web": {"sid": sid, "csrf": session.csrf}}
        await self.app(scope, receive, send)

    async def _sign_in(self, scope: Any, receive: Any, send: Any) -> None:
        if _header(scope, CSRF_HEADER) != SIGN_IN_HEADER_VALUE:
            await _send_json(send, 403, {"error": "sign in from the burro page"})
            return
        try:
            token = str(json.loads(await _read_body(receive))["token"]).strip()
        except (ValueError, KeyError, TypeError):
            await _send_json(send, 422, {"error": 'send {"token": "..."} as JSON'})
            return
        got = self.sessions.redeem(token)
        if got is None:
            await _send_json(
                send,
                401,
                {
                    "error": "this sign-in link was already used or is wrong; use the "
                    "token in $BURRO_HOME/serve/token, or restart `burro serve` for a new link"
                },
            )
            return
        sid, _ = got
        cookie = session_cookie(scope, sid, SESSION_TTL_S)
        await _send_json(send, 200, {"ok": True}, [(b"set-cookie", cookie.encode())])
