"""Where the bundled resources (sounds, icons, demo configuration) are, however we were installed.

One helper for every caller: a source checkout and an editable install find the top-level
`resources/` folder; a wheel carries it as `noc_board/_resources`; a PyInstaller bundle has it
under `sys._MEIPASS/resources`.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding the bundled resources; raises FileNotFoundError naming where it looked."""
    here = Path(__file__).resolve().parent
    candidates = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / "resources")
    candidates += [here / "_resources", here.parent / "resources"]
    for candidate in candidates:
        if (candidate / "config").is_dir():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"NOC Board's resources are missing (looked in {looked})")


def resource_path(*parts: str) -> Path:
    """A bundled file, e.g. resource_path("config", "demo.toml")."""
    return resources_dir().joinpath(*parts)
