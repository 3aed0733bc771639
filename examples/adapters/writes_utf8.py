#!/usr/bin/env python3
"""A broken exporter: writes its CSV files in UTF-8 instead of Shift_JIS (MS932).

The typical bug of software moved to a cloud platform whose default encoding is UTF-8.
`renkei certify` fails every export whose data is not plain ASCII."""

import renkei_wrap


def to_utf8(name, data):
    return data.decode("cp932").encode("utf-8") if renkei_wrap.is_csv(name) else data


renkei_wrap.run("writes UTF-8", export_fault=to_utf8)
