"""The registry: order from model metadata, lookups, parallel safety, specs from data files."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from burro.config.types import ModelInfo
from burro.tools import ToolError, build_registry
from burro.tools.registry import ToolConfigError
from tests.unit.tools._helpers import make_ctx, run

BASIC = ["shell", "update_plan", "read_file", "list_dir", "grep_files", "view_image"]


def test_specs_follow_the_given_order_and_are_stable() -> None:
    names = ["view_image", "grep_files", "shell", "update_plan", "list_dir", "read_file"]
    registry = build_registry(names, apply_patch_freeform=False)
    first = [s.name for s in registry.specs()]
    assert first == names
    encoded = msgspec.json.encode(registry.specs())
    again = build_registry(names, apply_patch_freeform=False)
    assert msgspec.json.encode(again.specs()) == encoded


def test_default_model_tool_list_builds() -> None:
    registry = build_registry(ModelInfo(slug="x").tools, apply_patch_freeform=True)
    names = [s.name for s in registry.specs()]
    assert names[:2] == ["shell", "update_plan"]
    assert {"read_file", "list_dir", "grep_files", "view_image"} <= set(names)


def test_specs_carry_descriptions_and_object_schemas() -> None:
    for spec in build_registry(BASIC, apply_patch_freeform=False).specs():
        assert spec.kind == "function"
        assert len(spec.description) > 40
        assert spec.parameters is not None
        assert spec.parameters["type"] == "object"
        assert spec.parameters["additionalProperties"] is False
        assert set(spec.parameters["required"]) <= set(spec.parameters["properties"])


def test_unknown_tool_name_is_a_config_error_naming_it() -> None:
    with pytest.raises(ToolConfigError, match="unknown tool 'teleport'") as info:
        build_registry(["shell", "teleport"], apply_patch_freeform=False)
    assert isinstance(info.value, ToolError)


def test_lookup_parallel_safety_and_shell_aliases() -> None:
    registry = build_registry(BASIC, apply_patch_freeform=False)
    assert registry.get("read_file") is not None
    assert registry.get("nope") is None
    assert registry.get("shell_command") is registry.get("shell")
    assert not registry.is_parallel_safe("shell")
    for name in ("read_file", "list_dir", "grep_files", "view_image"):
        assert registry.is_parallel_safe(name)
    assert not registry.is_parallel_safe("nope")


def test_shell_command_variant_declares_a_string_command(tmp_path: Path) -> None:
    registry = build_registry(["shell_command"], apply_patch_freeform=False)
    (spec,) = registry.specs()
    assert spec.parameters is not None
    assert spec.parameters["properties"]["command"]["type"] == "string"
    tool = registry.get("shell_command")
    assert tool is not None
    ctx, _ = make_ctx(tmp_path)
    result = run(tool.run(json.dumps({"command": "echo ok"}), ctx))
    assert result.output.endswith("Output:\nok\n")


def test_exec_command_models_still_dispatch_the_classic_shell_names() -> None:
    from burro.config.catalog import model_info

    registry = build_registry(model_info("gpt-5.5").tools, apply_patch_freeform=True)
    names = [s.name for s in registry.specs()]
    assert names[:2] == ["exec_command", "write_stdin"]
    assert "shell" not in names  # not offered...
    shell = registry.get("shell")  # ...but a call from older history still runs
    assert shell is not None and shell.shell_like
    assert registry.get("container.exec") is shell
    assert registry.get("shell_command") is shell


def test_capabilities_not_names_tell_the_core_how_to_run_a_tool() -> None:
    registry = build_registry(
        ["exec_command", "write_stdin", "shell", "apply_patch", "update_plan", "read_file"],
        apply_patch_freeform=False,
    )
    flags = {
        n: (t.parallel_safe, t.self_reporting, t.shell_like, t.patch_like)
        for n in registry.names()
        if (t := registry.get(n)) is not None
    }
    assert flags == {
        "exec_command": (False, True, True, False),
        "write_stdin": (False, False, False, False),
        "shell": (False, True, True, False),
        "apply_patch": (False, True, False, True),
        "update_plan": (True, True, False, False),
        "read_file": (True, False, False, False),
    }
    assert registry.patch_tool() is registry.get("apply_patch")
    request = registry.get("exec_command").command(json.dumps({"cmd": "ls -la", "workdir": "s"}))  # type: ignore[union-attr]
    assert request is not None and request.command == "ls -la" and request.workdir == "s"
    heredoc = {"command": ["bash", "-lc", "apply_patch <<'EOF'\n*** Begin Patch\nEOF"]}
    patch = registry.get("shell").command(json.dumps(heredoc))  # type: ignore[union-attr]
    assert patch is not None and patch.patch == ("*** Begin Patch\n", None)
