"""The ICU data that Qt needs, without the 14 MB that it never reads (Linux bundle only).

PySide6's Qt on Linux links ICU 73, whose `libicudata.so.73` is nothing but one ~31 MB
"common data" package (the symbol `icudt73_dat`). libQt6Core calls ICU only for collation
(`ucol_*`: QCollator), legacy text codecs (`ucnv_*`: QStringConverter), time-zone names and
calendars (`ucal_*`: QTimeZone's ICU fallback) and case mapping (`u_strTo*`, whose tables are
compiled into libicuuc). So the trees that serve ICU's formatting and text APIs, which Qt does
not call (break iteration, units, currencies, language and region display names,
transliteration, spelled-out numbers), can go; everything at the root (locales, aliases, zone
rules, normalisation) and the collation, codec and zone trees stay.

The package format ("CmnD", ICU's `ucmndata.h`): a data header (2-byte size, magic 0xda 0x27,
UDataInfo with the format "CmnD"), then a table of contents `uint32 count` and `count` pairs
`(uint32 nameOffset, uint32 dataOffset)`, both relative to the start of the table, the names
sorted (ICU binary-searches them), then the items, each aligned to 16 bytes. An item's length
is the distance to the next item's offset.

`trimmed_library` writes a new `libicudata.so.NN` around the filtered package with the C
compiler (an assembler `.incbin`), or returns None when it cannot, and the build keeps the
original library.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

# the trees of icudtNNl/ that nothing Qt calls ever opens
UNUSED_TREES = ("brkitr", "unit", "curr", "lang", "region", "translit", "rbnf")
_ALIGN = 16
_MAGIC = b"\xda\x27"
_PAD = b"\xaa"  # what ICU's icupkg pads with: an untouched package round-trips byte for byte


class IcuDataError(ValueError):
    """The bytes are not an ICU common data package (or not one this code understands)."""


@dataclass(frozen=True)
class IcuPackage:
    """An ICU common data package: its header as it was and its items, in name order."""

    header: bytes
    items: tuple[tuple[str, bytes], ...]

    @staticmethod
    def parse(blob: bytes, start: int = 0, end: int | None = None) -> IcuPackage:
        """The package at `blob[start:end]` (`end`: where the last item ends)."""
        end = len(blob) if end is None else end
        if blob[start + 2 : start + 4] != _MAGIC or blob[start + 12 : start + 16] != b"CmnD":
            raise IcuDataError("not an ICU common data package (CmnD)")
        if blob[start + 8] != 0:  # UDataInfo.isBigEndian
            raise IcuDataError("a big-endian ICU package")
        (header_size,) = struct.unpack_from("<H", blob, start)
        toc = start + header_size
        (count,) = struct.unpack_from("<I", blob, toc)
        entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
        items = []
        for i, (name_at, data_at) in enumerate(entries):
            name_end = blob.index(b"\0", toc + name_at)
            stop = toc + entries[i + 1][1] if i + 1 < count else end
            name = blob[toc + name_at : name_end].decode("ascii")
            items.append((name, blob[toc + data_at : stop]))
        return IcuPackage(blob[start:toc], tuple(items))

    def without(self, trees: tuple[str, ...]) -> IcuPackage:
        """The package less every item under `<package>/<tree>/` for each of `trees`."""
        drop = tuple(f"/{tree}/" for tree in trees)
        kept = tuple(item for item in self.items if not any(d in item[0] for d in drop))
        return IcuPackage(self.header, kept)

    def to_bytes(self) -> bytes:
        """The package as ICU reads it: header, table of contents, names, 16-aligned items."""
        count = len(self.items)
        names = b"".join(name.encode("ascii") + b"\0" for name, _ in self.items)
        name_at = 4 + 8 * count
        data_at = _aligned(name_at + len(names))
        toc = bytearray(struct.pack("<I", count))
        body = bytearray()
        cursor_name = name_at
        for name, data in self.items:
            toc += struct.pack("<II", cursor_name, data_at + len(body))
            cursor_name += len(name) + 1
            body += data + _PAD * (_aligned(len(data)) - len(data))
        table = bytes(toc) + names
        table += _PAD * (data_at - len(table))
        return self.header + table + bytes(body)

    def size_of(self, tree: str) -> int:
        """Bytes of the items under `<package>/<tree>/`."""
        return sum(len(data) for name, data in self.items if f"/{tree}/" in name)


def _aligned(size: int) -> int:
    return (size + _ALIGN - 1) // _ALIGN * _ALIGN


def _elf_section(blob: bytes, wanted: str) -> tuple[int, int]:
    """(file offset, size) of the section `wanted` of a little-endian ELF64 file."""
    if blob[:4] != b"\x7fELF" or blob[4] != 2 or blob[5] != 1:
        raise IcuDataError("not a little-endian 64-bit ELF file")
    (shoff,) = struct.unpack_from("<Q", blob, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", blob, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]
    for name, _type, _flags, _addr, offset, size in headers:
        label = blob[names_at + name : blob.index(b"\0", names_at + name)].decode("ascii")
        if label == wanted:
            return offset, size
    raise IcuDataError(f"no {wanted} section")


def package_of_library(library: Path) -> IcuPackage:
    """The ICU package inside a `libicudata.so.NN` (its `.rodata` holds nothing else)."""
    blob = library.read_bytes()
    offset, size = _elf_section(blob, ".rodata")
    return IcuPackage.parse(blob, offset, offset + size)


def _symbol_for(library: Path) -> str:
    match = re.fullmatch(r"libicudata\.so\.(\d+)(?:\.\d+)*", library.name)
    if match is None:
        raise IcuDataError(f"{library.name} is not named like libicudata.so.NN")
    return f"icudt{match.group(1)}_dat"


_ASSEMBLY = """\
    .section .rodata
    .globl {symbol}
    .type {symbol}, @object
    .balign 16
{symbol}:
    .incbin "{data}"
    .size {symbol}, . - {symbol}
    .section .note.GNU-stack,"",@progbits
"""


def trimmed_library(
    library: Path, workdir: Path, trees: tuple[str, ...] = UNUSED_TREES
) -> Path | None:
    """A copy of `library` (libicudata.so.NN) without `trees`, built in `workdir`; None when
    no C compiler is at hand, the library is not laid out as expected, or the build fails (the
    caller keeps the original)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    try:
        package = package_of_library(library).without(trees)
        symbol = _symbol_for(library)
    except (IcuDataError, ValueError, IndexError, struct.error):
        return None
    soname = library.name.split(".so.")[0] + ".so." + library.name.split(".so.")[1].split(".")[0]
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "icudata.dat"
    data.write_bytes(package.to_bytes())
    source = workdir / "icudata.S"
    source.write_text(_ASSEMBLY.format(symbol=symbol, data=data), encoding="ascii")
    out = workdir / library.name
    built = subprocess.run(
        [compiler, "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-Wl,-z,noexecstack",
         "-o", str(out), str(source)],
        capture_output=True, text=True, check=False,
    )
    if built.returncode != 0:
        return None
    return out
