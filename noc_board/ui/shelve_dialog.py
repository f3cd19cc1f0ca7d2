"""The shelve dialog: hide a nuisance alarm until a time, with who and why. Non-modal.

Shelving (ISA-18.2) takes an alarm off the banner and the horn while known work goes on; it
always has an expiry, after which an alarm still active comes back unacknowledged. Shown with
`open()` (no nested event loop); the answer is the `shelve_requested` signal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from noc_board.core.clock import Clock
from noc_board.ui.expiry_picker import SHELVE_CHOICES
from noc_board.ui.intent_dialog import IntentWording, OperatorIntentDialog

DEFAULT_SHELF = 3600.0
SHELVE_WORDING = IntentWording(
    title="Shelve alarm",
    ok_text="Shelve",
    comment_label="Reason",
    comment_hint="why, e.g. payment provider maintenance until 3 am",
    expiry_label="Shelve",
    no_operator="Name the operator who shelves the alarm.",
    bad_expiry="The shelf must end in the future.",
    note="A shelved alarm leaves the banner and the horn until the shelf expires.",
)


class ShelveDialog(OperatorIntentDialog):
    """Asks for the operator, the reason and the expiry of a shelf (always one).

    Signals:
        shelve_requested(str, str, float, str): key, operator, until (unix s), comment.
    """

    shelve_requested = Signal(str, str, float, str)

    def __init__(
        self, key: str, description: str, operators: Sequence[str],
        parent: QWidget | None = None, *, clock: Clock | None = None,
        zone: dt.tzinfo = dt.UTC,
    ) -> None:
        super().__init__(key, description, operators, SHELVE_WORDING, SHELVE_CHOICES, parent,
                         default_expiry=DEFAULT_SHELF, expiry_required=True, clock=clock,
                         zone=zone)

    def accept(self) -> None:
        """Emit the intent when it is complete; otherwise say what is missing."""
        intent = self.intent()
        if intent is None or intent.until is None:
            return
        self.shelve_requested.emit(self.key, intent.operator, intent.until, intent.comment)
        super().accept()
