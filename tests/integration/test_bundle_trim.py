"""What build.spec's helpers (packaging/bundle_trim.py, packaging/icu_data.py) do, without a
build: the ICU data package format, the trimmed libicudata that Qt's ICU still works with, the
ELF dependency walk that prunes orphaned libraries, and stripping. Linux (ELF, PySide6's ICU).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import real_binary

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the Linux bundle's helpers read ELF files"
)


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


icu_data = _load("icu_data")
bundle_trim = _load("bundle_trim")


def _qt_lib() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "lib"


def _package(items: list[tuple[str, bytes]]) -> bytes:
    """A small common data package in ICU's layout (header, TOC, names, 16-aligned items)."""
    info = struct.pack("<HBBBBBB4s4s4s", 20, 0, 0, 0, 2, 0, 0, b"CmnD", b"\1\0\0\0", b"\3\0\0\0")
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + info
    header += b"\0" * (32 - len(header))
    return icu_data.IcuPackage(header, tuple(items)).to_bytes()  # type: ignore[no-any-return]


def test_a_package_keeps_its_items_and_their_alignment() -> None:
    items = [("pkg/a.res", b"A" * 20), ("pkg/brkitr/w.brk", b"B" * 48), ("pkg/z.res", b"Z" * 5)]
    blob = _package(items)
    parsed = icu_data.IcuPackage.parse(blob)
    assert [name for name, _ in parsed.items] == [name for name, _ in items]
    assert parsed.items[1][1] == b"B" * 48
    assert parsed.items[0][1].startswith(b"A" * 20)  # with its padding to the next item
    (count,) = struct.unpack_from("<I", blob, 32)
    offsets = [struct.unpack_from("<II", blob, 36 + 8 * i)[1] for i in range(count)]
    assert all(offset % 16 == 0 for offset in offsets)

    trimmed = icu_data.IcuPackage.parse(parsed.without(("brkitr",)).to_bytes())
    assert [name for name, _ in trimmed.items] == ["pkg/a.res", "pkg/z.res"]
    assert trimmed.items[1][1].startswith(b"Z" * 5)


def test_not_a_package_is_refused() -> None:
    with pytest.raises(icu_data.IcuDataError):
        icu_data.IcuPackage.parse(b"\x90\x00\xda\x27" + b"\0" * 40)


def test_qts_icu_data_round_trips_and_loses_only_the_unused_trees() -> None:
    library = next(_qt_lib().glob("libicudata.so.*"))
    blob = library.read_bytes()
    package = icu_data.package_of_library(library)
    offset, size = icu_data._elf_section(blob, ".rodata")
    assert package.to_bytes() == blob[offset : offset + size]  # byte for byte, as icupkg wrote it

    trimmed = package.without(icu_data.UNUSED_TREES)
    names = {name for name, _ in trimmed.items}
    assert not any(f"/{tree}/" in name for name in names for tree in icu_data.UNUSED_TREES)
    # what libQt6Core calls stays: collation, codecs, zones, the root and locale data
    assert any("/coll/" in name for name in names)
    assert any(name.endswith(".cnv") for name in names)
    assert any("/zone/" in name for name in names)
    assert any(name.endswith("/root.res") for name in names)
    saved = len(package.to_bytes()) - len(trimmed.to_bytes())
    assert saved > 12 * 2**20


def test_the_trimmed_library_serves_what_qt_calls(tmp_path: Path) -> None:
    real_binary("cc")
    qt = _qt_lib()
    original = next(qt.glob("libicudata.so.*"))
    smaller = icu_data.trimmed_library(original, tmp_path / "work")
    assert smaller is not None
    assert smaller.stat().st_size < original.stat().st_size * 0.6
    folder = tmp_path / "icu"
    folder.mkdir()
    for lib in qt.glob("libicu*.so.*"):
        shutil.copy2(lib, folder / lib.name)
    shutil.copy2(smaller, folder / original.name)
    probe = Path(__file__).with_name("icu_probe.py")

    def run(where: Path) -> dict[str, object]:
        done = subprocess.run([sys.executable, str(probe), str(where)], capture_output=True,
                              text=True, timeout=60, check=True)
        result: dict[str, object] = json.loads(done.stdout)
        return result

    trimmed = run(folder)
    assert trimmed == {
        "collator": True, "a_umlaut_before_b": True, "shift_jis": True,
        "berlin": "Central European Standard Time", "word_breaks": False,
    }
    assert run(qt)["word_breaks"] is True  # the full data has them: the probe can tell


def test_an_unexpected_library_is_left_as_it_is(tmp_path: Path) -> None:
    real_binary("cc")
    impostor = tmp_path / "libicudata.so.73"
    shutil.copy2(_qt_lib() / "libQt6Svg.so.6", impostor)  # an ELF file without an ICU package
    assert icu_data.trimmed_library(impostor, tmp_path / "work") is None


def test_needed_libraries_reads_dt_needed(tmp_path: Path) -> None:
    import PySide6

    qtcore = next(Path(PySide6.__file__).parent.glob("QtCore.abi3.so"))
    assert "libQt6Core.so.6" in bundle_trim.needed_libraries(qtcore)
    text = tmp_path / "notes.txt"
    text.write_text("not an ELF file")
    assert bundle_trim.needed_libraries(text) == []


def test_unreachable_finds_libraries_only_dropped_items_needed() -> None:
    import PySide6

    here = Path(PySide6.__file__).parent
    qt = _qt_lib()
    binaries = [
        ("PySide6/QtCore.abi3.so", str(here / "QtCore.abi3.so"), "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Core.so.6", str(qt / "libQt6Core.so.6"), "BINARY"),
        # libicuuc is reached through libQt6Core; libQt6Svg through nothing that stays
        ("libicuuc.so.73", str(next(qt.glob("libicuuc.so.*"))), "BINARY"),
        ("libQt6Svg.so.6", str(qt / "libQt6Svg.so.6"), "BINARY"),
    ]
    orphans = bundle_trim.unreachable(binaries, ["libicuuc.so.73", "libQt6Svg.so.6"])
    assert orphans == {"libQt6Svg.so.6"}


def test_stripped_copies_only_elf_files_outside_dot_libs(tmp_path: Path) -> None:
    real_binary("strip")
    import PySide6

    extension = next(Path(PySide6.__file__).parent.glob("QtSvg.abi3.so"))
    note = tmp_path / "note.txt"
    note.write_text("hello")
    entries = [
        ("PySide6/QtSvg.abi3.so", str(extension), "EXTENSION"),
        ("numpy.libs/QtSvg.abi3.so", str(extension), "BINARY"),
        ("note.txt", str(note), "DATA"),
    ]
    out = bundle_trim.stripped(entries, tmp_path / "stripped")
    assert out[0][1] == str(tmp_path / "stripped" / "PySide6" / "QtSvg.abi3.so")
    assert Path(out[0][1]).stat().st_size <= extension.stat().st_size
    assert bundle_trim.needed_libraries(out[0][1]) == bundle_trim.needed_libraries(extension)
    assert out[1:] == entries[1:]
