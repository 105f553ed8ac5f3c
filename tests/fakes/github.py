"""A fake GitHub REST API on loopback: the endpoints the review bot uses, with GitHub's
request and response shapes, token and GitHub App (JWT) authentication, pull requests
backed by real bare git repositories (``refs/pull/N/head``), validation of review
comments against the pull request's diff (HTTP 422 like GitHub), and injectable faults
(rate limits). Every request is recorded."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_ids = itertools.count(1001)
_HUNK = re.compile(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@")


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    """Answer ``times`` matching requests with ``status``/``headers``/``body``."""

    method: str
    path: str  # a regular expression matched against the path
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class Repo:
    full_name: str
    git_dir: Path  # a bare repository: the clone URL
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    issue_comments: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    permissions: dict[str, str] = field(default_factory=dict)


def _user(login: str) -> dict[str, Any]:
    kind = "Bot" if login.endswith("[bot]") else "User"
    return {
        "login": login,
        "id": abs(hash(login)) % 10**7,
        "node_id": "U_x",
        "type": kind,
        "site_admin": False,
        "html_url": f"https://github.com/{login}",
    }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def diff_lines(git_dir: Path, base: str, head: str) -> dict[str, set[int]]:
    """path -> RIGHT-side line numbers GitHub accepts for comments (inside hunks)."""
    mb = subprocess.run(
        ["git", "merge-base", base, head], cwd=git_dir, capture_output=True, text=True, check=True
    ).stdout.strip()
    out = subprocess.run(
        ["git", "diff", f"{mb}..{head}"], cwd=git_dir, capture_output=True, text=True, check=True
    ).stdout
    lines: dict[str, set[int]] = {}
    path = ""
    for line in out.splitlines():
        if line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else ""
        elif (m := _HUNK.match(line)) and path:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            lines.setdefault(path, set()).update(range(start, start + count))
    return lines


class FakeGitHub:
    def __init__(
        self,
        *,
        token: str = "ghp_test",
        login: str = "burro-bot",
        app_id: str | None = None,
        public_key_pem: bytes | None = None,
    ) -> None:
        self.token = token
        self.login = login
        self.app_id = app_id
        self.public_key_pem = public_key_pem
        self.installation_tokens: dict[str, int] = {}
        self.repos: dict[str, Repo] = {}
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.url = ""

    # ------------------------------------------------------------ setup

    def __enter__(self) -> FakeGitHub:
        handler = type("H", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def add_repo(self, full_name: str, git_dir: Path) -> Repo:
        repo = Repo(full_name=full_name, git_dir=git_dir)
        self.repos[full_name] = repo
        return repo

    def set_pull(self, full_name: str, pr: dict[str, Any]) -> None:
        with self.lock:
            self.repos[full_name].pulls[int(pr["number"])] = pr

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    # ------------------------------------------------------------ auth

    def authorized(self, header: str, path: str) -> bool:
        scheme, _, cred = header.partition(" ")
        if path == "/app" or path.startswith("/app/"):
            return scheme.lower() == "bearer" and self._jwt_ok(cred)
        if scheme.lower() not in ("token", "bearer"):
            return False
        return cred == self.token or cred in self.installation_tokens

    def _jwt_ok(self, token: str) -> bool:
        if self.public_key_pem is None:
            return False
        import jwt

        try:
            claims = jwt.decode(token, self.public_key_pem, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return str(claims.get("iss")) == str(self.app_id)

    # ------------------------------------------------------------ routes

    def route(self, method: str, path: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and re.search(fault.path, path):
                fault.times -= 1
                return fault.status, fault.body, fault.headers
        if method == "GET" and path == "/user":
            return 200, _user(self.login), {}
        if method == "GET" and path == "/app":
            return 200, {"id": int(self.app_id or 0), "slug": "burro-app", "name": "burro"}, {}
        if m := re.fullmatch(r"/app/installations/(\d+)/access_tokens", path):
            token = f"ghs_{next(_ids)}"
            self.installation_tokens[token] = int(m.group(1))
            expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            return 201, {"token": token, "expires_at": expires, "permissions": {}}, {}
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)", path)
        if m is None or m.group(1) not in self.repos:
            return 404, {"message": "Not Found"}, {}
        return self._repo_route(self.repos[m.group(1)], method, m.group(2), body)

    def _repo_route(
        self, repo: Repo, method: str, rest: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if m := re.fullmatch(r"/pulls/(\d+)", rest):
            pr = repo.pulls.get(int(m.group(1)))
            return (200, pr, {}) if pr else (404, {"message": "Not Found"}, {})
        if m := re.fullmatch(r"/collaborators/([^/]+)/permission", rest):
            perm = repo.permissions.get(m.group(1), "none")
            return 200, {"permission": perm, "role_name": perm, "user": _user(m.group(1))}, {}
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            number = int(m.group(1))
            if method == "GET":
                return 200, [c for c in repo.issue_comments if c["_number"] == number], {}
            return 201, self._new_comment(repo, number, body), {}
        if (m := re.fullmatch(r"/issues/comments/(\d+)", rest)) and method == "PATCH":
            for c in repo.issue_comments:
                if c["id"] == int(m.group(1)):
                    c.update(body=body["body"], updated_at=_now())
                    return 200, c, {}
            return 404, {"message": "Not Found"}, {}
        if m := re.fullmatch(r"/pulls/(\d+)/comments", rest):
            number = int(m.group(1))
            return 200, [c for c in repo.review_comments if c["_number"] == number], {}
        if (m := re.fullmatch(r"/pulls/(\d+)/reviews", rest)) and method == "POST":
            return self._new_review(repo, int(m.group(1)), body)
        return 404, {"message": "Not Found"}, {}

    def _new_comment(self, repo: Repo, number: int, body: Any) -> dict[str, Any]:
        cid = next(_ids)
        comment = {
            "id": cid,
            "node_id": f"IC_{cid}",
            "_number": number,
            "body": body["body"],
            "user": _user(self.login),
            "created_at": _now(),
            "updated_at": _now(),
            "author_association": "NONE",
            "html_url": f"https://github.com/{repo.full_name}/pull/{number}#issuecomment-{cid}",
            "issue_url": f"{self.url}/repos/{repo.full_name}/issues/{number}",
        }
        repo.issue_comments.append(comment)
        return comment

    def _new_review(self, repo: Repo, number: int, body: Any) -> tuple[int, Any, dict[str, str]]:
        pr = repo.pulls.get(number)
        if pr is None:
            return 404, {"message": "Not Found"}, {}
        if body.get("event") not in ("APPROVE", "REQUEST_CHANGES", "COMMENT"):
            return 422, {"message": "Unprocessable Entity", "errors": ["bad event"]}, {}
        if body.get("commit_id") != pr["head"]["sha"]:
            return (
                422,
                {
                    "message": "Unprocessable Entity",
                    "errors": ["commit_id is not part of the pull request"],
                },
                {},
            )
        allowed = diff_lines(repo.git_dir, pr["base"]["ref"], pr["head"]["sha"])
        for c in body.get("comments") or []:
            lines = [c["line"], c.get("start_line", c["line"])]
            if c.get("side", "RIGHT") != "RIGHT" or not all(
                isinstance(n, int) and n in allowed.get(c["path"], set()) for n in lines
            ):
                return (
                    422,
                    {
                        "message": "Unprocessable Entity",
                        "errors": ["Pull request review thread line must be part of the diff"],
                    },
                    {},
                )
        rid = next(_ids)
        review = {
            "id": rid,
            "node_id": f"PRR_{rid}",
            "user": _user(self.login),
            "body": body["body"],
            "state": "COMMENTED",
            "commit_id": body["commit_id"],
            "submitted_at": _now(),
            "author_association": "NONE",
            "_number": number,
            "html_url": f"https://github.com/{repo.full_name}/pull/{number}#pullrequestreview-{rid}",
            "pull_request_url": f"{self.url}/repos/{repo.full_name}/pulls/{number}",
            "comments": body.get("comments") or [],
        }
        repo.reviews.append(review)
        for c in body.get("comments") or []:
            cid = next(_ids)
            repo.review_comments.append(
                {
                    "id": cid,
                    "node_id": f"PRRC_{cid}",
                    "pull_request_review_id": rid,
                    "_number": number,
                    "path": c["path"],
                    "line": c["line"],
                    "start_line": c.get("start_line"),
                    "side": "RIGHT",
                    "body": c["body"],
                    "commit_id": body["commit_id"],
                    "original_commit_id": body["commit_id"],
                    "user": _user(self.login),
                    "created_at": _now(),
                    "updated_at": _now(),
                }
            )
        return 200, {k: v for k, v in review.items() if k not in ("_number", "comments")}, {}


def _public(payload: Any) -> Any:
    """Without the fake's own bookkeeping keys (``_number``)."""
    if isinstance(payload, list):
        return [_public(p) for p in payload]
    if isinstance(payload, dict):
        return {k: v for k, v in payload.items() if not k.startswith("_")}
    return payload


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        path = self.path.split("?")[0]
        fake = self.fake
        with fake.lock:
            fake.requests.append(
                Recorded(method, path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            if not fake.authorized(self.headers.get("authorization", ""), path):
                status, payload, headers = 401, {"message": "Bad credentials"}, {}
            else:
                status, payload, headers = fake.route(method, path, body)
        data = json.dumps(_public(payload)).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-ratelimit-limit", "5000")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")
