#!/usr/bin/env bash
# Tarball of the Linux bundle: run after `pyinstaller build.spec`.
# Unpack anywhere; run ./noc-board/noc-board --demo. The .desktop file goes to
# ~/.local/share/applications/ with Exec pointing at the unpacked program.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(python3 -c "import noc_board; print(noc_board.__version__)")
[ -x dist/noc-board/noc-board ] || { echo "build first: pyinstaller build.spec" >&2; exit 2; }
cp packaging/linux/noc-board.desktop dist/noc-board/
out="dist/noc-board-${version}-linux-$(uname -m).tar.gz"
tar -C dist -czf "$out" noc-board
echo "built $out"
