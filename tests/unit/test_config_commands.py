"""The check-config and secrets commands: output, exit codes, no tracebacks."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from noc_board.config.commands import check_config_command, secrets_command
from noc_board.config.example import EXAMPLE_CONFIG
from noc_board.config.secrets import SERVICE_NAME, SecretStore
from tests.unit.memory_keyring import MemoryKeyring, fail_keyring, installed_keyring

ISSUE_LINE = re.compile(r"^.+:\d+: [\w.\[\]]+: .+$")


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with installed_keyring(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def example(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    return path


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_secrets(action: str, name: str | None, config: Path | None = None,
                stdin: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = secrets_command(action, name, config, SecretStore(), stdin or io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


def test_check_config_ok_prints_a_summary(example: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert check_config_command(example, out, err) == 0
    assert out.getvalue() == f"{example}: OK (3 sources, 5 metrics, 2 pages, 2 rules)\n"
    assert err.getvalue() == ""


def test_check_config_prints_each_issue_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[board]\ntheme = 'sepia'\nhistory_points = 'x'\n[[sources]]\nname = 's'\n",
                    encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert check_config_command(path, out, err) == 2
    lines = err.getvalue().splitlines()
    assert lines[0] == f"{path}:2: board.theme: 'sepia' is not one of: dark, light"
    assert lines[1] == f"{path}:3: board.history_points: expected an integer, got a string"
    assert [line.split(": ")[1] for line in lines[2:]] == ["sources[0].kind", "sources[0].url"]
    assert all(ISSUE_LINE.match(line) for line in lines)
    assert out.getvalue() == ""


def test_check_config_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert check_config_command(tmp_path / "none.toml", out, err) == 2
    assert "none.toml:0: file: cannot read the file" in err.getvalue()


def test_set_reads_the_value_from_stdin(memory: MemoryKeyring) -> None:
    code, out, err = run_secrets("set", "stripe-api-key", stdin=io.StringIO("s3cr3t-value\n"))
    assert (code, err) == (0, "")
    assert memory.entries == {(SERVICE_NAME, "stripe-api-key"): "s3cr3t-value"}
    assert "s3cr3t" not in out


def test_set_prompts_with_getpass_on_a_terminal(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str, stream: object = None) -> str:
        prompts.append(prompt)
        return "typed"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    code, _, _ = run_secrets("set", "ga4-token", stdin=Tty())
    assert code == 0
    assert prompts == ["Value for secret 'ga4-token' (not shown): "]
    assert memory.entries[(SERVICE_NAME, "ga4-token")] == "typed"


def test_set_notes_a_name_the_configuration_does_not_use(
    memory: MemoryKeyring, example: Path
) -> None:
    code, _, err = run_secrets("set", "stripe-key", example, io.StringIO("v"))
    assert code == 0
    assert err == f"note: {example} does not refer to secret 'stripe-key'\n"
    code, _, err = run_secrets("set", "stripe-api-key", example, io.StringIO("v"))
    assert (code, err) == (0, "")


def test_set_refuses_an_empty_or_too_long_value(memory: MemoryKeyring) -> None:
    assert run_secrets("set", "k", stdin=io.StringIO("\n"))[0] == 2
    code, _, err = run_secrets("set", "k", stdin=io.StringIO("z" * 1300))
    assert code == 2
    assert "at most 1,200" in err and "zzz" not in err
    assert memory.entries == {}


def test_set_without_a_keyring_fails_cleanly() -> None:
    with installed_keyring(fail_keyring()):
        code, out, err = run_secrets("set", "k", stdin=io.StringIO("value"))
    assert code == 1
    assert out == ""
    assert "no usable OS keyring" in err


def test_delete(memory: MemoryKeyring) -> None:
    memory.entries[(SERVICE_NAME, "k")] = "v"
    assert run_secrets("delete", "k")[:2] == (0, "secret 'k' deleted from the keyring\n")
    code, _, err = run_secrets("delete", "k")
    assert code == 1
    assert "is not set" in err


def test_list_shows_each_referenced_secret_and_whether_it_is_set(
    memory: MemoryKeyring, example: Path
) -> None:
    memory.entries[(SERVICE_NAME, "ga4-token")] = "v"
    code, out, _ = run_secrets("list", None, example)
    assert code == 1  # two are not set
    assert [line.split() for line in out.splitlines()] == [
        ["stripe-api-key", "not", "set", "sources[1].secret"],
        ["ga4-token", "set", "sources[2].secret"],
        ["tech-oncall-webhook", "not", "set", "routes[0].notify[0]"],
    ]
    memory.entries[(SERVICE_NAME, "stripe-api-key")] = "v"
    memory.entries[(SERVICE_NAME, "tech-oncall-webhook")] = "v"
    assert run_secrets("list", None, example)[0] == 0
    code, out, _ = run_secrets("list", "ga4-token", example)
    assert (code, out.split()) == (0, ["ga4-token", "set", "sources[2].secret"])


def test_list_without_a_keyring_says_so(example: Path) -> None:
    with installed_keyring(fail_keyring()):
        code, out, err = run_secrets("list", None, example)
    assert code == 1
    assert all("keyring unavailable" in line for line in out.splitlines())
    assert "no usable OS keyring" in err


def test_list_of_an_invalid_configuration_prints_its_issues(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[board]\ntheme = 1\n", encoding="utf-8")
    code, _, err = run_secrets("list", None, path)
    assert code == 2
    assert err == f"{path}:2: board.theme: expected a string, got an integer\n"


@pytest.mark.parametrize(("action", "name"), [("rotate", "k"), ("set", None), ("delete", "")])
def test_bad_usage_exits_2(memory: MemoryKeyring, action: str, name: str | None) -> None:
    assert run_secrets(action, name)[0] == 2


def test_set_survives_an_end_of_input_at_the_prompt(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_input(prompt: str, stream: object = None) -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_input)
    code, _, err = run_secrets("set", "k", stdin=Tty())
    assert code == 2
    assert "could not read the value" in err
    assert memory.entries == {}
