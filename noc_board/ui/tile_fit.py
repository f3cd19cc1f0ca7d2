"""How a stat tile fills the room it has: the number's size, and whether the change and the
sparkline still fit under it.

The number comes first (it is what the room reads from 5 m), then the change, then the
sparkline: a tile too small for all three drops the sparkline, then the change, and its number
shrinks until it fits both the width and the height left by the title and the footer, so no text
is ever cut off. Sizes are measured with the fonts the tile's labels use.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QFontMetrics

from noc_board.ui.theme import FONT_FAMILY, MIN_TEXT_PX, NUMERAL_FAMILY

VALUE_MIN_PX = MIN_TEXT_PX * 2  # the number does not shrink below this while anything else shows
FLOOR_PX = 12  # below this, nothing is legible anyway
SPARKLINE_MIN_PX = 24
ROW_GAP = 2  # the body's spacing between the number, the change and the sparkline
NUMBER_GAP = 10  # between the number and its unit, and the change and its caption
STEP_PX = 2


@dataclass(frozen=True, slots=True)
class TileFit:
    """The number's pixel size, the change's, and which of the change, its caption ("vs 1h
    ago") and the sparkline show."""

    value_px: int
    change_px: int
    change: bool
    sparkline: bool
    caption: bool = False


def numeral_font(px: int) -> QFont:
    """The bold condensed face of big numbers, at `px` pixels."""
    return _bold(NUMERAL_FAMILY, px)


def change_font(px: int) -> QFont:
    """The bold text face of the change ("▲ 12.5%"), at `px` pixels."""
    return _bold(FONT_FAMILY, px)


def _bold(family: str, px: int) -> QFont:
    font = QFont()
    font.setFamilies([f.strip() for f in family.split(",")])
    font.setPixelSize(max(1, px))
    font.setBold(True)
    return font


def unit_px(value_px: int) -> int:
    """The unit's size beside a number of `value_px`: half of it, at least the board's smallest
    text (unless the number itself is smaller)."""
    return max(min(MIN_TEXT_PX + 4, value_px), value_px // 2)


def change_px(value_px: int) -> int:
    """The change's natural size under a number of `value_px`."""
    return max(MIN_TEXT_PX + 6, min(value_px // 3, 44))


def _height(px: int) -> int:
    return QFontMetrics(numeral_font(px)).height()


def _number_width(value: str, unit: str, px: int) -> int:
    width = QFontMetrics(numeral_font(px)).horizontalAdvance(value)
    if unit:
        width += NUMBER_GAP + QFontMetrics(numeral_font(unit_px(px))).horizontalAdvance(unit)
    return width


def _change_fit(change: str, px: int, room: int) -> int | None:
    """The change's size (from its natural one down to the board's smallest) that fits `room`."""
    size = change_px(px)
    while size >= MIN_TEXT_PX:
        if QFontMetrics(change_font(size)).horizontalAdvance(change) <= room:
            return size
        size -= STEP_PX
    return None


def fit_tile(value: str, unit: str, change: str, caption: tuple[int, int], width: int,
             height: int, start_px: int) -> TileFit:
    """The fit of a number (`value`, `unit`) and its `change` in a body of `width` x `height`.

    `start_px` is the number's size the tile's height asks for; `caption` is the width and
    height of the change's caption, shown when it fits beside the change. Tries, in order:
    number, change and sparkline; number and change; the number alone (each with the number
    at least `VALUE_MIN_PX`); then the number alone as small as it must be (down to
    `FLOOR_PX`).
    """
    modes = [(True, True), (True, False)] if change else []
    modes.append((False, False))
    for with_change, with_sparkline in modes:
        px = max(start_px, VALUE_MIN_PX)
        while px >= VALUE_MIN_PX:
            fit = _try(value, unit, change, caption, width, height, px, with_change,
                       with_sparkline)
            if fit is not None:
                return fit
            px -= STEP_PX
    px = VALUE_MIN_PX - STEP_PX
    while px > FLOOR_PX:
        if _try(value, unit, change, caption, width, height, px, False, False):
            break
        px -= STEP_PX
    return TileFit(max(px, FLOOR_PX), change_px(px), False, False)


def _try(value: str, unit: str, change: str, caption: tuple[int, int], width: int,
         height: int, px: int, with_change: bool, with_sparkline: bool) -> TileFit | None:
    if _number_width(value, unit, px) > width:
        return None
    used = _height(px)
    size = change_px(px)
    with_caption = False
    if with_change:
        fitted = _change_fit(change, px, width)
        if fitted is None:
            return None
        size = fitted
        change_w = QFontMetrics(change_font(size)).horizontalAdvance(change)
        with_caption = change_w + NUMBER_GAP + caption[0] <= width
        used += ROW_GAP + max(QFontMetrics(change_font(size)).height(),
                              caption[1] if with_caption else 0)
    if with_sparkline:
        used += ROW_GAP + SPARKLINE_MIN_PX
    if used > height:
        return None
    return TileFit(px, size, with_change, with_sparkline, with_caption)
