"""A small MCP server (the mcp SDK's MCPServer) for the failure cases: it can start slowly,
never finish starting, crash during a call, or write a file (to prove a declined call
never ran). Usage: python toy_server.py [--sleep SECONDS] [--hang]"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from mcp.server import MCPServer


def main() -> None:
    if "--sleep" in sys.argv:
        time.sleep(float(sys.argv[sys.argv.index("--sleep") + 1]))
    if "--hang" in sys.argv:
        time.sleep(3600)
    server = MCPServer("toy")

    @server.tool()
    def hello(name: str) -> str:
        """Greet someone."""
        return f"hello {name}"

    @server.tool()
    def crash() -> str:
        """Exit the server process at once."""
        print("toy server: crashing on purpose", file=sys.stderr, flush=True)
        os._exit(3)

    @server.tool()
    def touch(path: str) -> str:
        """Create a file."""
        Path(path).write_text("touched\n")
        return f"created {path}"

    server.run()


if __name__ == "__main__":
    main()
