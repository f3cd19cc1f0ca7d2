"""Where NOC Board keeps its files on each platform (via platformdirs).

Functions, not constants: nothing is computed at import time, and tests can point the
platform's environment (XDG_CONFIG_HOME and friends) elsewhere before calling them.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "noc-board"
APP_AUTHOR = "NOCBoard"
CONFIG_FILE_NAME = "config.toml"
JOURNAL_FILE_NAME = "journal.sqlite3"
CONFIG_ENV = "NOC_BOARD_CONFIG"


def _dirs() -> PlatformDirs:
    return PlatformDirs(appname=APP_NAME, appauthor=APP_AUTHOR)


def config_dir() -> Path:
    """The user's configuration folder, e.g. ~/.config/noc-board on Linux."""
    return _dirs().user_config_path


def site_config_path() -> Path:
    """The machine-wide configuration IT can deploy (ProgramData on Windows, /Library/Application
    Support on macOS, /etc/xdg on Linux)."""
    return _dirs().site_config_path / CONFIG_FILE_NAME


def default_config_path() -> Path:
    """The configuration file used when none is given on the command line.

    In order: the NOC_BOARD_CONFIG environment variable; the user's file; the machine-wide file
    when the user has none (a deployed wall PC); else the user's path, for the error message.
    """
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    user = config_dir() / CONFIG_FILE_NAME
    if not user.exists():
        site = site_config_path()
        if site.exists():
            return site
    return user


def data_dir() -> Path:
    """The user's data folder, which holds the journal, e.g. ~/.local/share/noc-board."""
    return _dirs().user_data_path


def default_journal_path() -> Path:
    """The SQLite journal used when `board.store` is empty."""
    return data_dir() / JOURNAL_FILE_NAME


def log_dir() -> Path:
    """The user's log folder, e.g. ~/.local/state/noc-board/log on Linux."""
    return _dirs().user_log_path


def journal_file(store: str, config_file: Path | None = None) -> Path:
    """The journal path for the `board.store` option.

    Empty means the default in the data folder; `~` is expanded; a relative path is taken
    relative to the configuration file's folder (so a config and its journal can travel
    together), or to the working folder when there is no file.
    """
    if not store:
        return default_journal_path()
    path = Path(store).expanduser()
    if not path.is_absolute() and config_file is not None:
        path = config_file.parent / path
    return path


def ensure_dir(path: Path) -> Path:
    """Create folder `path` (and its parents) if missing; return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path
