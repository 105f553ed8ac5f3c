"""The session file writer: one holder at a time, no torn lines after a failed write,
bounded human copies of command output, and no encoding failure on undecodable bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from burro.core.reconstruct import restore
from burro.core.rollout import HUMAN_OUTPUT_BYTES, RolloutWriter, SessionMeta
from burro.core.store import FileRolloutStore, RolloutWriteError, SessionLocked, lock_path
from burro.protocol.events import ExecCommandEnd
from burro.protocol.items import FunctionCall, FunctionCallOutput, Message, TextPart, user_text

SID = "0f3e4d2c-1111-4222-8333-444455556666"


def _meta() -> SessionMeta:
    return SessionMeta(
        id=SID, cwd="/w", model="m", provider="p", burro_version="0", started_at="now"
    )


def _writer(path: Path) -> RolloutWriter:
    return RolloutWriter(FileRolloutStore(path))


def _path(tmp_path: Path) -> Path:
    return tmp_path / "sessions" / f"rollout-2026-01-01T00-00-00-{SID}.jsonl"


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    path = _path(tmp_path)
    first = _writer(path)
    first.meta(_meta())
    with pytest.raises(SessionLocked) as err:
        _writer(path)
    assert err.value.holder_pid == os.getpid()
    assert f"burro process {os.getpid()}" in str(err.value)
    assert "continue a copy of it (fork)" in str(err.value) and err.value.session_id == SID
    assert "\n" not in str(err.value)
    first.close()
    assert not lock_path(path).exists()
    second = _writer(path)  # free again once the holder closed it
    second.item(user_text("again"))
    second.close()
    assert [type(i) for i in restore(path).history] == [Message]


def test_a_killed_holder_leaves_the_session_free(tmp_path: Path) -> None:
    path = _path(tmp_path)
    _writer(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from burro.core.store import FileRolloutStore;"
            f" s = FileRolloutStore(Path({str(path)!r})); print('held', flush=True);"
            " sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(SessionLocked) as err:
            _writer(path)
        assert err.value.holder_pid == holder.pid
    finally:
        holder.kill()
        holder.wait(timeout=10)
    _writer(path).close()  # the lock died with the process; a stale pid file is fine


_FILL = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from burro.core.rollout import RolloutWriter, SessionMeta
    from burro.core.store import FileRolloutStore, RolloutWriteError
    from burro.protocol.items import user_text
    path, limit = Path(sys.argv[1]), int(sys.argv[2])
    w = RolloutWriter(FileRolloutStore(path))
    w.meta(SessionMeta(id="s", cwd="/", model="m", provider="p", burro_version="0",
                       started_at="now"))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    written, error = 0, ""
    try:
        for n in range(1000):
            w.item(user_text(f"message {n} " + "x" * 300))
            written += 1
    except RolloutWriteError as exc:
        error = str(exc)
    size_after_failure = path.stat().st_size
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space comes back
    w.item(user_text("after the space came back"))
    w.close()
    print(json.dumps({"written": written, "error": error, "size": size_after_failure}))
    """
)


def test_a_failed_write_leaves_no_torn_line_and_catches_up_later(tmp_path: Path) -> None:
    path = _path(tmp_path)
    path.parent.mkdir(parents=True)
    out = subprocess.run(
        [sys.executable, "-c", _FILL, str(path), "4000"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(out.stdout)
    assert report["written"] > 0
    assert "File too large" in report["error"] and "\n" not in report["error"]
    assert report["size"] <= 4000
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    texts = [m.text() for m in restore(path).history if isinstance(m, Message)]
    # Every line arrived once, in order: the failed one was written when space returned.
    expected = [f"message {n} " + "x" * 300 for n in range(report["written"] + 1)]
    assert texts == [*expected, "after the space came back"]
    for line in raw.splitlines():
        json.loads(line)  # no torn or glued line anywhere


def test_an_unwritable_home_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(RolloutWriteError) as err:
        _writer(blocker / "home" / "sessions" / "rollout-x.jsonl")
    assert f"{blocker} is a file, not a folder" in str(err.value)
    assert "BURRO_HOME" in str(err.value)


def test_command_output_is_bounded_on_disk_but_model_outputs_are_whole(tmp_path: Path) -> None:
    path = _path(tmp_path)
    w = _writer(path)
    w.meta(_meta())
    huge = "".join(f"line {n}\n" for n in range(800_000))  # ~8.6 MB
    call = FunctionCall(call_id="c1", name="shell", arguments="{}")
    model_facing = "y" * (3 * HUMAN_OUTPUT_BYTES)  # what the model was sent: kept whole
    w.item(call)
    w.event(
        ExecCommandEnd(
            turn_id="t",
            call_id="c1",
            command="seq",
            exit_code=0,
            duration_ms=1,
            aggregated_output=huge,
        )
    )
    w.item(FunctionCallOutput(call_id="c1", output=model_facing))
    w.close()
    assert path.stat().st_size < len(huge) // 2
    from burro.core.rollout import EventLine, read_lines

    ends = [ln.payload for ln in read_lines(path) if isinstance(ln, EventLine)]
    assert isinstance(ends[0], ExecCommandEnd)
    kept = ends[0].aggregated_output
    assert len(kept.encode()) <= HUMAN_OUTPUT_BYTES
    assert kept.startswith("line 0\nline 1\n") and kept.endswith("line 799999\n")
    assert "bytes, " in kept and "lines truncated" in kept
    history = restore(path).history
    assert history[-1] == FunctionCallOutput(call_id="c1", output=model_facing)


def test_undecodable_bytes_never_break_a_write(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")  # how Python sees a Latin-1 file name: a surrogate
    msg = Message(role="user", content=[TextPart(text=f"look at {name}")])
    assert msg.text() == "look at caf\ufffd.txt"  # cleaned where the item is built
    path = _path(tmp_path)
    w = _writer(path)
    w.meta(_meta())
    w.item(msg)
    call = FunctionCall(call_id="c", name="list_dir", arguments='{"path": "."}')
    w.item(call)
    w.item(FunctionCallOutput(call_id="c", output=f"{name}\n"))
    w.event(
        ExecCommandEnd(
            turn_id="t",
            call_id="c",
            command=f"cat {name}",
            exit_code=0,
            duration_ms=1,
            aggregated_output="",
        )
    )
    w.close()
    restored = restore(path)
    assert restored.history == [
        msg,
        call,
        FunctionCallOutput(call_id="c", output="caf\ufffd.txt\n"),
    ]
