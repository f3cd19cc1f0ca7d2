"""Spotting secrets written into the configuration file, where they must not be.

Secrets live in the OS keyring under a stable name; the file holds only that name (the `secret`
option of a source). These checks never repeat the value they found: an error message that
quoted a token would leak it into terminals and logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from noc_board.config.issues import KeyPath

SECRET_NAME_MAX = 100

_SECRET_KEY = re.compile(
    r"(^|[_-])(pass(word|wd|phrase)?|pwd|tokens?|api[_-]?keys?|apikey|secrets?|"
    r"client[_-]?secret|private[_-]?key|access[_-]?key|credentials?)([_-]|$)",
    re.IGNORECASE,
)

_SECRET_VALUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Stripe API key", re.compile(r"\b(sk|rk|whsec)_(live|test)_[A-Za-z0-9]{8,}")),
    ("a password inside a URL", re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
    ("a bearer token", re.compile(r"^\s*Bearer\s+\S{8,}", re.IGNORECASE)),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("an AWS access key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{30,}")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")),
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$")

KEYRING_ADVICE = (
    "keep secrets in the OS keyring, not in this file: run `noc-board secrets set NAME` "
    "(the value is read from standard input) and write secret = \"NAME\" here"
)


def is_secret_key(key: str) -> bool:
    """Whether a key name suggests it holds a secret (`token`, `password`, `api_key`, ...).

    `secret` itself is the sanctioned key: its value names a keyring entry.
    """
    return key != "secret" and _SECRET_KEY.search(key) is not None


def secret_value_kind(value: str) -> str | None:
    """What kind of secret `value` looks like ("a Stripe API key"), or None."""
    for kind, pattern in _SECRET_VALUES:
        if pattern.search(value):
            return kind
    return None


def secret_name_problem(name: str) -> str | None:
    """Why `name` cannot be a keyring entry name, or None when it can."""
    if not name:
        return "the secret name is empty"
    if len(name) > SECRET_NAME_MAX:
        return f"a secret name has at most {SECRET_NAME_MAX} characters"
    if not _NAME.match(name):
        return ("a secret name starts with a letter or digit and holds only letters, digits "
                "and _ . : @ / + -")
    return None


def scan_for_secrets(data: Any, path: KeyPath, report: Callable[[KeyPath, str], None]) -> None:
    """Report every string value in the parsed TOML that looks like a secret.

    Keys whose *names* look secret are reported by the schema walk (they are unknown keys).
    """
    if isinstance(data, dict):
        for key, value in data.items():
            if not is_secret_key(key):  # else the schema walk reports it, once
                scan_for_secrets(value, (*path, key), report)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            scan_for_secrets(value, (*path, index), report)
    elif isinstance(data, str):
        kind = secret_value_kind(data)
        if kind is not None:
            report(path, f"this looks like {kind}; {KEYRING_ADVICE}")
