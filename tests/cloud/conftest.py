"""One Temporal dev server per test process; a `burro serve` per test on its own task
queue, store and $BURRO_HOME."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from burro.frontends.cloud.temporal_dev import TemporalDevServer
from tests.cloud.harness import Serve, SessionScripts, free_port, write_config
from tests.cloud.postgres import fresh_database, postgres_cluster
from tests.fakes.script import Turn
from tests.fakes.workspace import make_repo


@pytest.fixture(scope="session")
def temporal_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    srv = TemporalDevServer(tmp_path_factory.mktemp("temporal") / "dev.sqlite3", port=free_port())
    srv.start()
    try:
        yield srv.address
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_cluster(free_port()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_args(request: pytest.FixtureRequest) -> list[str]:
    """Every serve test runs on both stores: SQLite (default) and PostgreSQL."""
    if request.param == "sqlite":
        return []
    return ["--database-url", fresh_database(request.getfixturevalue("postgres_url"))]


@pytest.fixture
def committed_repo(tmp_path: Path) -> Path:
    import subprocess

    repo = make_repo(tmp_path / "repo")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"],
        cwd=repo,
        check=True,
    )
    return repo


@pytest.fixture
def make_serve(
    tmp_path: Path, committed_repo: Path, temporal_address: str, database_args: list[str]
) -> Iterator[Callable[..., tuple[Serve, SessionScripts]]]:
    """``make_serve(script_for_session)`` -> a started `burro serve` and its fake model."""
    started: list[tuple[Serve, SessionScripts]] = []

    def make(
        make_script: Callable[[int], list[Turn]],
        *args: str,
        own_temporal: bool = False,
        config: str = "",
    ) -> tuple[Serve, SessionScripts]:
        fake = SessionScripts(make_script)
        fake.start()
        home = tmp_path / "home"
        write_config(home, fake.base_url)
        with (home / "config.toml").open("a", encoding="utf-8") as fh:
            fh.write(config)  # extra tables, e.g. [cloud.notify]
        serve = Serve(home, committed_repo, None if own_temporal else temporal_address)
        serve.extra = list(database_args)
        if own_temporal:
            serve.extra += ["--temporal-port", str(free_port())]
        started.append((serve, fake))
        serve.start(*args)
        return serve, fake

    yield make
    for serve, fake in started:
        serve.stop()
        fake.stop()
