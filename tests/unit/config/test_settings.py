"""Configuration layers, profiles, -c overrides, and one-line errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from burro.config import ConfigError, load_settings


def _home(tmp_path: Path, text: str = "") -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")
    return {"BURRO_HOME": str(home)}


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    s = load_settings(cwd=tmp_path, env={"BURRO_HOME": str(tmp_path / "none")})
    assert s.provider_id == "openai" and s.provider.wire_api == "responses"
    assert s.model_info.known and s.context_window == 272000


def test_file_profile_and_overrides_layer_in_order(tmp_path: Path) -> None:
    env = _home(
        tmp_path,
        'model = "gpt-5.4"\nmodel_reasoning_effort = "low"\n'
        '[profiles.claude]\nmodel = "claude-sonnet-4-5"\nmodel_provider = "anthropic"\n',
    )
    assert load_settings(cwd=tmp_path, env=env).model == "gpt-5.4"
    s = load_settings(cwd=tmp_path, env=env, profile="claude")
    assert (s.model, s.provider.wire_api) == ("claude-sonnet-4-5", "anthropic")
    s = load_settings(
        cwd=tmp_path, env=env, profile="claude", overrides=['model="claude-opus-4-5"']
    )
    assert s.model == "claude-opus-4-5"
    s = load_settings(
        cwd=tmp_path, env=env, overrides=["model_reasoning_effort=high"], model="gpt-5.5"
    )
    assert (s.model, s.effort) == ("gpt-5.5", "high")


def test_user_defined_provider_from_overrides(tmp_path: Path) -> None:
    s = load_settings(
        cwd=tmp_path,
        env=_home(tmp_path),
        overrides=[
            "model_provider=local",
            'model_providers.local={name="local",base_url="http://127.0.0.1:8080/v1", '
            'wire_api="chat", env_key="LOCAL_KEY"}',
        ],
    )
    assert s.provider.base_url == "http://127.0.0.1:8080/v1"
    assert s.provider.wire_api == "chat"
    assert s.api_key({"LOCAL_KEY": "abc"}) == "abc"


def test_builtin_provider_fields_can_be_overridden(tmp_path: Path) -> None:
    s = load_settings(
        cwd=tmp_path,
        env=_home(tmp_path),
        overrides=['model_providers.openai.base_url="http://proxy/v1"'],
    )
    assert s.provider.base_url == "http://proxy/v1" and s.provider.env_key == "OPENAI_API_KEY"


@pytest.mark.parametrize(
    ("overrides", "profile", "message"),
    [
        (["foo=1"], None, "unknown key `foo`"),
        (["model_reasoning_effort=huge"], None, "`model_reasoning_effort`"),
        (
            ['model_providers.x={base_url="u",bogus=1}', "model_provider=x"],
            None,
            "unknown key `model_providers.x.bogus`",
        ),
        (
            [
                'model_providers.x.wire_api="soap"',
                'model_providers.x.base_url="u"',
                "model_provider=x",
            ],
            None,
            "`model_providers.x.wire_api`",
        ),
        (["model_provider=nope"], None, "unknown model_provider `nope`"),
        (['model_providers.x.name="x"', "model_provider=x"], None, "missing `base_url`"),
        (["profiles.p.colour=1"], None, "unknown key `profiles.p.colour`"),
        ([], "missing", "profile `missing` not found"),
        (["=3"], None, "expected key.path=VALUE"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(
    tmp_path: Path, overrides: list[str], profile: str | None, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(cwd=tmp_path, env=_home(tmp_path), overrides=overrides, profile=profile)
    text = str(info.value)
    assert message in text
    assert "\n" not in text


def test_bad_toml_file_names_the_file(tmp_path: Path) -> None:
    env = _home(tmp_path, "model = \n")
    with pytest.raises(ConfigError, match=r"config.toml: not valid TOML"):
        load_settings(cwd=tmp_path, env=env)


def test_unknown_key_in_file(tmp_path: Path) -> None:
    env = _home(tmp_path, 'modle = "gpt-5.5"\n')
    with pytest.raises(ConfigError, match="unknown key `modle`"):
        load_settings(cwd=tmp_path, env=env)


def test_unknown_model_gets_defaults_and_a_warning(tmp_path: Path) -> None:
    s = load_settings(cwd=tmp_path, env=_home(tmp_path), model="mystery-1")
    assert not s.model_info.known and s.warnings
    s = load_settings(
        cwd=tmp_path, env=_home(tmp_path), model="anthropic/claude-sonnet-4-5-20250929"
    )
    assert s.model_info.known and s.context_window == 200000


def test_front_end_default_sandbox_yields_to_config_and_flags(tmp_path: Path) -> None:
    env = _home(tmp_path)
    assert load_settings(cwd=tmp_path, env=env).sandbox_mode == "read-only"
    s = load_settings(cwd=tmp_path, env=env, default_sandbox_mode="workspace-write")
    assert s.sandbox_mode == "workspace-write"
    s = load_settings(
        cwd=tmp_path,
        env=env,
        default_sandbox_mode="workspace-write",
        overrides=['sandbox_mode="read-only"'],
    )
    assert s.sandbox_mode == "read-only"
    s = load_settings(
        cwd=tmp_path,
        env=env,
        default_sandbox_mode="workspace-write",
        sandbox_mode="danger-full-access",
    )
    assert s.sandbox_mode == "danger-full-access"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "[model_providers.local]\nbase_url = 'http://x/v1'\nrequest_max_retries = -1\n",
            "model_providers.local.request_max_retries",
        ),
        (
            "[model_providers.local]\nbase_url = 'http://x/v1'\nstream_max_retries = -2\n",
            "model_providers.local.stream_max_retries",
        ),
        (
            "[model_providers.local]\nbase_url = 'http://x/v1'\nstream_idle_timeout_ms = 0\n",
            "model_providers.local.stream_idle_timeout_ms",
        ),
        (
            "[model_providers.local]\nbase_url = 'http://x/v1'\nretry_base_delay_ms = -5\n",
            "model_providers.local.retry_base_delay_ms",
        ),
        ("model_max_output_tokens = -1\n", "model_max_output_tokens"),
        ("model_context_window = 0\n", "model_context_window"),
    ],
)
def test_negative_counts_and_timeouts_are_rejected_naming_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    env = _home(tmp_path, "model_provider = 'local'\n" + text)
    with pytest.raises(ConfigError) as info:
        load_settings(cwd=tmp_path, env=env)
    message = str(info.value)
    assert f"`{key}`" in message and ">=" in message
    assert "\n" not in message


def test_unknown_models_get_an_output_cap_that_config_can_change(tmp_path: Path) -> None:
    s = load_settings(cwd=tmp_path, env=_home(tmp_path), model="my-local-gguf")
    assert s.model_info.max_output_tokens == 32_000
    small = load_settings(
        cwd=tmp_path,
        env=_home(tmp_path),
        model="my-local-gguf",
        overrides=["model_context_window=8192"],
    )
    assert small.model_info.max_output_tokens == 2048
    s = load_settings(
        cwd=tmp_path,
        env=_home(tmp_path),
        model="my-local-gguf",
        overrides=["model_max_output_tokens=4096"],
    )
    assert s.model_info.max_output_tokens == 4096
    known = load_settings(cwd=tmp_path, env=_home(tmp_path), model="gpt-5.5")
    assert known.model_info.max_output_tokens is None  # the provider's own default


@pytest.mark.parametrize(
    ("provider", "url"),
    [
        ("llamacpp", "http://127.0.0.1:8080/v1"),
        ("vllm", "http://127.0.0.1:8000/v1"),
        ("litellm", "http://127.0.0.1:4000/v1"),
        ("ollama", "http://localhost:11434/v1"),
        ("lmstudio", "http://localhost:1234/v1"),
    ],
)
def test_local_server_presets(tmp_path: Path, provider: str, url: str) -> None:
    s = load_settings(cwd=tmp_path, env=_home(tmp_path), provider=provider, model="m")
    assert s.provider.base_url == url and s.provider.wire_api == "chat"
    assert s.provider.requires_api_key is False


def test_tool_calling_mode_from_provider_or_top_level(tmp_path: Path) -> None:
    s = load_settings(cwd=tmp_path, env=_home(tmp_path), provider="llamacpp", model="m")
    assert s.provider.tool_calling == "native"
    s = load_settings(
        cwd=tmp_path,
        env=_home(tmp_path),
        provider="llamacpp",
        model="m",
        overrides=["model_providers.llamacpp.tool_calling='text'"],
    )
    assert s.provider.tool_calling == "text"
    s = load_settings(
        cwd=tmp_path,
        env=_home(tmp_path),
        provider="llamacpp",
        model="m",
        overrides=["tool_calling='text'"],
    )
    assert s.provider.tool_calling == "text"
    with pytest.raises(ConfigError, match="tool_calling"):
        load_settings(cwd=tmp_path, env=_home(tmp_path), overrides=["tool_calling='json'"])
