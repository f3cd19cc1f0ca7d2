"""What build.spec leaves out of the Linux bundle, as functions it calls on PyInstaller's TOCs.

A TOC entry is `(dest, src, kind)`. PyInstaller collects every shared library that anything it
analysed links to, before build.spec drops the Qt plugins the board never loads; so the
libraries that only those plugins needed (the GTK theme's cairo, pango and gdk-pixbuf, GIO for
the network-information plugin...) stay behind unless something prunes them. `unreachable`
finds them by walking the ELF `DT_NEEDED` entries from everything that is kept.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Iterable
from pathlib import Path

Entry = tuple[str, str, str]

_DT_NEEDED = 1
_DT_STRTAB = 5
_PT_LOAD = 1
_PT_DYNAMIC = 2


def needed_libraries(path: str | Path) -> list[str]:
    """The `DT_NEEDED` names of a little-endian ELF64 file; [] for anything else."""
    try:
        blob = Path(path).read_bytes()
    except OSError:
        return []
    if blob[:4] != b"\x7fELF" or blob[4] != 2 or blob[5] != 1:
        return []
    (phoff,) = struct.unpack_from("<Q", blob, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", blob, 0x36)
    loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz)
    dynamic: tuple[int, int] | None = None
    for i in range(phnum):
        kind, _flags, offset, vaddr, _paddr, filesz = struct.unpack_from(
            "<IIQQQQ", blob, phoff + i * phentsize
        )
        if kind == _PT_LOAD:
            loads.append((vaddr, offset, filesz))
        elif kind == _PT_DYNAMIC:
            dynamic = (offset, filesz)
    if dynamic is None:
        return []
    needed: list[int] = []
    strtab_vaddr = None
    for at in range(dynamic[0], dynamic[0] + dynamic[1], 16):
        tag, value = struct.unpack_from("<qQ", blob, at)
        if tag == 0:
            break
        if tag == _DT_NEEDED:
            needed.append(value)
        elif tag == _DT_STRTAB:
            strtab_vaddr = value
    if strtab_vaddr is None:
        return []
    strtab = next(
        (offset + strtab_vaddr - vaddr for vaddr, offset, size in loads
         if vaddr <= strtab_vaddr < vaddr + size),
        None,
    )
    if strtab is None:
        return []
    return [blob[strtab + n : blob.index(b"\0", strtab + n)].decode() for n in needed]


def _basename(dest: str) -> str:
    return dest.replace("\\", "/").rsplit("/", 1)[-1]


def unreachable(binaries: Iterable[Entry], prunable: Iterable[str]) -> set[str]:
    """The dests in `prunable` that no other binary of `binaries` needs, directly or not.

    Roots are all binaries not in `prunable` (extension modules, Qt libraries and plugins,
    libpython); a library counts as needed when some reached binary names its file name (a
    soname) in `DT_NEEDED`.
    """
    entries = list(binaries)
    candidates = set(prunable)
    by_name: dict[str, list[Entry]] = {}
    for entry in entries:
        by_name.setdefault(_basename(entry[0]), []).append(entry)
    reached: set[str] = set()
    stack = [entry for entry in entries if entry[0] not in candidates]
    seen_src: set[str] = set()
    while stack:
        dest, src, _kind = stack.pop()
        reached.add(dest)
        if src in seen_src:
            continue
        seen_src.add(src)
        for name in needed_libraries(src):
            for entry in by_name.get(name, ()):
                if entry[0] not in reached:
                    stack.append(entry)
    return candidates - reached


def stripped(binaries: Iterable[Entry], workdir: Path) -> list[Entry]:
    """Copies of the ELF binaries without their symbol tables (`strip --strip-unneeded`, which
    keeps what the dynamic linker reads); the rest as they were.

    Libraries that auditwheel relocated into `*.libs/` folders (numpy's OpenBLAS) are left
    alone: patchelf gave them an unusual layout that strip breaks.
    """
    strip = shutil.which("strip")
    result: list[Entry] = []
    for dest, src, kind in binaries:
        unix_dest = dest.replace("\\", "/")
        if strip is None or ".libs/" in unix_dest or not _is_elf(src):
            result.append((dest, src, kind))
            continue
        target = workdir / unix_dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        done = subprocess.run([strip, "--strip-unneeded", str(target)], capture_output=True)
        result.append((dest, str(target) if done.returncode == 0 else src, kind))
    return result


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False
