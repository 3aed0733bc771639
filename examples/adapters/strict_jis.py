#!/usr/bin/env python3
"""A broken importer: decodes with a strict JIS X 0208 Shift_JIS table instead of MS932.

～ (0x8160) becomes 〜 U+301C, － ∥ ￠ ￡ ￢ become − ‖ ¢ £ ¬, and the NEC special and
IBM extension characters (①, ㈱, 髙, 﨑 …) are lost (U+FFFD). The most common cross-vendor
import error."""

import renkei_wrap


def as_strict_jis(value):
    return value.encode("cp932").decode("shift_jis", errors="replace")


renkei_wrap.run(
    "decodes with strict JIS X 0208",
    import_json_fault=lambda unit: renkei_wrap.map_values(unit, as_strict_jis),
)
