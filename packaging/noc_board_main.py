"""Entry script of the frozen program (PyInstaller): the same `main` as `noc-board`.

`freeze_support()` must run first: the sources decode big response bodies in worker processes,
and a frozen Windows or macOS program re-executes itself to start them.
"""

import multiprocessing

from noc_board.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
