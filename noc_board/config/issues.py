"""Configuration errors that name the file, the line and the dotted key of each problem."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]
"""A position in the TOML document: table keys and array indices, e.g. ("sources", 2, "url")."""


def dotted(path: KeyPath) -> str:
    """The key as a reader writes it: `sources[2].interval`, `pages[0].panels[1].w`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration file; `str()` gives `file:line: key: message`."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


class ConfigError(Exception):
    """A configuration that cannot be used, with every problem found (not just the first)."""

    def __init__(self, errors: Iterable[ConfigIssue]) -> None:
        self.errors: list[ConfigIssue] = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class IssueSink:
    """Collects issues while a file is checked, and remembers which keys were found invalid.

    Later checks consult `is_bad` so that one mistake is reported once, not again as a
    consequence (a source with a bad name does not also make every metric's reference dangle).
    """

    def __init__(self, filename: str, locate: Callable[[KeyPath], int]) -> None:
        self.filename = filename
        self.locate = locate
        self.issues: list[ConfigIssue] = []
        self._bad: set[KeyPath] = set()

    def error(self, path: KeyPath, message: str) -> None:
        """Record a problem at `path` (the line is found by the locator)."""
        self.issues.append(ConfigIssue(self.filename, self.locate(path), dotted(path), message))
        self._bad.add(path)

    def is_bad(self, path: KeyPath) -> bool:
        """Whether `path` itself or a table or array holding it had an error."""
        return any(path[:n] in self._bad for n in range(1, len(path) + 1))

    def any_bad_under(self, path: KeyPath, field: str) -> bool:
        """Whether `path`, one of its elements, or the `field` of one of its elements is bad."""
        n = len(path)
        for bad in self._bad:
            if bad[:n] != path:
                continue
            rest = bad[n:]
            if len(rest) <= 1 or (len(rest) == 2 and rest[1] == field):
                return True
        return False

    def sorted_issues(self) -> list[ConfigIssue]:
        """The issues in file order (stable for issues on the same line)."""
        return sorted(self.issues, key=lambda issue: issue.line)
