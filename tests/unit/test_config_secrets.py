"""SecretStore against an in-memory keyring and against keyring's fail backend."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.errors
import pytest

from noc_board.config.example import EXAMPLE_CONFIG
from noc_board.config.loader import parse_config
from noc_board.config.secrets import (
    MAX_SECRET_CHARS,
    SERVICE_NAME,
    KeyringUnavailable,
    MissingSecret,
    SecretError,
    SecretRef,
    SecretStatus,
    SecretStore,
    referenced_secrets,
)
from tests.unit.memory_keyring import MemoryKeyring, fail_keyring, installed_keyring

VALUE = "sk_test_51HxVeryS3cretValue"


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with installed_keyring(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def no_keyring() -> Iterator[object]:
    with installed_keyring(fail_keyring()) as backend:
        yield backend


class LockedKeyring(MemoryKeyring):
    """A backend whose every call fails the way a locked Secret Service does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")


def test_installed_keyring_restores_the_previous_backend() -> None:
    before = keyring.get_keyring()
    with installed_keyring(MemoryKeyring()) as backend:
        assert keyring.get_keyring() is backend
    assert keyring.get_keyring() is before


def test_set_get_delete_under_the_noc_board_service(memory: MemoryKeyring) -> None:
    store = SecretStore()
    assert store.available()
    assert store.get("stripe-api-key") is None
    store.set("stripe-api-key", VALUE)
    assert memory.entries == {(SERVICE_NAME, "stripe-api-key"): VALUE}
    assert store.get("stripe-api-key") == VALUE
    assert store.require("stripe-api-key") == VALUE
    assert store.status("stripe-api-key") is SecretStatus.SET
    assert store.delete("stripe-api-key") is True
    assert store.delete("stripe-api-key") is False
    assert store.status("stripe-api-key") is SecretStatus.NOT_SET


def test_an_injected_backend_is_used_instead_of_the_global_one(no_keyring: object) -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend=backend)
    store.set("x", "y")
    assert backend.entries == {(SERVICE_NAME, "x"): "y"}


def test_a_missing_secret_says_which_and_how_to_set_it(memory: MemoryKeyring) -> None:
    with pytest.raises(MissingSecret) as caught:
        SecretStore().require("ga4-token")
    assert caught.value.name == "ga4-token"
    assert str(caught.value) == (
        "secret 'ga4-token' is not set; store it with `noc-board secrets set ga4-token`")


def test_values_longer_than_windows_accepts_are_refused(memory: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("long", "x" * MAX_SECRET_CHARS)
    with pytest.raises(SecretError) as caught:
        store.set("too-long", "y" * (MAX_SECRET_CHARS + 1))
    assert "1,201 characters; at most 1,200" in str(caught.value)
    assert "yyyy" not in str(caught.value)
    assert (SERVICE_NAME, "too-long") not in memory.entries


@pytest.mark.parametrize(("name", "value"), [("", "v"), ("has space", "v"), ("ok", "")])
def test_bad_names_and_empty_values_are_refused(
    memory: MemoryKeyring, name: str, value: str
) -> None:
    with pytest.raises(SecretError):
        SecretStore().set(name, value)
    assert memory.entries == {}


def test_without_a_keyring_reading_says_so_and_does_not_raise(no_keyring: object) -> None:
    store = SecretStore()
    assert not store.available()
    assert store.get("stripe-api-key") is None
    assert store.status("stripe-api-key") is SecretStatus.UNAVAILABLE
    with pytest.raises(MissingSecret) as caught:
        store.require("stripe-api-key")
    assert caught.value.name == "stripe-api-key"
    assert "secret 'stripe-api-key' cannot be read: no usable OS keyring" in str(caught.value)


def test_without_a_keyring_writing_raises_a_clear_error(no_keyring: object) -> None:
    store = SecretStore()
    with pytest.raises(KeyringUnavailable, match="cannot change secret 'k': no usable OS keyring"):
        store.set("k", VALUE)
    with pytest.raises(KeyringUnavailable):
        store.delete("k")


def test_a_failing_backend_is_reported_not_raised() -> None:
    with installed_keyring(LockedKeyring()):
        store = SecretStore()
        assert store.get("k") is None
        # a locked keyring is "available" (not the fail backend) but cannot answer
        assert store.status("k") is SecretStatus.UNAVAILABLE
        with pytest.raises(MissingSecret, match="KeyringLocked: the collection is locked"):
            store.require("k")
        with pytest.raises(SecretError, match="cannot store secret 'k': KeyringLocked"):
            store.set("k", VALUE)


def test_no_repr_or_error_shows_a_value(memory: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("k", VALUE)
    assert VALUE not in repr(store)
    assert VALUE not in str(MissingSecret("k", "is not set"))


def test_referenced_secrets_lists_names_the_configuration_uses() -> None:
    config = parse_config(EXAMPLE_CONFIG, "example.toml")
    assert referenced_secrets(config) == [
        SecretRef("stripe-api-key", ("sources[1].secret",)),
        SecretRef("ga4-token", ("sources[2].secret",)),
        SecretRef("tech-oncall-webhook", ("routes[0].notify[0]",)),
    ]
