"""How a command runs: no sandbox yet (bubblewrap/seatbelt arrive with the sandbox issue)."""

from burro.sandbox.base import NoSandbox, Sandbox

__all__ = ["NoSandbox", "Sandbox"]
