"""macOS sandbox: a Seatbelt (SBPL) profile generated from the same SandboxPolicy.

Paths never appear inside the profile text: they are passed to ``sandbox-exec`` as
``-D NAME=VALUE`` parameters and referenced with ``(param "NAME")``, so no path can
inject profile syntax."""

from __future__ import annotations

import os
from pathlib import Path

from burro.sandbox.errors import SandboxUnavailable
from burro.sandbox.policy import SandboxPolicy

SANDBOX_EXEC = "/usr/bin/sandbox-exec"

# macOS temp folders: /tmp is /private/tmp; $TMPDIR lives under /private/var/folders.
_TEMP_ROOTS = ("/private/tmp", "/private/var/folders")

_BASE = """\
(version 1)
(deny default)
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))
(allow sysctl-read)
(allow mach-lookup
  (global-name "com.apple.system.opendirectoryd.libinfo")
  (global-name "com.apple.system.logger")
  (global-name "com.apple.coreservices.launchservicesd"))
(allow pseudo-tty)
(allow file-ioctl (literal "/dev/tty") (regex #"^/dev/ttys[0-9]+$"))
(allow file-read*)
(allow file-write-data
  (literal "/dev/null") (literal "/dev/zero") (literal "/dev/dtracehelper")
  (literal "/dev/tty") (regex #"^/dev/ttys[0-9]+$"))
"""

_NETWORK = """\
(allow network-outbound)
(allow network-inbound)
(allow system-socket)
(allow mach-lookup
  (global-name "com.apple.SystemConfiguration.configd")
  (global-name "com.apple.dnssd.service")
  (global-name "com.apple.trustd.agent")
  (global-name "com.apple.networkd"))
"""


def seatbelt_params(policy: SandboxPolicy, *, cwd: Path) -> dict[str, str]:
    """The ``-D`` parameters the profile refers to: ``WRITABLE_ROOT_i`` and
    ``WRITABLE_ROOT_i_PROTECTED_j`` (protected paths inside root i)."""
    del cwd  # the policy already holds every root, the working folder included
    params: dict[str, str] = {}
    if policy.mode != "workspace-write":
        return params
    roots = [*policy.writable_roots, *_TEMP_ROOTS]
    for i, root in enumerate(roots):
        params[f"WRITABLE_ROOT_{i}"] = root
        inside = [p for p in policy.protected if p == root or p.startswith(root.rstrip("/") + "/")]
        for j, path in enumerate(inside):
            params[f"WRITABLE_ROOT_{i}_PROTECTED_{j}"] = path
    return params


def seatbelt_profile(policy: SandboxPolicy, *, cwd: Path) -> str:
    """The SBPL profile text: deny by default, read everywhere, write only under the
    writable roots minus their protected paths, network only when the policy allows."""
    parts = [_BASE]
    params = seatbelt_params(policy, cwd=cwd)
    clauses: list[str] = []
    for name in params:
        if "_PROTECTED_" in name:
            continue
        excluded = [
            f'(require-not (subpath (param "{p}")))'
            for p in params
            if p.startswith(name + "_PROTECTED_")
        ]
        if excluded:
            clauses.append(f'  (require-all (subpath (param "{name}")) ' + " ".join(excluded) + ")")
        else:
            clauses.append(f'  (subpath (param "{name}"))')
    if clauses:
        parts.append("(allow file-write*\n" + "\n".join(clauses) + ")\n")
    if not policy.network_disabled:
        parts.append(_NETWORK)
    return "".join(parts)


class SeatbeltSandbox:
    """Runs commands under ``/usr/bin/sandbox-exec`` with the generated profile."""

    def __init__(self, policy: SandboxPolicy, *, sandbox_exec: str = SANDBOX_EXEC) -> None:
        self.policy = policy
        self._exe = sandbox_exec
        if policy.mode == "danger-full-access":
            self.name = "none"
            return
        if not (os.path.isfile(sandbox_exec) and os.access(sandbox_exec, os.X_OK)):
            raise SandboxUnavailable(
                f"{sandbox_exec} is required for the {policy.mode} sandbox on macOS; "
                "run with -s danger-full-access to go without a sandbox"
            )
        self.name = "seatbelt"

    def ready(self) -> None:
        return None

    def wrap(self, argv: list[str], *, cwd: Path) -> list[str]:
        if self.policy.mode == "danger-full-access":
            return list(argv)
        profile = seatbelt_profile(self.policy, cwd=cwd)
        params = seatbelt_params(self.policy, cwd=cwd)
        defines = [f"-D{name}={value}" for name, value in params.items()]
        return [self._exe, "-p", profile, *defines, "--", *argv]
