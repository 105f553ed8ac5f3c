"""How `burro exec` reaches a model over a real network path: HTTPS with the certificate
store the environment names (SSL_CERT_FILE, as httpx and curl read it), and the proxies it
names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), each with a loopback server and proxy."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import BURRO, burro_env, provider_args
from tests.fakes.model_server import FakeModelServer
from tests.fakes.proxy import LoopbackProxy
from tests.fakes.script import Text, Turn
from tests.fakes.tls import LoopbackTls, loopback_tls

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _exec(
    server: FakeModelServer, repo: Path, home: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    full = burro_env(home)
    for name in _PROXY_VARS:  # only what the test sets
        full.pop(name, None)
        full.pop(name.upper(), None)
    full.pop("SSL_CERT_DIR", None)
    full.update(env)
    return subprocess.run(
        [str(BURRO), "exec", *provider_args(server, "responses"), "hi"],
        cwd=repo, env=full, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def tls(tmp_path: Path) -> LoopbackTls:
    return loopback_tls(tmp_path)


def test_https_with_the_certificate_store_from_ssl_cert_file(
    repo: Path, burro_home: Path, tls: LoopbackTls
) -> None:
    with FakeModelServer([Turn([Text("over tls")])], tls=tls.server) as srv:
        assert srv.base_url.startswith("https://")
        res = _exec(srv, repo, burro_home, SSL_CERT_FILE=str(tls.ca_file))
    assert res.returncode == 0, res.stderr
    assert res.stdout == "over tls\n"


def test_https_to_a_server_nobody_vouches_for_fails_in_one_clear_line(
    repo: Path, burro_home: Path, tls: LoopbackTls
) -> None:
    """The default store (certifi's bundle) does not hold the test authority."""
    with FakeModelServer([Turn([Text("never")])], tls=tls.server) as srv:
        res = _exec(srv, repo, burro_home, SSL_CERT_FILE="")
        assert srv.requests == []
    assert res.returncode == 1
    assert "could not reach fake" in res.stderr and "CERTIFICATE_VERIFY_FAILED" in res.stderr
    assert "SSL_CERT_FILE" in res.stderr  # what to do about it
    assert "Traceback" not in res.stderr and "reconnecting" not in res.stderr  # no retries


def test_http_proxy_carries_the_request_with_its_credentials(repo: Path, burro_home: Path) -> None:
    with LoopbackProxy() as proxy, FakeModelServer([Turn([Text("via proxy")])]) as srv:
        host = proxy.url.removeprefix("http://")
        res = _exec(srv, repo, burro_home, HTTP_PROXY=f"http://me:s%40cret@{host}")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "via proxy\n"
    assert [line.split()[:2] for line in proxy.log.lines] == [["POST", f"{srv.base_url}/responses"]]
    assert proxy.log.auth == ["Basic " + base64.b64encode(b"me:s@cret").decode()]
    assert "s%40cret" not in res.stderr and "s@cret" not in res.stderr


def test_proxy_credentials_beyond_ascii_are_sent_as_utf_8(repo: Path, burro_home: Path) -> None:
    """As httpx sends them: the percent-decoded bytes of the URL's user and password."""
    with LoopbackProxy() as proxy, FakeModelServer([Turn([Text("via proxy")])]) as srv:
        host = proxy.url.removeprefix("http://")
        res = _exec(srv, repo, burro_home, HTTP_PROXY=f"http://j%C3%BCrgen:p%C3%A4ss@{host}")
    assert res.returncode == 0, res.stderr
    assert proxy.log.auth == ["Basic " + base64.b64encode("jürgen:päss".encode()).decode()]


def test_https_proxy_tunnels_with_connect(repo: Path, burro_home: Path, tls: LoopbackTls) -> None:
    with (
        LoopbackProxy() as proxy,
        FakeModelServer([Turn([Text("tunnelled")])], tls=tls.server) as srv,
    ):
        port = srv.base_url.split(":")[2].split("/")[0]
        res = _exec(srv, repo, burro_home, https_proxy=proxy.url, SSL_CERT_FILE=str(tls.ca_file))
    assert res.returncode == 0, res.stderr
    assert res.stdout == "tunnelled\n"
    assert [line.split()[:2] for line in proxy.log.lines] == [["CONNECT", f"127.0.0.1:{port}"]]


def test_no_proxy_sends_the_request_direct(repo: Path, burro_home: Path) -> None:
    with LoopbackProxy() as proxy, FakeModelServer([Turn([Text("direct")])]) as srv:
        res = _exec(srv, repo, burro_home, ALL_PROXY=proxy.url, NO_PROXY="example.com,127.0.0.1")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "direct\n"
    assert proxy.log.lines == []


def test_an_unreadable_certificate_store_is_one_line_naming_it(
    repo: Path, burro_home: Path, tls: LoopbackTls, tmp_path: Path
) -> None:
    with FakeModelServer([Turn([Text("never")])], tls=tls.server) as srv:
        res = _exec(srv, repo, burro_home, SSL_CERT_FILE=str(tmp_path / "missing.pem"))
        assert srv.requests == []
    assert res.returncode == 1
    line = [ln for ln in res.stderr.splitlines() if "certificates" in ln]
    assert len(line) == 1 and "SSL_CERT_FILE=" in line[0] and "missing.pem" in line[0], res.stderr
    assert "Traceback" not in res.stderr and "reconnecting" not in res.stderr


@pytest.mark.parametrize("key", ["sk-secret-123 ", "sk-secret\x0c123", "sk-secret\x0b123"])
def test_a_key_no_request_can_carry_is_refused_without_showing_it(
    repo: Path, burro_home: Path, key: str
) -> None:
    """A pasted key with a trailing space: one line naming the header, and the key is
    neither on stderr nor in the saved session."""
    with FakeModelServer([Turn([Text("never")])]) as srv:
        res = _exec(srv, repo, burro_home, FAKE_KEY=key)
        assert srv.requests == []
    assert res.returncode == 1
    assert "header authorization" in res.stderr, res.stderr
    assert "secret" not in res.stderr and "Traceback" not in res.stderr, res.stderr
    for path in burro_home.rglob("*"):
        if path.is_file():
            assert b"secret" not in path.read_bytes(), path


@pytest.mark.parametrize(
    ("proxy", "says"),
    [
        ("htp://me:s3cret@127.0.0.1:9", "http, https and socks5"),
        ("socks5h://me:s3cret@127.0.0.1:9", "socksio"),
    ],
)
def test_a_proxy_burro_cannot_use_is_one_line_saying_what_to_do(
    repo: Path, burro_home: Path, proxy: str, says: str
) -> None:
    """A typo in the scheme, or SOCKS without its package: one line naming the proxy
    (never its password) and what to do, not an "internal error"."""
    with FakeModelServer([Turn([Text("never")])]) as srv:
        res = _exec(srv, repo, burro_home, ALL_PROXY=proxy)
        assert srv.requests == []
    assert res.returncode == 1
    assert says in res.stderr and "ALL_PROXY" in res.stderr, res.stderr
    assert "internal error" not in res.stderr and "s3cret" not in res.stderr, res.stderr
