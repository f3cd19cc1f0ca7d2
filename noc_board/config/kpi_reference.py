"""Writes docs/kpis.md, the KPI catalogue as a page: `python -m noc_board.config.kpi_reference
docs/kpis.md` (prints it without a path). A test fails when the file is stale."""

from __future__ import annotations

import sys
from pathlib import Path

from noc_board.core.kpis import markdown


def main(argv: list[str]) -> int:
    """Write the catalogue to the path given, or print it."""
    text = markdown()
    if len(argv) > 1:
        Path(argv[1]).write_text(text, encoding="utf-8", newline="\n")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
