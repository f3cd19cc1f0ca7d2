"""The acknowledgement dialog: who acknowledges, why, and until when. Non-modal to the event loop.

WORKAROUND (DESIGN.md, pinned facts): no nested event loops, so the dialog is shown with `open()`
and answers through its signals; never `exec()`.

The expiry is optional: by default an acknowledgement lasts until the alarm returns to normal
(or gets worse); with an expiry, the alarm is raised again when it passes (ISA-18.2, as
Icinga's `expiry` and PagerDuty's acknowledgement timeout do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from noc_board.core.clock import Clock
from noc_board.ui.expiry_picker import ACK_CHOICES
from noc_board.ui.intent_dialog import (
    IntentWording,
    OperatorIntentDialog,
    default_operators,
    operator_box,
    seat_operator,
)

# the operator helpers live with the dialog base; these names stay importable from here
__all__ = ["ACK_WORDING", "AckDialog", "default_operators", "operator_box", "seat_operator"]

ACK_WORDING = IntentWording(
    title="Acknowledge alarm",
    ok_text="Acknowledge",
    comment_label="Comment",
    comment_hint="what is being done, e.g. rolled back 2.14",
    expiry_label="Expires",
    no_operator="Name the operator who acknowledges.",
    bad_expiry="The expiry must be in the future.",
)


class AckDialog(OperatorIntentDialog):
    """Asks for the operator, a comment and an optional expiry, then emits one intent.

    Signals:
        acknowledge_requested(str, str, str): key, operator, comment; no expiry.
        acknowledge_until_requested(str, str, str, float): the same with the expiry (unix s).
    """

    acknowledge_requested = Signal(str, str, str)
    acknowledge_until_requested = Signal(str, str, str, float)

    def __init__(
        self, key: str, description: str, operators: Sequence[str],
        parent: QWidget | None = None, *, clock: Clock | None = None,
        zone: dt.tzinfo = dt.UTC,
    ) -> None:
        super().__init__(key, description, operators, ACK_WORDING, ACK_CHOICES, parent,
                         clock=clock, zone=zone)

    def accept(self) -> None:
        """Emit the intent when it is complete; otherwise say what is missing."""
        intent = self.intent()
        if intent is None:
            return
        if intent.until is None:
            self.acknowledge_requested.emit(self.key, intent.operator, intent.comment)
        else:
            self.acknowledge_until_requested.emit(self.key, intent.operator, intent.comment,
                                                  intent.until)
        super().accept()
