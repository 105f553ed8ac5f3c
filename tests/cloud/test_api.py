"""The API contract: the checked-in OpenAPI document, schemathesis against the live API,
and the token on every route."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis.checks import positive_data_acceptance

from burro.frontends.cloud.api import render_openapi
from tests.cloud.harness import Serve, write_config

OPENAPI = Path(__file__).resolve().parents[2] / "schema" / "cloud-openapi.json"
DOC = json.loads(OPENAPI.read_text(encoding="utf-8"))
# The live server's token, known before collection (schemathesis builds cases then).
TOKEN = "brt_test_" + secrets.token_urlsafe(16)


def test_checked_in_openapi_matches_the_api() -> None:
    assert OPENAPI.read_text(encoding="utf-8") == render_openapi(), (
        "the API changed; regenerate with `uv run python scripts/gen_cloud_openapi.py`"
    )


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, temporal_address: str) -> Iterator[Serve]:
    """An API-only `burro serve` (no worker: tasks created here never run)."""
    from tests.fakes.workspace import make_repo

    root = tmp_path_factory.mktemp("api")
    home = root / "home"
    write_config(home, "http://127.0.0.1:9/v1")
    (home / "serve").mkdir()
    (home / "serve" / "token").write_text(TOKEN + "\n")
    (home / "serve" / "token").chmod(0o600)
    serve = Serve(home, make_repo(root / "repo"), temporal_address)
    serve.start("--no-worker")
    try:
        yield serve
    finally:
        serve.stop()


def _operations() -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, ops in DOC["paths"].items() for method in ops]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "task_0123456789ab", path)


@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_route_answers_without_the_right_token(
    api: Serve, tmp_path: Path, method: str, path: str
) -> None:
    from burro.frontends.cloud.paths import load_or_create_token

    other_server_token = load_or_create_token(tmp_path / "other-home")
    assert other_server_token != api.token
    url = api.url + _concrete(path)
    for headers in (
        {},
        {"authorization": "Bearer wrong"},
        {"authorization": f"Bearer {other_server_token}"},
        {"authorization": api.token},  # no scheme
    ):
        resp = httpx.request(method, url, headers=headers, json={}, timeout=10)
        assert resp.status_code == 401, (method, path, headers, resp.text)
        assert "token" in resp.json()["error"]


def test_token_file_is_private(api: Serve) -> None:
    mode = (api.home / "serve" / "token").stat().st_mode & 0o777
    assert mode == 0o600


def test_openapi_and_docs_are_not_served(api: Serve) -> None:
    with api.http() as c:
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert c.get(path).status_code in (401, 404)


# ------------------------------------------------------------------ schemathesis
schema = schemathesis.openapi.from_dict(DOC).exclude(path_regex=r".*/events$")


@schema.auth()
class _BearerAuth:
    """The live server's token, the way schemathesis knows to leave out and spoil."""

    def get(self, case: schemathesis.Case, ctx: object) -> str:
        return TOKEN

    def set(self, case: schemathesis.Case, data: str, ctx: object) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def live(api: Serve) -> Serve:
    assert api.token == TOKEN
    return api


@schema.parametrize()
@hypothesis.settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, live: Serve) -> None:
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("repo"), str) and body["repo"]:
        body["repo"] = str(live.repo)  # a repository that exists; tasks never run here
    # Schema-valid input can still be wrong (a session_rollout that is no rollout, a
    # config override that does not parse): those get a 422 saying what to fix, so the
    # "valid data must be accepted" check is left out; every other check runs.
    case.call_and_validate(base_url=live.url, excluded_checks=[positive_data_acceptance])
