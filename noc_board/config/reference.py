"""Generates docs/configuration.md, the reference of every option, from the schema.

Run `python -m noc_board.config.reference docs/configuration.md` after changing the schema;
a test fails while the committed file differs from `render_reference()`.
"""

from __future__ import annotations

import sys
import types
from dataclasses import MISSING, Field, fields, is_dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from noc_board.config.example import EXAMPLE_CONFIG
from noc_board.config.schema import Config
from noc_board.config.walker import duration_text

_INTRO = """\
# Configuration reference

<!-- Generated from noc_board/config/schema.py by
     `python -m noc_board.config.reference docs/configuration.md`. Do not edit by hand. -->

NOC Board reads one TOML file. Without `--config FILE` it reads `config.toml` in the user's
configuration folder: `~/.config/noc-board/` on Linux, `~/Library/Application Support/noc-board/`
on macOS, `%LOCALAPPDATA%\\NOCBoard\\noc-board\\` on Windows.

Check a file with `noc-board check-config FILE`: it exits 0, or 2 with every problem as
`file:line: key: message`, for example:

```
config.toml:42: rules[1].metric: unknown metric 'sales.ordres'; did you mean 'sales.orders'?
```

- **Durations** are strings such as `"250ms"`, `"15s"`, `"5m"`, `"1h30m"`, `"7d"` or `"1w"`;
  a bare number means seconds.
- **Secrets** (passwords, tokens, API keys) never go in this file: store each in the OS keyring
  with `noc-board secrets set NAME` (the value is read from standard input) and write the name in
  the source's `secret` option. `noc-board secrets list` shows which names the file refers to
  and whether each is set. A value in the file that looks like a secret is an error.
- Unknown keys are errors, so a misspelt option cannot be silently ignored.
"""


def render_reference() -> str:
    """The whole reference as Markdown."""
    parts = [_INTRO]
    for name, header, cls, doc in _sections(Config, ""):
        parts.append(_section(name, header, cls, doc))
    parts.append(f"## A complete example\n\n```toml\n{EXAMPLE_CONFIG}```\n")
    return "\n".join(parts)


def _sections(cls: type[Any], prefix: str) -> list[tuple[str, str, type[Any], str]]:
    """(dotted name, header, dataclass, description) of every table below `cls`, parents first."""
    out: list[tuple[str, str, type[Any], str]] = []
    hints = get_type_hints(cls)
    for f in fields(cls):
        tp = hints[f.name]
        name = f"{prefix}{f.name}"
        if _is_table(tp):
            out.append((name, f"[{name}]", tp, f.metadata["doc"]))
            out.extend(_sections(tp, f"{name}."))
        elif get_origin(tp) is list and _is_table(get_args(tp)[0]):
            item = get_args(tp)[0]
            out.append((name, f"[[{name}]]", item, f.metadata["doc"]))
            out.extend(_sections(item, f"{name}."))
    return out


def _is_table(tp: Any) -> bool:
    return is_dataclass(tp) and isinstance(tp, type)


def _section(name: str, header: str, cls: type[Any], doc: str) -> str:
    lines = [f"## `{header}`", "", _oneline(cls.__doc__ or doc), ""]
    lines.append("| key | type | default | description |")
    lines.append("|---|---|---|---|")
    hints = get_type_hints(cls)
    for f in fields(cls):
        lines.append(f"| `{f.name}` | {_type_text(hints[f.name], f, name)} | {_default_text(f)} | "
                     f"{_escape(f.metadata['doc'])} |")
    return "\n".join(lines) + "\n"


def _type_text(tp: Any, f: Field[Any], table: str) -> str:
    meta = f.metadata
    origin = get_origin(tp)
    optional = origin in (Union, types.UnionType)
    if optional:
        tp = next(a for a in get_args(tp) if a is not type(None))
        origin = get_origin(tp)
    if meta.get("unit") == "duration":
        text = "duration"
    elif origin is list:
        item = get_args(tp)[0]
        text = (f"array of tables (`[[{table}.{f.name}]]`)" if _is_table(item)
                else f"array of {_SCALARS[item]}s")
    elif origin is dict:
        text = f"table of {_SCALARS[get_args(tp)[1]]}s by name"
    elif _is_table(tp):
        text = f"table (`[{table}.{f.name}]`)"
    else:
        text = _SCALARS[tp]
    if "choices" in meta:
        text += ": " + ", ".join(f"`{c}`" for c in meta["choices"])
    shown = duration_text if meta.get("unit") == "duration" else str
    low, high = meta.get("min"), meta.get("max")
    if low is not None and high is not None:
        text += f", {shown(low)} to {shown(high)}"
    elif low is not None:
        text += f", at least {shown(low)}"
    elif high is not None:
        text += f", at most {shown(high)}"
    if meta.get("secret"):
        text += " (a keyring entry name)"
    if optional:
        text += ", optional"
    return text


_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _default_text(f: Field[Any]) -> str:
    if f.default is MISSING and f.default_factory is MISSING:
        return "**required**"
    factory = f.default_factory
    value: Any = factory() if f.default is MISSING and callable(factory) else f.default
    if value is None:
        return "unset"
    if is_dataclass(value):
        return "see below"
    if f.metadata.get("unit") == "duration":
        return f"`{duration_text(value)}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return "`[]`" if not value else f"`{value!r}`"
    return f"`{value:g}`" if isinstance(value, float) else f"`{value}`"


def _oneline(text: str) -> str:
    return " ".join(text.split())


def _escape(text: str) -> str:
    return _oneline(text).replace("|", "\\|")


def main(argv: list[str]) -> int:
    """Write the reference to the path given, or print it."""
    text = render_reference()
    if len(argv) > 1:
        Path(argv[1]).write_text(text, encoding="utf-8", newline="\n")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
