"""DATABASE_URL on the command line: the bot's state on PostgreSQL when set, one sentence when it is wrong or
the server cannot be reached, and its password shown nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import Settings
from bot.store import Store


@pytest.fixture(autouse=True)
def _only_these_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's, and the default SQLite file lands here


def test_migrate_prepares_the_postgres_database_and_leaves_the_sqlite_default_alone(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with_password = postgres_url.replace("postgres@", "postgres:s3cret-pass@")  # the socket trusts: unused
    monkeypatch.setenv("DATABASE_URL", with_password)
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "nothing to apply" in out and "s3cret-pass" not in out and "postgres:***@" in out
    assert not (tmp_path / "data").exists()  # no SQLite file made on the side


@pytest.mark.parametrize(("url", "sentence"), [
    ("mysql://u:s3cret-pass@db/reelbot", "DATABASE_URL is not valid"),
    ("postgresql://u:s3cret-pass@/reelbot?host=/nonexistent-folder", "PostgreSQL cannot be reached"),
])
def test_a_wrong_or_unreachable_database_url_is_one_sentence_without_its_password(
    url: str, sentence: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) in (1, 2)
    err = capsys.readouterr().err
    assert sentence in err and "s3cret-pass" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


async def test_the_settings_choose_postgres_when_database_url_is_set(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3", database_url=postgres_url)
    store = await Store.open(settings.database)
    assert store.dialect == "postgres"
    await store.close()
    sqlite = await Store.open(Settings(_env_file=None, database_path=tmp_path / "db.sqlite3").database)
    assert sqlite.dialect == "sqlite"
    await sqlite.close()


@pytest.mark.parametrize("command", [["intake"], ["worker"], ["worker", "--queues", "updates"]])
def test_the_processes_that_share_work_need_database_url_and_say_so(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "needs DATABASE_URL" in err and "python3 -m bot" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("options", "sentence"), [
    (["--queues", "videos"], "--queues takes updates, renders or both"),
    (["--renders", "0"], "take a whole number of 1 or more"),
])
def test_a_worker_told_something_it_cannot_do_says_so_in_one_sentence(
    options: list[str], sentence: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    assert main(["worker", *options]) == 2
    err = capsys.readouterr().err
    assert sentence in err and len(err.strip().splitlines()) == 1
