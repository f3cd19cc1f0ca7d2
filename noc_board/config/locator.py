"""Finds the line of a key in TOML text, since `tomllib` reports none for values.

The locator scans text that `tomllib` has already accepted. It follows table headers
(`[board]`), arrays of tables counted by index (`[[sources]]`, and `[[pages.panels]]` under the
latest page), key/value lines, dotted keys, inline tables and the elements of arrays, so
`("pages", 1, "panels", 0, "metrics", 2)` finds the line where that array element is written.
A path it did not see falls back to the nearest enclosing key or table it did see.
"""

from __future__ import annotations

import tomllib

from noc_board.config.issues import KeyPath

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SPACE = " \t"


class KeyLocator:
    """Maps key paths of one TOML document to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        _Scanner(text, self._lines).scan()

    def line_of(self, path: KeyPath) -> int:
        """The line where `path` is written, else that of its nearest enclosing key; 1 if none."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
        return 1


class _Scanner:
    """A single pass over the text that records where each key and array element starts."""

    def __init__(self, text: str, lines: dict[KeyPath, int]) -> None:
        self.s = text
        self.i = 0
        self.line = 1
        self.lines = lines
        self.tables: dict[KeyPath, int] = {}  # array-of-tables path -> elements seen

    # -- characters -----------------------------------------------------------------------

    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def advance(self, n: int = 1) -> None:
        end = min(self.i + n, len(self.s))
        self.line += self.s.count("\n", self.i, end)
        self.i = end

    def skip_space(self, newlines: bool) -> None:
        """Skip blanks and comments, and line breaks too when `newlines`."""
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in _SPACE or (newlines and c in "\r\n"):
                self.advance()
            elif c == "#":
                end = self.s.find("\n", self.i)
                self.advance((len(self.s) if end < 0 else end) - self.i)
            else:
                return

    def skip_line(self) -> None:
        end = self.s.find("\n", self.i)
        self.advance((len(self.s) if end < 0 else end + 1) - self.i)

    def record(self, path: KeyPath, line: int) -> None:
        self.lines.setdefault(path, line)

    # -- document -------------------------------------------------------------------------

    def scan(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_space(newlines=True)
            if self.i >= len(self.s):
                return
            start = self.i
            if self.peek() == "[":
                table = self.header()
            else:
                line = self.line
                keys = self.key()
                self.skip_space(newlines=False)
                if keys and self.peek() == "=":
                    self.advance()
                    self.record_keys(table, keys, line)
                    self.value(table + keys)
            self.skip_space(newlines=False)
            if self.i == start or self.peek() not in ("\n", "\r", ""):
                self.skip_line()  # not TOML we understand: go on with the next line

    def header(self) -> KeyPath:
        line = self.line
        array = self.peek(2) == "[["
        self.advance(2 if array else 1)
        keys = self.key()
        self.skip_space(newlines=False)
        self.advance(2 if array else 1)
        path: KeyPath = ()
        for n, key in enumerate(keys):
            path += (key,)
            self.record(path, line)  # first mention of an array or a super-table
            if array and n == len(keys) - 1:
                count = self.tables.get(path, 0)
                self.tables[path] = count + 1
                path += (count,)
            elif path in self.tables:
                path += (self.tables[path] - 1,)
        self.record(path, line)
        return path

    def record_keys(self, table: KeyPath, keys: tuple[str, ...], line: int) -> None:
        for n in range(1, len(keys) + 1):
            self.record(table + keys[:n], line)

    def key(self) -> tuple[str, ...]:
        """A bare, quoted or dotted key, decoded."""
        parts: list[str] = []
        while True:
            self.skip_space(newlines=False)
            c = self.peek()
            start = self.i
            if c in ('"', "'"):
                self.string()
                parts.append(_decode_string(self.s[start : self.i]))
            else:
                while self.i < len(self.s) and self.s[self.i] in _BARE_KEY:
                    self.i += 1
                if self.i == start:
                    return tuple(parts)
                parts.append(self.s[start : self.i])
            self.skip_space(newlines=False)
            if self.peek() != ".":
                return tuple(parts)
            self.advance()

    # -- values ---------------------------------------------------------------------------

    def value(self, path: KeyPath) -> None:
        self.skip_space(newlines=False)
        c = self.peek()
        if c in ('"', "'"):
            self.string()
        elif c == "[":
            self.array(path)
        elif c == "{":
            self.inline_table(path)
        else:
            while self.i < len(self.s) and self.s[self.i] not in ",]}#\r\n":
                self.i += 1

    def array(self, path: KeyPath) -> None:
        self.advance()
        index = 0
        while self.i < len(self.s):
            self.skip_space(newlines=True)
            if self.peek() in ("]", ""):
                break
            start = self.i
            self.record((*path, index), self.line)
            self.value((*path, index))
            index += 1
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self.advance()
            elif self.i == start:
                break
        self.advance()

    def inline_table(self, path: KeyPath) -> None:
        self.advance()
        while self.i < len(self.s):
            self.skip_space(newlines=True)
            if self.peek() in ("}", ""):
                break
            start = self.i
            line = self.line
            keys = self.key()
            self.skip_space(newlines=False)
            if self.peek() == "=":
                self.advance()
                self.record_keys(path, keys, line)
                self.value(path + keys)
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self.advance()
            elif self.i == start:
                break
        self.advance()

    def string(self) -> None:
        """Skip a basic, literal or multi-line string starting at the cursor."""
        quote = self.peek()
        triple = self.peek(3) == quote * 3
        delimiter = quote * 3 if triple else quote
        self.advance(len(delimiter))
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\" and quote == '"':
                self.advance(2)
            elif self.s.startswith(delimiter, self.i):
                self.advance(len(delimiter))
                if triple:  # up to two quotes may close the content: """a""""" is 'a""'
                    extra = 0
                    while extra < 2 and self.peek() == quote:
                        self.advance()
                        extra += 1
                return
            elif c == "\n" and not triple:
                return
            else:
                self.advance()


def _decode_string(raw: str) -> str:
    """The text of a quoted key, decoded exactly as TOML does."""
    try:
        value = tomllib.loads(f"k = {raw}")["k"]
    except tomllib.TOMLDecodeError:
        return raw.strip("\"'")
    return value if isinstance(value, str) else raw
