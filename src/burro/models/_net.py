"""What the model's connections take from the environment, as httpx would: proxies
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, either case) and the
certificate store (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's bundle)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    import ssl


@dataclass(frozen=True, slots=True)
class ProxyChoice:
    """A proxy without its credentials in the URL; ``auth`` is (user, password)."""

    url: str
    auth: tuple[str, str] | None = None


def _env(env: Mapping[str, str], name: str) -> str:
    """``name_proxy`` as curl and httpx read it: lower case first, then upper case."""
    return (env.get(f"{name}_proxy") or env.get(f"{name.upper()}_PROXY") or "").strip()


def _bypassed(host: str, no_proxy: str) -> bool:
    host = host.strip("[]").lower()
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if entry == "*":
            return True
        if "://" in entry:
            entry = urlsplit(entry).hostname or ""
        entry = entry.removeprefix("*").removeprefix(".").strip("[]")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def proxy_for(url: str, env: Mapping[str, str]) -> ProxyChoice | None:
    """The proxy a request to ``url`` goes through, or None (direct)."""
    parts = urlsplit(url)
    chosen = _env(env, parts.scheme) or _env(env, "all")
    if not chosen or _bypassed(parts.hostname or "", _env(env, "no")):
        return None
    if "://" not in chosen:
        chosen = "http://" + chosen
    proxy = urlsplit(chosen)
    auth = None
    if proxy.username is not None:
        auth = (unquote(proxy.username), unquote(proxy.password or ""))
        host = proxy.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = host if proxy.port is None else f"{host}:{proxy.port}"
        proxy = proxy._replace(netloc=netloc)
    return ProxyChoice(proxy.geturl(), auth)


def ssl_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """Certificates from ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set, else certifi's."""
    import ssl

    if env.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=env["SSL_CERT_FILE"])
    if env.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=env["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())
