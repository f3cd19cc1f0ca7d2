"""The `check-config` and `secrets` commands as plain functions; `noc_board.cli` wires argparse.

Exit codes: 0 success; 1 the operation could not be done (keyring unusable, a secret the
configuration names is not set, nothing to delete); 2 invalid input (a configuration error, an
unreadable file, a bad secret name or value, a wrong action).
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TextIO

from noc_board.config.issues import ConfigError
from noc_board.config.loader import load_config
from noc_board.config.locations import default_config_path
from noc_board.config.schema import Config
from noc_board.config.secrets import (
    NO_KEYRING_HELP,
    KeyringUnavailable,
    SecretError,
    SecretStatus,
    SecretStore,
    referenced_secrets,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
SECRET_ACTIONS = ("set", "delete", "list")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def summary(config: Config) -> str:
    """"3 sources, 24 metrics, 4 pages, 6 rules"."""
    return ", ".join((_count(len(config.sources), "source"), _count(len(config.metrics), "metric"),
                      _count(len(config.pages), "page"), _count(len(config.rules), "rule")))


def check_config_command(path: Path, out: TextIO, err: TextIO) -> int:
    """Validate `path`: each issue to `err` as `file:line: key: message` and 2, or OK and 0."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=err)
        return EXIT_INVALID
    print(f"{path}: OK ({summary(config)})", file=out)
    return EXIT_OK


def secrets_command(
    action: str,
    name: str | None,
    config_path: Path | None,
    store: SecretStore,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
) -> int:
    """`secrets set NAME` (value from stdin), `secrets delete NAME`, `secrets list [NAME]`."""
    if action not in SECRET_ACTIONS:
        print(f"secrets: unknown action {action!r}; use one of: {', '.join(SECRET_ACTIONS)}",
              file=err)
        return EXIT_INVALID
    if action == "list":
        return _list(name, config_path or default_config_path(), store, out, err)
    if not name:
        print(f"secrets {action}: give the secret's name", file=err)
        return EXIT_INVALID
    if action == "delete":
        return _delete(name, store, out, err)
    return _set(name, config_path, store, stdin, out, err)


def _set(name: str, config_path: Path | None, store: SecretStore, stdin: TextIO, out: TextIO,
         err: TextIO) -> int:
    try:
        if stdin.isatty():
            value = getpass.getpass(f"Value for secret {name!r} (not shown): ", stream=err)
        else:
            value = stdin.read().rstrip("\r\n")
    except (EOFError, OSError) as exc:
        print(f"secrets set: could not read the value: {type(exc).__name__}", file=err)
        return EXIT_INVALID
    try:
        store.set(name, value)
    except KeyringUnavailable as exc:
        print(f"secrets set: {exc}", file=err)
        return EXIT_FAILED
    except SecretError as exc:
        print(f"secrets set: {exc}", file=err)
        return EXIT_INVALID
    print(f"secret {name!r} stored in the keyring", file=out)
    if config_path is not None:
        try:
            names = {ref.name for ref in referenced_secrets(load_config(config_path))}
        except ConfigError:
            names = {name}  # the note is a courtesy; check-config reports the file's problems
        if name not in names:
            print(f"note: {config_path} does not refer to secret {name!r}", file=err)
    return EXIT_OK


def _delete(name: str, store: SecretStore, out: TextIO, err: TextIO) -> int:
    try:
        deleted = store.delete(name)
    except SecretError as exc:
        print(f"secrets delete: {exc}", file=err)
        return EXIT_FAILED
    if not deleted:
        print(f"secrets delete: secret {name!r} is not set", file=err)
        return EXIT_FAILED
    print(f"secret {name!r} deleted from the keyring", file=out)
    return EXIT_OK


def _list(name: str | None, config_path: Path, store: SecretStore, out: TextIO,
          err: TextIO) -> int:
    """One line per secret the configuration names: name, status, the keys using it.

    Exit 0 when every listed secret is set, 1 otherwise (so scripts can check a machine).
    """
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=err)
        return EXIT_INVALID
    rows = [(ref.name, ", ".join(ref.used_by)) for ref in referenced_secrets(config)]
    if name is not None:
        rows = [row for row in rows if row[0] == name] or [(name, "(not in the configuration)")]
    if not rows:
        print(f"{config_path} refers to no secrets", file=out)
        return EXIT_OK
    statuses = [store.status(row[0]) for row in rows]
    width = max(len(row[0]) for row in rows)
    status_width = max(len(status.value) for status in statuses)
    for (secret, used_by), status in zip(rows, statuses, strict=True):
        print(f"{secret:<{width}}  {status.value:<{status_width}}  {used_by}", file=out)
    if SecretStatus.UNAVAILABLE in statuses:
        print(f"secrets list: {NO_KEYRING_HELP}" if not store.available()
              else "secrets list: the keyring could not be read", file=err)
    return EXIT_OK if all(s is SecretStatus.SET for s in statuses) else EXIT_FAILED
