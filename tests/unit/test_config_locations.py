"""Locations come from platformdirs at call time, under the app name "noc-board"."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from noc_board.config import locations


def test_file_names_and_app_name() -> None:
    assert locations.default_config_path().name == "config.toml"
    assert locations.default_config_path().parent == locations.config_dir()
    assert locations.default_journal_path() == locations.data_dir() / "journal.sqlite3"
    for folder in (locations.config_dir(), locations.data_dir(), locations.log_dir()):
        assert "noc-board" in folder.parts


@pytest.mark.skipif(sys.platform != "linux", reason="XDG variables only steer Linux paths")
def test_folders_follow_the_environment_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert locations.default_config_path() == tmp_path / "cfg" / "noc-board" / "config.toml"
    assert locations.data_dir() == tmp_path / "data" / "noc-board"
    assert locations.log_dir() == tmp_path / "state" / "noc-board" / "log"


def test_journal_file_from_the_store_option(tmp_path: Path) -> None:
    config_file = tmp_path / "etc" / "config.toml"
    assert locations.journal_file("") == locations.default_journal_path()
    assert locations.journal_file("j.db", config_file) == tmp_path / "etc" / "j.db"
    assert locations.journal_file(str(tmp_path / "abs.db"), config_file) == tmp_path / "abs.db"
    assert locations.journal_file("~/j.db") == Path.home() / "j.db"


def test_ensure_dir_creates_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    assert locations.ensure_dir(target) == target
    assert target.is_dir()
    assert locations.ensure_dir(target) == target  # idempotent


@pytest.mark.skipif(sys.platform != "linux", reason="XDG variables only steer Linux paths")
def test_default_config_env_then_user_then_machine_wide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOC_BOARD_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "site"))
    user = tmp_path / "user" / "noc-board" / "config.toml"
    site = tmp_path / "site" / "noc-board" / "config.toml"
    assert locations.default_config_path() == user  # neither exists: the user's path
    site.parent.mkdir(parents=True)
    site.write_text("", encoding="utf-8")
    assert locations.default_config_path() == site  # a deployed wall PC
    user.parent.mkdir(parents=True)
    user.write_text("", encoding="utf-8")
    assert locations.default_config_path() == user  # the user's own file wins
    monkeypatch.setenv("NOC_BOARD_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert locations.default_config_path() == tmp_path / "elsewhere.toml"
