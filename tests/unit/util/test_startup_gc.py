"""The `burro` command starts with the cyclic collector off (burro._entry) and every
command turns it back on: a long-running one (a server, the UI) must never run for
hours without it."""

from __future__ import annotations

import gc

from click.testing import CliRunner

from burro.cli import main
from burro.util.startup import pause


def _enabled_after(args: list[str]) -> bool:
    pause()
    try:
        CliRunner().invoke(main, args, catch_exceptions=False)
        return gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_a_chosen_command_turns_the_collector_back_on() -> None:
    for args in (["serve", "--help"], ["app-server", "--help"], ["cloud", "list", "--help"]):
        assert _enabled_after(args), args
