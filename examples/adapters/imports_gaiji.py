#!/usr/bin/env python3
"""A broken importer: 外字 (user-defined characters, lead bytes F0–F9) are imported silently
as 〓 instead of refusing the file, so a name is changed without anybody being told."""

import renkei_wrap

GETA = "〓".encode("cp932")


def hide_gaiji(name, data):
    if not renkei_wrap.is_csv(name):
        return data
    return b"".join(
        GETA if len(ch) == 2 and 0xF0 <= ch[0] <= 0xF9 else ch
        for ch in renkei_wrap.ms932_chars(data)
    )


renkei_wrap.run("imports 外字 silently", import_files_fault=hide_gaiji)
