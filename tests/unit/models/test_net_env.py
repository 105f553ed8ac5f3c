"""Which proxy a model request takes, read from the environment as httpx and curl do."""

from __future__ import annotations

import pytest

from burro.models._net import ProxyChoice, proxy_for

URL = "https://api.example.com/v1/responses"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"HTTPS_PROXY": "http://p:3128"}, ProxyChoice("http://p:3128")),
        (
            {"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:2"},
            ProxyChoice("http://low:1"),
        ),
        ({"https_proxy": "", "HTTPS_PROXY": "http://up:2"}, None),  # turned off
        ({"no_proxy": "", "NO_PROXY": "*", "HTTPS_PROXY": "http://p:1"}, ProxyChoice("http://p:1")),
        ({"HTTP_PROXY": "http://p:3128"}, None),  # the other scheme's proxy
        ({"ALL_PROXY": "p:3128"}, ProxyChoice("http://p:3128")),  # no scheme: http
        ({"HTTPS_PROXY": "http://u:p%2Fw@p:1"}, ProxyChoice("http://p:1", (b"u", b"p/w"))),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com"}, None),  # a subdomain
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example.com"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "https://api.example.com"}, None),
        ({"HTTPS_PROXY": "http://p:1", "no_proxy": " other.org , api.example.com "}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "ample.com"}, ProxyChoice("http://p:1")),
    ],
)
def test_proxy_choice(env: dict[str, str], expected: ProxyChoice | None) -> None:
    assert proxy_for(URL, env) == expected


def test_ipv6_hosts_match_no_proxy_with_or_without_brackets() -> None:
    env = {"HTTP_PROXY": "http://p:1", "NO_PROXY": "[::1]"}
    assert proxy_for("http://[::1]:8080/v1", env) is None
    assert proxy_for("http://[::2]:8080/v1", env) == ProxyChoice("http://p:1")
