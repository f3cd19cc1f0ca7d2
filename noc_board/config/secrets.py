"""Secrets by stable name in the OS keyring (service "noc-board"), never in the config file.

`SecretStore` reads the keyring backend at call time (`keyring.get_keyring()`), unless one is
injected, so tests can install an in-memory backend with `keyring.set_keyring()`. Reading never
raises for a keyring problem: with no usable backend (keyring's `fail.Keyring`, the default on a
headless Linux box) `require` raises `MissingSecret` saying which secret and why, and the board
goes on without that source. No method logs, stores or repeats a secret value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import keyring
import keyring.backends.fail
import keyring.errors

from noc_board.config.issues import KeyPath, dotted
from noc_board.config.plaintext import secret_name_problem
from noc_board.config.schema import Config

SERVICE_NAME = "noc-board"
MAX_SECRET_CHARS = 1200
"""Windows Credential Manager refuses secrets of about 1,280 characters and more."""

NO_KEYRING_HELP = (
    "no usable OS keyring was found (keyring's fail backend is active); on Linux run a "
    "Secret Service such as GNOME Keyring or KWallet and unlock it, or choose a backend "
    "with PYTHON_KEYRING_BACKEND"
)


class SecretError(Exception):
    """A secret could not be stored, read or deleted; the message says why, never the value."""


class MissingSecret(SecretError):
    """A secret the configuration names is not available. `name` says which one."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"secret {name!r} {reason}")


class KeyringUnavailable(SecretError):
    """There is no usable keyring backend on this system."""


class SecretStatus(enum.Enum):
    """Whether a named secret can be used."""

    SET = "set"
    NOT_SET = "not set"
    UNAVAILABLE = "keyring unavailable"


@dataclass(frozen=True)
class SecretRef:
    """A secret name the configuration refers to, and the keys that refer to it."""

    name: str
    used_by: tuple[str, ...]


class SecretStore:
    """Reads and writes named secrets in the OS keyring under the service "noc-board"."""

    def __init__(self, service: str = SERVICE_NAME, backend: Any = None) -> None:
        self._service = service
        self._backend = backend

    def __repr__(self) -> str:
        return f"SecretStore(service={self._service!r})"

    def _keyring(self) -> Any:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def available(self) -> bool:
        """Whether a usable keyring backend is active."""
        return not isinstance(self._keyring(), keyring.backends.fail.Keyring)

    def backend_name(self) -> str:
        """The active backend's class, for diagnostics."""
        backend = self._keyring()
        return f"{type(backend).__module__}.{type(backend).__qualname__}"

    def get(self, name: str) -> str | None:
        """The secret's value, or None when it is not set or cannot be read."""
        try:
            return self._read(name)
        except MissingSecret:
            return None

    def require(self, name: str) -> str:
        """The secret's value; raises MissingSecret with a clear reason otherwise."""
        value = self._read(name)
        if value is None:
            raise MissingSecret(name, f"is not set; store it with `noc-board secrets set {name}`")
        return value

    def status(self, name: str) -> SecretStatus:
        """Whether the secret is set, not set, or unknowable because the keyring is unusable."""
        try:
            value = self._read(name)
        except MissingSecret:
            return SecretStatus.UNAVAILABLE
        return SecretStatus.NOT_SET if value is None else SecretStatus.SET

    def set(self, name: str, value: str) -> None:
        """Store `value` under `name`; raises SecretError (never echoing the value)."""
        problem = secret_name_problem(name)
        if problem is not None:
            raise SecretError(f"{problem}: {name!r}")
        if not value:
            raise SecretError(f"the value for secret {name!r} is empty")
        if len(value) > MAX_SECRET_CHARS:
            raise SecretError(
                f"the value for secret {name!r} has {len(value):,} characters; at most "
                f"{MAX_SECRET_CHARS:,} are accepted (Windows Credential Manager refuses longer)")
        backend = self._usable_backend(name)
        try:
            backend.set_password(self._service, name, value)
        except keyring.errors.NoKeyringError as exc:
            raise KeyringUnavailable(f"cannot store secret {name!r}: {NO_KEYRING_HELP}") from exc
        except Exception as exc:  # a backend's own failure, reported without the value
            raise SecretError(f"cannot store secret {name!r}: {_describe(exc)}") from exc

    def delete(self, name: str) -> bool:
        """Remove the secret; False if it was not set. Raises SecretError if the keyring fails."""
        backend = self._usable_backend(name)
        if self._read(name) is None:
            return False
        try:
            backend.delete_password(self._service, name)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.NoKeyringError as exc:
            raise KeyringUnavailable(f"cannot delete secret {name!r}: {NO_KEYRING_HELP}") from exc
        except Exception as exc:
            raise SecretError(f"cannot delete secret {name!r}: {_describe(exc)}") from exc
        return True

    def _usable_backend(self, name: str) -> Any:
        if not self.available():
            raise KeyringUnavailable(f"cannot change secret {name!r}: {NO_KEYRING_HELP}")
        return self._keyring()

    def _read(self, name: str) -> str | None:
        """The value or None if not set; MissingSecret when the keyring cannot answer."""
        if not self.available():
            raise MissingSecret(name, f"cannot be read: {NO_KEYRING_HELP}")
        try:
            value = self._keyring().get_password(self._service, name)
        except keyring.errors.NoKeyringError as exc:
            raise MissingSecret(name, f"cannot be read: {NO_KEYRING_HELP}") from exc
        except Exception as exc:  # any backend failure (locked, D-Bus gone) must not stop the board
            raise MissingSecret(name, f"cannot be read from the keyring: {_describe(exc)}") from exc
        return None if value is None else str(value)


def _describe(exc: BaseException) -> str:
    """The exception's type and message (keyring messages hold names, never values)."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def referenced_secrets(config: Config) -> list[SecretRef]:
    """The secret names the configuration refers to, in order of first mention.

    Those are the values of options marked `secret` in the schema, and the entries of a
    route's `notify` that are keyring names rather than URLs (no "://").
    """
    found: dict[str, list[str]] = {}
    _collect(config, (), found)
    for i, route in enumerate(config.routes):
        for k, entry in enumerate(route.notify):
            if entry and "://" not in entry:
                found.setdefault(entry, []).append(dotted(("routes", i, "notify", k)))
        for j, level in enumerate(getattr(route, "levels", None) or ()):
            for k, entry in enumerate(getattr(level, "notify", None) or ()):
                if isinstance(entry, str) and entry and "://" not in entry:
                    where = ("routes", i, "levels", j, "notify", k)
                    found.setdefault(entry, []).append(dotted(where))
    return [SecretRef(name, tuple(keys)) for name, keys in found.items()]


def _collect(node: Any, path: KeyPath, found: dict[str, list[str]]) -> None:
    if not is_dataclass(node) or isinstance(node, type):
        return
    for f in fields(node):
        value = getattr(node, f.name)
        where = (*path, f.name)
        if f.metadata.get("secret") and isinstance(value, str) and value:
            found.setdefault(value, []).append(dotted(where))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                _collect(item, (*where, i), found)
        else:
            _collect(value, where, found)
