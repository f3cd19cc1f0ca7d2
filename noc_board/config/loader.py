"""Loading a configuration file: TOML syntax, then the schema, then cross-references.

Every problem found is reported, each as `file:line: key: message`, in one `ConfigError`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from noc_board.config.crossref import check_references
from noc_board.config.issues import ConfigError, ConfigIssue, IssueSink, KeyPath, dotted
from noc_board.config.locator import KeyLocator
from noc_board.config.plaintext import scan_for_secrets
from noc_board.config.schema import Config
from noc_board.config.walker import SchemaWalker

__all__ = ["ConfigError", "ConfigIssue", "KeyPath", "dotted", "load_config", "parse_config"]

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def load_config(path: Path) -> Config:
    """Read and validate the configuration at `path`.

    Raises ConfigError, also when the file cannot be read (then with line 0 and key "file").
    """
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        issue = ConfigIssue(name, 0, "file", f"cannot read the file: {reason}")
        raise ConfigError([issue]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [ConfigIssue(name, line, "file", "the file is not UTF-8 text")]
        ) from exc
    return parse_config(text, name)


def parse_config(text: str, filename: str) -> Config:
    """Validate TOML `text` (reported as `filename`) against the schema; raise ConfigError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_issue(exc, text, filename)]) from exc
    locator = KeyLocator(text)
    sink = IssueSink(filename, locator.line_of)
    scan_for_secrets(data, (), sink.error)
    config = SchemaWalker(sink).build(Config, data, ())
    assert isinstance(config, Config)  # a parsed document is always a table
    check_references(config, sink)
    if sink.issues:
        raise ConfigError(sink.sorted_issues())
    return config


def _syntax_issue(exc: tomllib.TOMLDecodeError, text: str, filename: str) -> ConfigIssue:
    """tomllib's message, its line moved into the issue's line and its column kept."""
    message = str(exc)
    line = text.count("\n") + 1
    if match := _TOML_POSITION.search(message):
        line = int(match.group(1))
        message = f"{message[: match.start()]} (column {match.group(2)})"
    elif match := _TOML_AT_END.search(message):
        message = f"{message[: match.start()]} (at the end of the file)"
    return ConfigIssue(filename, line, "syntax", f"invalid TOML: {message}")
