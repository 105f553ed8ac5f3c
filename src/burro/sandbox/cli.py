"""``burro sandbox [-s MODE] [--writable-root DIR ...] [--network] -- CMD ARGS...``:
run one command under exactly the sandbox burro would use for its own commands."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple, cast

from burro.protocol.common import EnvInherit, SandboxMode
from burro.sandbox.errors import SandboxError
from burro.sandbox.factory import make_sandbox
from burro.sandbox.policy import SandboxPolicy, filter_env, policy_for

_MODES = ("read-only", "workspace-write", "danger-full-access")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="burro sandbox",
        description="Run CMD under the sandbox burro uses for the commands it runs.",
    )
    p.add_argument("-s", "--sandbox", dest="mode", choices=_MODES, default="workspace-write")
    p.add_argument(
        "--writable-root",
        action="append",
        default=[],
        metavar="DIR",
        help="another folder the command may write (repeatable); the current folder always is",
    )
    p.add_argument("--network", action="store_true", help="allow network access")
    p.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD ARGS...")
    return p


class _Configured(NamedTuple):
    """What config.toml says that matters here (defaults when it does not load)."""

    writable_roots: tuple[str, ...] = ()
    network: bool = False
    secret_vars: tuple[str, ...] = ()
    env_keep: tuple[str, ...] = ()
    env_inherit: EnvInherit = "all"


def _configured(cwd: Path) -> _Configured:
    """Configured writable roots, network access, provider key variable and environment
    policy, if the config loads (a broken config must not stop this debugging command)."""
    from burro.config import ConfigError, load_settings

    try:
        settings = load_settings(cwd=cwd)
    except ConfigError:
        return _Configured()
    key = settings.provider.env_key
    return _Configured(
        writable_roots=tuple(settings.writable_roots),
        network=settings.network_access,
        secret_vars=(key,) if key else (),
        env_keep=settings.env_keep,
        env_inherit=settings.env_inherit,
    )


def build_policy(
    mode: str, *, cwd: Path, writable_roots: list[str], network: bool
) -> tuple[SandboxPolicy, _Configured]:
    from burro.config import burro_home

    conf = _configured(cwd)
    policy = policy_for(
        cast(SandboxMode, mode),
        cwd=cwd,
        writable_roots=[*conf.writable_roots, *writable_roots],
        network_access=network or conf.network,
        burro_home=burro_home(os.environ),
    )
    return policy, conf


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print(
            "burro sandbox: give the command after `--`, e.g. burro sandbox -- ls", file=sys.stderr
        )
        return 2
    cwd = Path.cwd()
    policy, conf = build_policy(
        args.mode, cwd=cwd, writable_roots=args.writable_root, network=args.network
    )
    try:
        sandbox = make_sandbox(policy)
    except SandboxError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    env = filter_env(
        os.environ,
        secret_vars=conf.secret_vars,
        keep=conf.env_keep,
        inherit=conf.env_inherit,
        sandbox_name=sandbox.name,
        network_disabled=policy.network_disabled,
    )
    try:
        proc = subprocess.run(sandbox.wrap(command, cwd=cwd), env=env, cwd=cwd, check=False)
    except FileNotFoundError as exc:
        print(f"burro sandbox: {exc.strerror}: {command[0]}", file=sys.stderr)
        return 127
    except KeyboardInterrupt:
        return 130
    code = proc.returncode
    return 128 - code if code < 0 else code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
