"""An in-memory keyring backend for tests, and a context manager that installs it.

Usage (from any test folder, with the repository root on sys.path as `python -m pytest` has):

    from tests.unit.memory_keyring import MemoryKeyring, installed_keyring

    @pytest.fixture
    def memory_keyring() -> Iterator[MemoryKeyring]:
        with installed_keyring(MemoryKeyring()) as backend:
            yield backend

`installed_keyring` restores the previous backend afterwards, so tests do not leak state.
The backend is never chosen by keyring's automatic detection (its priority raises), so merely
importing this module cannot change which keyring another test or the product gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.compat import properties

B = TypeVar("B", bound=KeyringBackend)


class MemoryKeyring(KeyringBackend):
    """Keeps passwords in a dict keyed by (service, username); `entries` is for assertions."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("MemoryKeyring is for tests: install it with keyring.set_keyring()")

    def __str__(self) -> str:
        return "MemoryKeyring"

    def __repr__(self) -> str:
        return f"MemoryKeyring({len(self.entries)} entries)"

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not set") from None


@contextmanager
def installed_keyring(backend: B) -> Iterator[B]:
    """Make `backend` keyring's active backend for the duration of the block."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def fail_keyring() -> KeyringBackend:
    """keyring's own "no backend" keyring, as on a headless Linux box: every call raises."""
    from keyring.backends.fail import Keyring

    backend: KeyringBackend = Keyring()  # type: ignore[no-untyped-call]
    return backend
