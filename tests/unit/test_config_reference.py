"""The generated reference documents every option and matches the committed docs."""

from __future__ import annotations

import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from noc_board.config import schema
from noc_board.config.reference import render_reference

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def _tables() -> list[type[Any]]:
    return [c for c in vars(schema).values() if is_dataclass(c) and isinstance(c, type)]


def test_committed_docs_match_the_schema() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_reference(), (
        "docs/configuration.md is stale: run "
        "`python -m noc_board.config.reference docs/configuration.md`")


def test_every_option_is_documented_with_its_description() -> None:
    text = render_reference()
    for cls in _tables():
        for f in fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} has no description"
            if cls is not schema.Config:
                assert f"| `{f.name}` |" in text
                assert " ".join(f.metadata["doc"].split()) in text


def test_sections_choices_units_and_defaults_are_shown() -> None:
    text = render_reference()
    for header in ("[board]", "[[sources]]", "[[metrics]]", "[[pages]]", "[[pages.panels]]",
                   "[[rules]]", "[[routes]]"):
        assert f"## `{header}`" in text
    kinds = ", ".join(f"`{k}`" for k in schema.SOURCE_KINDS)
    assert f"| `kind` | string: {kinds} | **required** |" in text
    assert "| `interval` | duration, at least 1s | `15s` |" in text
    assert "| `w` | integer, 1 to 24 | `6` |" in text
    assert "| `clear` | number, optional | unset |" in text
    assert typing.get_type_hints(schema.RuleConfig)["clear"] == float | None
