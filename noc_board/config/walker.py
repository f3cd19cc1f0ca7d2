"""Builds the schema's dataclasses from parsed TOML, checking types, units, choices and ranges.

The walk is generic: it reads `dataclasses.fields` and `typing.get_type_hints` of the classes in
`config.schema`, so a new option needs no code here. It reports every problem to an
`IssueSink` and still returns a best-effort object (an invalid option takes its default, a
missing or invalid required one is None) so that later checks can run on the rest.
"""

from __future__ import annotations

import datetime
import difflib
import math
import types
from dataclasses import MISSING, Field, fields, is_dataclass
from typing import Any, Union, get_args, get_origin, get_type_hints

from noc_board.config.issues import IssueSink, KeyPath
from noc_board.config.plaintext import KEYRING_ADVICE, is_secret_key
from noc_board.core.units import parse_duration

_DURATION_UNITS = (("w", 604800.0), ("d", 86400.0), ("h", 3600.0), ("m", 60.0), ("s", 1.0))


def duration_text(seconds: float) -> str:
    """A duration as it would be written in the file: 15s, 5m, 1h, 100ms, 1.5s."""
    if seconds == 0:
        return "0s"
    for suffix, factor in _DURATION_UNITS:
        count = seconds / factor
        if count >= 1 and count == int(count):
            return f"{int(count)}{suffix}"
    millis = seconds * 1000
    if millis == int(millis):
        return f"{int(millis)}ms"
    return f"{seconds:g}s"


def kind_of(value: Any) -> str:
    """The TOML type of a parsed value, with an article, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.date | datetime.time):
        return "a date-time"
    return type(value).__name__


def is_required(f: Field[Any]) -> bool:
    """Whether a schema field has no default."""
    return f.default is MISSING and f.default_factory is MISSING


def did_you_mean(word: str, candidates: list[str]) -> str:
    """"; did you mean 'x'?" for a close candidate, else ""."""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class SchemaWalker:
    """Converts parsed TOML into schema dataclasses, reporting to an `IssueSink`."""

    def __init__(self, sink: IssueSink) -> None:
        self.sink = sink

    def build(self, cls: type[Any], data: Any, path: KeyPath) -> Any:
        """An instance of dataclass `cls` from table `data`, or None if `data` is no table."""
        if not isinstance(data, dict):
            self.sink.error(path, f"expected a table, got {kind_of(data)}")
            return None
        hints = get_type_hints(cls)
        schema = fields(cls)
        names = [f.name for f in schema]
        for key in data:
            if key not in names:
                self._unknown((*path, key), key, names)
        kwargs: dict[str, Any] = {}
        for f in schema:
            where = (*path, f.name)
            if f.name in data:
                ok, value = self.convert(hints[f.name], f, data[f.name], where)
                if ok:
                    kwargs[f.name] = value
                elif is_required(f):
                    kwargs[f.name] = None
            elif is_required(f):
                self.sink.error(where, "required key is missing")
                kwargs[f.name] = None
        return cls(**kwargs)

    def _unknown(self, path: KeyPath, key: str, names: list[str]) -> None:
        if is_secret_key(key):
            self.sink.error(path, f"looks like a secret; {KEYRING_ADVICE}")
        else:
            hint = did_you_mean(key, names) or f"; known keys: {', '.join(names)}"
            self.sink.error(path, f"unknown key{hint}")

    def convert(self, tp: Any, f: Field[Any], value: Any, path: KeyPath) -> tuple[bool, Any]:
        """(True, converted value) or (False, None) after reporting why not."""
        origin = get_origin(tp)
        if origin in (Union, types.UnionType):
            inner = [a for a in get_args(tp) if a is not type(None)]
            return self.convert(inner[0], f, value, path)  # TOML has no null: present = inner
        if is_dataclass(tp) and isinstance(tp, type):
            built = self.build(tp, value, path)
            return built is not None, built
        if origin is list:
            return self._list(get_args(tp)[0], f, value, path)
        if origin is dict:
            return self._table(get_args(tp)[1], f, value, path)
        ok, converted = self._scalar(tp, f, value, path)
        if ok and not self._constraints_hold(f, converted, path):
            return False, None
        return ok, converted

    def _list(self, item: Any, f: Field[Any], value: Any, path: KeyPath) -> tuple[bool, Any]:
        if not isinstance(value, list):
            what = "an array of tables ([[...]])" if is_dataclass(item) else "an array"
            self.sink.error(path, f"expected {what}, got {kind_of(value)}")
            return False, None
        out: list[Any] = []
        for index, element in enumerate(value):
            ok, converted = self.convert(item, f, element, (*path, index))
            out.append(converted if ok else None)  # keep indices: later checks name positions
        return True, out

    def _table(self, item: Any, f: Field[Any], value: Any, path: KeyPath) -> tuple[bool, Any]:
        if not isinstance(value, dict):
            self.sink.error(path, f"expected a table (key = value pairs), got {kind_of(value)}")
            return False, None
        out: dict[str, Any] = {}
        good = True
        for key, element in value.items():
            ok, converted = self.convert(item, f, element, (*path, key))
            if ok:
                out[key] = converted
            good = good and ok
        return good, out

    def _scalar(self, tp: Any, f: Field[Any], value: Any, path: KeyPath) -> tuple[bool, Any]:
        if f.metadata.get("unit") == "duration":
            return self._duration(value, path)
        if tp is str:
            if isinstance(value, str):
                return True, value
            return self._wrong(path, "a string", value)
        if tp is bool:
            if isinstance(value, bool):
                return True, value
            return self._wrong(path, "a boolean (true or false)", value)
        if tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return True, value
            return self._wrong(path, "an integer", value)
        if tp is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                if math.isnan(value):
                    self.sink.error(path, "expected a number, got nan")
                    return False, None
                return True, float(value)
            return self._wrong(path, "a number", value)
        raise TypeError(f"the config schema uses a type the loader does not know: {tp!r}")

    def _wrong(self, path: KeyPath, expected: str, value: Any) -> tuple[bool, Any]:
        self.sink.error(path, f"expected {expected}, got {kind_of(value)}")
        return False, None

    def _duration(self, value: Any, path: KeyPath) -> tuple[bool, Any]:
        if isinstance(value, str):
            try:
                seconds = parse_duration(value)
            except ValueError as exc:
                self.sink.error(path, str(exc))
                return False, None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
            if not math.isfinite(seconds):
                self.sink.error(path, "expected a finite duration")
                return False, None
        else:
            return self._wrong(path, 'a duration such as "15s", "5m" or "1h"', value)
        if seconds < 0:
            self.sink.error(path, "a duration cannot be negative")
            return False, None
        return True, seconds

    def _constraints_hold(self, f: Field[Any], value: Any, path: KeyPath) -> bool:
        meta = f.metadata
        choices = meta.get("choices")
        if choices is not None and value not in choices:
            options = ", ".join(str(c) for c in choices)
            hint = did_you_mean(str(value), [str(c) for c in choices])
            self.sink.error(path, f"{value!r} is not one of: {options}{hint}")
            return False
        shown = duration_text if meta.get("unit") == "duration" else _number_text
        low, high = meta.get("min"), meta.get("max")
        if low is not None and value < low:
            self.sink.error(path, f"must be at least {shown(low)} (got {shown(value)})")
            return False
        if high is not None and value > high:
            self.sink.error(path, f"must be at most {shown(high)} (got {shown(value)})")
            return False
        return True


def _number_text(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
