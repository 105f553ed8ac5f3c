"""First run without a usable provider: say exactly how to set one up."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

SAMPLE = """\
model_provider = "local"

[model_providers.local]
name = "My server"
base_url = "http://127.0.0.1:8080/v1"
wire_api = "chat"          # or "responses", "anthropic"
env_key = "LOCAL_API_KEY"  # omit if the server needs no key"""


def setup_text(
    error: str, *, config_path: Path, providers: list[tuple[str, str, str]]
) -> RenderableType:
    """``providers``: (id, display name, env var) of the built-in providers that need a key."""
    lines: list[RenderableType] = [
        Text("burro needs a model provider", style="bold"),
        Text(""),
        Text(error, style="red"),
        Text(""),
        Text("1. Set the API key of a built-in provider, then run burro again:", style="bold"),
    ]
    width = max((len(env) for _, _, env in providers), default=10) + 12
    for pid, name, env in providers:
        flag = "" if pid == "openai" else f"burro -c model_provider={pid}"
        lines.append(
            Text.assemble(
                ("   export ", ""),
                (f"{env}=...".ljust(width), "cyan"),
                (f"{name:<12}", ""),
                (flag, "dim"),
            )
        )
    lines += [
        Text(""),
        Text(
            "2. Or use a local OpenAI-compatible server (Ollama, LM Studio, llama.cpp, vLLM):",
            style="bold",
        ),
        Text.assemble(
            "   ",
            ("burro --oss", "cyan"),
            (
                "   (Ollama at http://localhost:11434/v1; "
                "-c model_provider=lmstudio for LM Studio)",
                "dim",
            ),
        ),
        Text(""),
        Text.assemble(
            ("3. Or define a provider in ", "bold"),
            ("$BURRO_HOME/config.toml", "bold cyan"),
            (f" (here: {config_path}):", "bold"),
        ),
    ]
    lines += [Text("   " + ln, style="green") for ln in SAMPLE.splitlines()]
    lines += [Text(""), Text("Press q or ctrl+c to quit.", style="dim")]
    return Group(*lines)


class SetupScreen(Screen[None]):
    DEFAULT_CSS = """
    SetupScreen { align: center middle; }
    SetupScreen > VerticalScroll { width: 100%; max-width: 110; height: auto; max-height: 100%;
        border: round $error; padding: 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q,escape", "app.quit_now", "Quit")]

    def __init__(self, body: RenderableType) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.body, id="setup-text")
