"""The shell tool with real subprocesses: forms, workdir, exit codes, big output, timeouts,
cancellation, bad bytes, and grandchildren holding the pipe."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path

import pytest

from burro.protocol.events import ExecCommandBegin, ExecCommandEnd, ExecCommandOutputDelta
from burro.tools.base import ToolError
from burro.tools.shell import ShellTool
from tests.unit.tools._helpers import make_ctx, run, wait_group_gone


def call(tool: ShellTool, args: dict[str, object] | str, cwd: Path, **ctx_kw: object):  # type: ignore[no-untyped-def]
    ctx, events = make_ctx(cwd, **ctx_kw)
    payload = args if isinstance(args, str) else json.dumps(args)
    result = run(tool.run(payload, ctx))
    return result, events


def end_event(events: list[object]) -> ExecCommandEnd:
    ends = [e for e in events if isinstance(e, ExecCommandEnd)]
    assert len(ends) == 1
    return ends[0]


def test_string_command_runs_as_bash_script_with_stderr_merged(tmp_path: Path) -> None:
    result, events = call(ShellTool(), {"command": "echo $((1+2)) && echo oops >&2"}, tmp_path)
    assert result.success
    assert result.output.startswith("Exit code: 0\nWall time: ")
    assert re.search(r"Wall time: \d+\.\d seconds\nOutput:\n", result.output)
    assert "3\n" in result.output and "oops\n" in result.output
    assert isinstance(events[0], ExecCommandBegin)
    assert events[0].cwd == str(tmp_path)
    assert any(isinstance(e, ExecCommandOutputDelta) for e in events)
    end = end_event(events)
    assert end.exit_code == 0 and end.status == "completed"
    assert "3\n" in end.aggregated_output and "oops\n" in end.aggregated_output


def test_argv_is_executed_without_a_shell(tmp_path: Path) -> None:
    result, events = call(ShellTool(), {"command": ["printf", "%s|", "a b", "$HOME"]}, tmp_path)
    assert result.output.endswith("Output:\na b|$HOME|")
    assert events[0].command == "printf '%s|' 'a b' '$HOME'"  # type: ignore[union-attr]


@pytest.mark.parametrize("shell", ["bash", "sh", "zsh", "/bin/bash"])
def test_shell_script_argv_runs_the_script_with_bash(tmp_path: Path, shell: str) -> None:
    result, _ = call(
        ShellTool(),
        {"command": [shell, "-lc", "echo hi | tr a-z A-Z; echo ${BASH_VERSION:+bash}"]},
        tmp_path,
    )
    assert result.output.endswith("Output:\nHI\nbash\n")


def test_workdir_relative_to_cwd_and_missing_workdir_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    result, _ = call(ShellTool(), {"command": ["pwd"], "workdir": "sub"}, tmp_path)
    assert result.output.endswith(f"Output:\n{tmp_path / 'sub'}\n")
    with pytest.raises(ToolError, match=r"workdir .*nope does not exist"):
        call(ShellTool(), {"command": ["pwd"], "workdir": "nope"}, tmp_path)


def test_nonzero_exit_code_is_a_failure(tmp_path: Path) -> None:
    result, events = call(ShellTool(), {"command": "echo partial; exit 3"}, tmp_path)
    assert not result.success
    assert result.output.startswith("Exit code: 3\n")
    end = end_event(events)
    assert end.exit_code == 3 and end.status == "failed"


def test_missing_program_reports_execution_error(tmp_path: Path) -> None:
    result, events = call(ShellTool(), {"command": ["no-such-program-burro-xyz"]}, tmp_path)
    assert not result.success
    assert result.output.startswith("Exit code: 127\n")
    assert "execution error" in result.output and "no-such-program-burro-xyz" in result.output
    assert end_event(events).status == "failed"


def test_five_megabytes_of_output_capped_for_model_but_kept_whole(tmp_path: Path) -> None:
    line = "0123456789" * 9 + "abcdefghi"  # 99 chars + newline = 100 bytes
    script = f"yes {line} | head -n 50000"
    result, events = call(ShellTool(), {"command": script}, tmp_path, output_limit_bytes=10_000)
    assert result.success
    assert "Total output lines: 50000\nOutput:\n" in result.output
    assert re.search(r"…\[\d+ bytes, \d+ lines truncated\]…", result.output)
    body = result.output.split("Output:\n", 1)[1]
    assert len(body.encode()) <= 10_000
    assert body.startswith(line + "\n") and body.endswith(line + "\n")
    end = end_event(events)
    assert len(end.aggregated_output) == 5_000_000
    assert end.aggregated_output.count("\n") == 50_000


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    result, events = call(
        ShellTool(),
        {"command": "echo $$; sleep 100 & sleep 100; wait", "timeout_ms": 1000},
        tmp_path,
    )
    assert not result.success
    assert result.output.startswith("Exit code: 124\n")
    assert "Output:\ncommand timed out after 1000 ms\n" in result.output
    end = end_event(events)
    assert end.status == "timed_out" and end.exit_code == 124
    pgid = int(end.aggregated_output.split()[0])
    assert wait_group_gone(pgid) == []


def test_without_timeout_ms_only_the_max_runtime_ceiling_stops_a_command(tmp_path: Path) -> None:
    from burro.tools.processes import ProcessManager

    result, events = call(
        ShellTool(),
        {"command": "echo $$; sleep 1.5; echo slow but fine"},
        tmp_path,
        processes=ProcessManager(max_runtime_s=30),
    )
    assert result.success and result.output.endswith("slow but fine\n")
    assert (result.status, result.exit_code) == ("completed", 0)
    result, events = call(
        ShellTool(),
        {"command": "echo $$; sleep 100 & sleep 100; wait"},
        tmp_path,
        processes=ProcessManager(max_runtime_s=0.5),
    )
    assert (result.status, result.exit_code, result.success) == ("timed_out", 124, False)
    assert "command killed: it reached the [shell] max_runtime limit of 0.5 s" in result.output
    end = end_event(events)
    assert end.status == "timed_out"
    assert wait_group_gone(int(end.aggregated_output.split()[0])) == []


def test_cancellation_kills_the_group_and_reports_aborted(tmp_path: Path) -> None:
    ctx, events = make_ctx(tmp_path)

    async def scenario() -> None:
        task = asyncio.create_task(
            ShellTool().run(json.dumps({"command": "echo $$; sleep 100 & sleep 100; wait"}), ctx)
        )
        while not any(isinstance(e, ExecCommandOutputDelta) for e in events):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(scenario())
    end = end_event(events)
    assert end.status == "aborted" and end.exit_code is None
    assert wait_group_gone(int(end.aggregated_output.split()[0])) == []


def test_invalid_utf8_is_replaced_not_raised(tmp_path: Path) -> None:
    result, events = call(ShellTool(), {"command": r"printf 'a\xff\xfeb\n'"}, tmp_path)
    assert result.success
    assert result.output.endswith("Output:\na\ufffd\ufffdb\n")
    assert end_event(events).aggregated_output == "a\ufffd\ufffdb\n"


@pytest.mark.timeout(30)
def test_grandchild_holding_the_pipe_does_not_hang_the_call(tmp_path: Path) -> None:
    tool = ShellTool(drain_timeout_s=0.3)
    result, events = call(tool, {"command": "echo $$; (sleep 60 &) ; echo done"}, tmp_path)
    assert result.success
    assert result.output.endswith("done\n")
    pgid = int(end_event(events).aggregated_output.split()[0])
    assert wait_group_gone(pgid) == []


def test_background_job_with_redirected_output_is_left_running(tmp_path: Path) -> None:
    # A server started with its output sent elsewhere does not hold the pipe: not killed.
    script = "sleep 60 >/dev/null 2>&1 & echo $!"
    result, _ = call(ShellTool(drain_timeout_s=0.3), {"command": script}, tmp_path)
    pid = int(result.output.split("Output:\n", 1)[1])
    try:
        os.kill(pid, 0)
    finally:
        os.kill(pid, 9)


def test_delta_events_are_capped_but_output_is_whole(tmp_path: Path) -> None:
    script = "for i in $(seq 1 30); do echo $i; sleep 0.005; done"
    _, events = call(ShellTool(max_deltas=3), {"command": script}, tmp_path)
    assert sum(isinstance(e, ExecCommandOutputDelta) for e in events) <= 3
    assert end_event(events).aggregated_output == "".join(f"{i}\n" for i in range(1, 31))


def test_memory_cap_keeps_the_start_and_says_so(tmp_path: Path) -> None:
    _, events = call(
        ShellTool(max_keep_bytes=1000), {"command": "yes x | head -c 100000"}, tmp_path
    )
    out = end_event(events).aggregated_output
    assert out.startswith("x\n" * 10)
    assert "was not kept" in out and len(out) < 2000


def test_env_from_context_is_used(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "BURRO_TEST_VALUE": "from-ctx"}
    result, _ = call(ShellTool(), {"command": "echo $BURRO_TEST_VALUE"}, tmp_path, env=env)
    assert result.output.endswith("Output:\nfrom-ctx\n")


class EnvMarkSandbox:
    """A real sandbox implementation that marks commands it wrapped."""

    name = "mark"

    def ready(self) -> None:
        return None

    def wrap(self, argv: list[str], *, cwd: Path) -> list[str]:
        return ["env", f"WRAPPED_IN={cwd}", *argv]


def test_commands_run_through_the_sandbox_wrapper(tmp_path: Path) -> None:
    result, _ = call(
        ShellTool(), {"command": "echo $WRAPPED_IN"}, tmp_path, sandbox=EnvMarkSandbox()
    )
    assert result.output.endswith(f"Output:\n{tmp_path}\n")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("{}", "missing required field 'command'"),
        ('{"command": 5}', "must be an array of strings"),
        ('{"command": []}', "must not be empty"),
        ('{"command": "ls", "timeout_ms": "soon"}', "'timeout_ms' must be a number"),
        ('{"command": "ls", "workdir": 3}', "'workdir' must be a string"),
    ],
)
def test_bad_arguments_give_one_line_tool_errors(
    tmp_path: Path, payload: str, message: str
) -> None:
    with pytest.raises(ToolError) as info:
        call(ShellTool(), payload, tmp_path)
    text = str(info.value)
    assert message in text
    assert "\n" not in text and "Traceback" not in text
