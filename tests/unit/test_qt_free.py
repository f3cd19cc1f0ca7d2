"""The core, config, sources, store, engine and demo import with PySide6 absent."""

import subprocess
import sys
import textwrap

QT_FREE = ["core", "config", "sources", "store", "engine", "demo"]

PROBE = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"PySide6", "shiboken6", "pyqtgraph", "qasync"}:
                raise ImportError(f"{name} is blocked: this package must be Qt-free")
            return None

    sys.meta_path.insert(0, BlockQt())
    import noc_board
    count = 0
    for pkg in PACKAGES:
        module = importlib.import_module(f"noc_board.{pkg}")
        importlib.import_module(f"noc_board.{pkg}")
        for info in pkgutil.walk_packages(module.__path__, f"noc_board.{pkg}."):
            importlib.import_module(info.name)
            count += 1
    print(count)
    """
)


def test_headless_packages_import_without_qt() -> None:
    code = f"PACKAGES = {QT_FREE!r}\n" + PROBE
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.strip()) >= 10  # the modules were really walked


def test_cli_help_does_not_import_qt() -> None:
    code = (
        "import sys\nfrom noc_board.cli import _parser\n_parser().format_help()\n"
        "print('PySide6' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
