"""GitHub's REST API through githubkit: a token, or a GitHub App whose installation
tokens are minted and refreshed here; rate limits (primary and secondary, Retry-After,
x-ratelimit-reset) waited out in place when short, else raised for the queue to wait."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from burro.frontends.github.config import BotConfig
from burro.protocol.errors import BurroError, ErrorCode

if TYPE_CHECKING:
    from githubkit import GitHub
    from githubkit.exception import GitHubException
    from githubkit.typing import RetryOption

_TOKEN_MARGIN_S = 300.0
_MAX_PAGES = 20


class GitHubError(BurroError):
    code: ErrorCode = "server_error"

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class RateLimited(GitHubError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message, retryable=True)
        self.retry_after_s = retry_after_s


def _decision(max_wait_s: float) -> Any:
    from githubkit.exception import RateLimitExceeded, RequestFailed
    from githubkit.typing import RetryOption

    def decide(exc: GitHubException, count: int) -> RetryOption:
        if isinstance(exc, RateLimitExceeded) and count < 3:
            wait = max(exc.retry_after.total_seconds(), 0.0)
            if wait <= max_wait_s:
                return RetryOption(True, timedelta(seconds=max(wait, 0.05)))
        elif isinstance(exc, RequestFailed) and exc.response.status_code >= 500 and count < 2:
            return RetryOption(True, timedelta(seconds=count + 1))
        return RetryOption(False)

    return decide


class Api:
    """One authenticated client (a token or an installation token)."""

    def __init__(self, gh: GitHub[Any], token: str) -> None:
        self._gh = gh
        self.token = token

    async def call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        import httpx
        from githubkit.exception import RateLimitExceeded, RequestFailed

        try:
            resp = await self._gh.arequest(method, path, json=json, params=params)
        except RateLimitExceeded as exc:
            wait = max(exc.retry_after.total_seconds(), 1.0)
            raise RateLimited(
                f"GitHub rate limit on {method} {path}; retrying in {wait:.0f}s",
                retry_after_s=wait,
            ) from exc
        except RequestFailed as exc:
            status = exc.response.status_code
            detail = exc.response.raw_response.text[:200].replace("\n", " ")
            raise GitHubError(
                f"GitHub {method} {path} failed with HTTP {status}: {detail}",
                retryable=status >= 500,
            ) from exc
        except httpx.HTTPError as exc:
            raise GitHubError(f"GitHub {method} {path}: {exc}", retryable=True) from exc
        if not resp.raw_response.content:
            return None
        return resp.raw_response.json()

    async def pages(self, path: str, *, params: dict[str, Any] | None = None) -> list[Any]:
        out: list[Any] = []
        for page in range(1, _MAX_PAGES + 1):
            batch = await self.call(
                "GET", path, params={**(params or {}), "per_page": 100, "page": page}
            )
            out.extend(batch or [])
            if not batch or len(batch) < 100:
                break
        return out


class Auth:
    """Hands out an Api per installation (App) or the one token client."""

    def __init__(self, config: BotConfig) -> None:
        self._config = config
        self._installations: dict[int, tuple[Api, float]] = {}
        self._token_api: Api | None = None
        self._login: str | None = None

    def _github(self, auth: Any) -> GitHub[Any]:
        from githubkit import GitHub

        return GitHub(
            auth,
            base_url=self._config.api_url,
            auto_retry=_decision(self._config.max_inline_wait_s),
            http_cache=False,
            timeout=30.0,
        )

    def _app(self) -> Api:
        from githubkit import AppAuthStrategy

        cfg = self._config
        gh = self._github(AppAuthStrategy(cfg.app_id, cfg.private_key or ""))
        return Api(gh, "")

    async def api(self, installation_id: int | None) -> Api:
        from githubkit import TokenAuthStrategy

        cfg = self._config
        if cfg.token or not (cfg.app_id and cfg.private_key):
            if self._token_api is None:
                token = cfg.token or ""
                self._token_api = Api(self._github(TokenAuthStrategy(token)), token)
            return self._token_api
        if installation_id is None:
            raise GitHubError("the webhook names no installation; is the GitHub App installed?")
        cached = self._installations.get(installation_id)
        if cached is not None and cached[1] - _TOKEN_MARGIN_S > time.time():
            return cached[0]
        data = await self._app().call("POST", f"/app/installations/{installation_id}/access_tokens")
        token = str(data["token"])
        expires = datetime.fromisoformat(str(data["expires_at"]).replace("Z", "+00:00"))
        api = Api(self._github(TokenAuthStrategy(token)), token)
        self._installations[installation_id] = (api, expires.astimezone(UTC).timestamp())
        return api

    async def login(self, api: Api) -> str:
        """The bot's own login (its comments carry its state; others' are not trusted)."""
        if self._login is None:
            cfg = self._config
            if cfg.token or not (cfg.app_id and cfg.private_key):
                self._login = str((await api.call("GET", "/user"))["login"])
            else:
                self._login = str((await self._app().call("GET", "/app"))["slug"]) + "[bot]"
        return self._login
