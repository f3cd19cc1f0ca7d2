"""Colours, type sizes and the stylesheet of the wallboard.

Status colours follow Okabe and Ito's colour-blind-safe set: OK is blue, a warning or a degraded
source is orange or yellow, critical and down are vermillion; good and bad changes are blue and
vermillion, never red against green. Every status also carries a symbol or a word, so colour is
never the only cue. The dark theme is the default: a NOC room is dim and a wall of white glares.

Sizes are in pixels and chosen for a 1080p screen read from 5 m: a tile's value scales with the
tile's height, and no text on the board is smaller than `MIN_TEXT_PX`.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_TEXT_PX = 18
TITLE_PX = 22
TOP_BAR_PX = 28
FONT_FAMILY = "DejaVu Sans, Segoe UI, Helvetica Neue, Arial, sans-serif"
NUMERAL_FAMILY = "DejaVu Sans Condensed, DejaVu Sans, Segoe UI, Arial, sans-serif"


@dataclass(frozen=True, slots=True)
class Palette:
    """A theme's colours as #rrggbb strings."""

    name: str
    window: str  # behind everything
    surface: str  # panel background
    surface_raised: str  # chips, banner entries, bars
    border: str  # a panel's resting border
    text: str
    text_dim: str  # titles, ages, axes
    text_on_alarm: str  # text on a vermillion or orange fill
    ok: str  # blue
    info: str  # yellow
    warning: str  # orange
    critical: str  # vermillion
    stale: str  # grey of stale and failing panels
    good: str  # a change in the good direction
    bad: str  # a change in the bad direction
    grid: str  # chart grid lines
    series: tuple[str, ...]  # line colours of charts, in order
    # a sequential scale for heatmaps, low to high: viridis, readable with any colour vision
    heat: tuple[str, ...] = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80",
                             "#5ec962", "#addc30", "#fde725")

    def severity(self, severity: str) -> str:
        """The colour of an alarm severity."""
        return {"critical": self.critical, "warning": self.warning}.get(severity, self.info)


DARK = Palette(
    name="dark",
    window="#0b0f14",
    surface="#151b23",
    surface_raised="#1e2631",
    border="#2a3441",
    text="#f2f5f8",
    text_dim="#9aa7b4",
    text_on_alarm="#0b0f14",
    ok="#56b4e9",
    info="#f0e442",
    warning="#e69f00",
    critical="#e5602a",
    stale="#6b7580",
    good="#56b4e9",
    bad="#e5602a",
    grid="#242d39",
    series=("#56b4e9", "#e69f00", "#f0e442", "#cc79a7", "#009e73", "#e5602a", "#ffffff"),
)

LIGHT = Palette(
    name="light",
    window="#e9edf1",
    surface="#ffffff",
    surface_raised="#f3f5f7",
    border="#c9d1d9",
    text="#101418",
    text_dim="#4a5563",
    text_on_alarm="#ffffff",
    ok="#0072b2",
    info="#b8a800",
    # darker amber and crimson than Okabe-Ito's: the published #c27c00/#d55e00 pair is almost
    # one colour to a deuteranope (CIELAB dE 2 after Machado 2009); these keep dE >= 17 like the
    # dark theme (tests/ui/test_alarm_ui.py) and read better under white text
    warning="#a66f00",
    critical="#b2182b",
    stale="#8a939c",
    good="#0072b2",
    bad="#d55e00",
    grid="#dde3e9",
    series=("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"),
)


def blend(colour: str, under: str, alpha: float) -> str:
    """`colour` at `alpha` over `under`, as an opaque #rrggbb (opaque fills paint faster)."""
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(under[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = (round(x * alpha + y * (1 - alpha)) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


FILL_ALPHA = 0.2  # sparkline fills: the line's colour at this strength over the panel


def heat_colour(p: Palette, fraction: float) -> str:
    """The heat scale's colour at `fraction` (0-1), interpolated between its stops."""
    stops = p.heat
    x = min(1.0, max(0.0, fraction)) * (len(stops) - 1)
    i = min(int(x), len(stops) - 2)
    return blend(stops[i + 1], stops[i], x - i)


def palette(name: str) -> Palette:
    """The palette called `name`; the dark one for anything unknown."""
    return LIGHT if name == "light" else DARK


def value_pixel_size(tile_height: int) -> int:
    """The pixel size of a stat tile's big number: about a third of the tile, 40-150 px."""
    return max(40, min(150, round(tile_height * 0.34)))


def stylesheet(p: Palette) -> str:
    """The application stylesheet; panels paint their own borders and backgrounds."""
    return f"""
QMainWindow, QWidget#WallboardCentral, QStackedWidget {{ background: {p.window}; }}
QWidget {{ color: {p.text}; font-family: {FONT_FAMILY}; font-size: {MIN_TEXT_PX}px; }}
QToolTip {{ background: {p.surface_raised}; color: {p.text}; border: 1px solid {p.border};
            font-size: {MIN_TEXT_PX}px; padding: 6px; }}
QLabel {{ background: transparent; }}
QLabel[role="title"] {{ color: {p.text_dim}; font-size: {TITLE_PX}px; font-weight: 600; }}
QLabel[role="age"] {{ color: {p.text_dim}; font-size: {MIN_TEXT_PX}px; }}
QLabel[role="reason"] {{ color: {p.text}; font-size: {MIN_TEXT_PX}px; }}
QLabel[role="unit"] {{ color: {p.text_dim}; font-family: {NUMERAL_FAMILY}; }}
QLabel[role="value"] {{ font-family: {NUMERAL_FAMILY}; font-weight: 700; }}
QWidget#TopBar {{ background: {p.surface}; border-bottom: 1px solid {p.border}; }}
QLabel#BoardTitle {{ font-size: {TOP_BAR_PX}px; font-weight: 700; }}
QLabel#PageName {{ font-size: {TOP_BAR_PX - 4}px; color: {p.text_dim}; }}
QLabel#Clock {{ font-size: {TOP_BAR_PX + 4}px; font-weight: 700; font-family: {NUMERAL_FAMILY}; }}
QLabel#Heartbeat {{ color: {p.text_dim}; }}
QLabel#IntentMessage {{ color: {p.warning}; }}
QWidget#HealthStrip {{ background: {p.surface}; border-top: 1px solid {p.border}; }}
QLabel[role="chip"] {{ background: {p.surface_raised}; border-radius: 6px; padding: 4px 12px; }}
QWidget#AlarmBanner {{ background: {p.surface_raised}; }}
QPushButton[role="alarm"] {{ border: none; border-radius: 6px; padding: 6px 16px;
                              font-size: {TITLE_PX}px; font-weight: 700; text-align: left; }}
QLabel#AlarmMore {{ color: {p.text_dim}; font-size: {TITLE_PX}px; }}
QDialog {{ background: {p.surface}; }}
QLineEdit, QComboBox {{ background: {p.surface_raised}; border: 1px solid {p.border};
                        padding: 6px; }}
QDialog QPushButton {{ background: {p.surface_raised}; border: 1px solid {p.border};
                       padding: 8px 18px; }}
QDialog QPushButton:default {{ border: 2px solid {p.ok}; }}
"""
