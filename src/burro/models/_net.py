"""What the model's connections take from the environment, as httpx would: proxies
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, either case) and the
certificate store (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's bundle)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes, urlsplit

import msgspec

if TYPE_CHECKING:
    import ssl


class ProxyChoice(msgspec.Struct, frozen=True):
    """A proxy without its credentials in the URL; ``auth`` is (user, password), the
    URL's percent-decoded bytes (UTF-8 beyond ASCII, as httpx sends them)."""

    url: str
    auth: tuple[bytes, bytes] | None = None


def _env(env: Mapping[str, str], name: str) -> str:
    """``name_proxy`` as curl and httpx read it: lower case first, then upper case; set
    but empty in lower case (``https_proxy= burro …``) turns the upper case one off."""
    lower = env.get(f"{name}_proxy")
    return (env.get(f"{name.upper()}_PROXY", "") if lower is None else lower).strip()


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
        auth = (unquote_to_bytes(proxy.username), unquote_to_bytes(proxy.password or ""))
        host = proxy.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = host if proxy.port is None else f"{host}:{proxy.port}"
        proxy = proxy._replace(netloc=netloc)
    return ProxyChoice(proxy.geturl(), auth)


def proxy_problem(proxy: ProxyChoice) -> str | None:
    """Why a request cannot go through ``proxy`` at all (an unknown scheme, SOCKS without
    its package), or None."""
    scheme = proxy.url.partition("://")[0].lower()
    if scheme not in ("http", "https", "socks5", "socks5h"):
        return "burro's model requests take http, https and socks5 proxies"
    if scheme.startswith("socks"):
        import importlib.util

        if importlib.util.find_spec("socksio") is None:
            return "a SOCKS proxy needs the socksio package installed next to burro"
    return None


def _store_key(env: Mapping[str, str]) -> tuple[str, str]:
    return (env.get("SSL_CERT_FILE") or "", env.get("SSL_CERT_DIR") or "")


def store_name(env: Mapping[str, str]) -> str:
    """Where the certificates come from, for an error message."""
    cafile, capath = _store_key(env)
    if cafile:
        return f"SSL_CERT_FILE={cafile}"
    return f"SSL_CERT_DIR={capath}" if capath else "certifi's bundle"


def _load(key: tuple[str, str]) -> ssl.SSLContext:
    import ssl

    cafile, capath = key
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    if capath:
        return ssl.create_default_context(capath=capath)
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


class _Store:
    """One certificate store, loaded once on a thread of its own: reading ~150 authority
    certificates takes a while, and start-up goes on meanwhile (``warm_ssl_context``)."""

    def __init__(self, key: tuple[str, str]) -> None:
        self._key = key
        self._context: ssl.SSLContext | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._build, name="burro-certs", daemon=True)
        self._thread.start()

    def _build(self) -> None:
        try:
            self._context = _load(self._key)
        except OSError as exc:  # a missing or unreadable file; ssl.SSLError is an OSError
            self._error = exc

    def get(self) -> ssl.SSLContext:
        self._thread.join()
        if self._error is not None:
            raise OSError(str(self._error))
        assert self._context is not None
        return self._context


_stores: dict[tuple[str, str], _Store] = {}
_stores_lock = threading.Lock()


def _store(env: Mapping[str, str]) -> _Store:
    key = _store_key(env)
    with _stores_lock:
        if key not in _stores:
            _stores[key] = _Store(key)
        return _stores[key]


def warm_ssl_context(env: Mapping[str, str]) -> None:
    """Start loading the certificate store now; ``ssl_context`` collects it."""
    _store(env)


def ssl_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """Certificates from ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set, else certifi's;
    one context per store, shared. OSError when the store cannot be read."""
    return _store(env).get()
