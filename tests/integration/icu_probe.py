"""Calls, through ctypes, the ICU functions that libQt6Core uses, from the ICU in one folder.

    python icu_probe.py FOLDER    # FOLDER holds libicuuc.so.NN, libicui18n.so.NN, libicudata.so.NN

Prints one JSON object: whether a German collator opens and orders "ä" before "b", whether the
Shift_JIS codec opens, the English name of Europe/Berlin, and whether word-break iteration (data
that the bundle leaves out) is available. Run it in its own process: a process that has loaded
Qt already has an ICU of the same soname, and the dynamic linker would reuse it.
"""

from __future__ import annotations

import ctypes
import json
import re
import sys
from pathlib import Path
from typing import Any

UChars = ctypes.c_uint16


def _uchars(text: str) -> Any:
    units = text.encode("utf-16-le")
    values = [int.from_bytes(units[i : i + 2], "little") for i in range(0, len(units), 2)]
    return (UChars * (len(values) + 1))(*values, 0)


def main() -> None:
    folder = Path(sys.argv[1])
    data = next(folder.glob("libicudata.so.*"))
    version = re.fullmatch(r"libicudata\.so\.(\d+).*", data.name)
    assert version is not None
    v = version.group(1)
    uc = ctypes.CDLL(str(folder / f"libicuuc.so.{v}"))
    i18n = ctypes.CDLL(str(folder / f"libicui18n.so.{v}"))

    def call(lib: ctypes.CDLL, name: str, *args: Any, restype: Any = ctypes.c_void_p) -> Any:
        function = getattr(lib, f"{name}_{v}")
        function.restype = restype
        status = ctypes.c_int(0)
        result = function(*args, ctypes.byref(status))
        return result if status.value <= 0 else None  # > 0: an ICU error code

    out: dict[str, object] = {}
    collator = call(i18n, "ucol_open", b"de")
    out["collator"] = bool(collator)
    if collator:
        strcoll = getattr(i18n, f"ucol_strcoll_{v}")
        strcoll.restype = ctypes.c_int
        order = strcoll(ctypes.c_void_p(collator), _uchars("ä"), -1, _uchars("b"), -1)
        out["a_umlaut_before_b"] = order < 0
    out["shift_jis"] = bool(call(uc, "ucnv_open", b"Shift_JIS"))
    calendar = call(i18n, "ucal_open", _uchars("Europe/Berlin"), -1, b"en_US", 0)
    name = (UChars * 64)()
    length = call(i18n, "ucal_getTimeZoneDisplayName", ctypes.c_void_p(calendar), 0, b"en_US",
                  name, 64, restype=ctypes.c_int) if calendar else None
    out["berlin"] = bytes(name)[: 2 * length].decode("utf-16-le") if length else None
    out["word_breaks"] = bool(call(i18n, "ubrk_open", 1, b"en", _uchars("a b"), 3))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
