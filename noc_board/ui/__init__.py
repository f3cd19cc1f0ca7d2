"""The Qt side of the board: windows, pages, panels and dialogs, bound to the engine by one bridge.

Importing any module here imports PySide6 before pyqtgraph, so pyqtgraph always binds to PySide6
(it would otherwise pick the first Qt binding it finds installed).
"""

import PySide6.QtCore  # noqa: F401  (must precede every pyqtgraph import)
