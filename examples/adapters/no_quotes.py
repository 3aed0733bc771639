#!/usr/bin/env python3
"""A broken exporter: free text is written without the "…" the standard requires, so a
comma, a quote or a line break inside it breaks the record."""

import renkei_wrap


def unquote(name, data):
    if not renkei_wrap.is_csv(name):
        return data
    out = b""
    for rec in renkei_wrap.records(data):
        body, ending = renkei_wrap.split_ending(rec)
        fs = []
        for f in renkei_wrap.fields(body):
            if len(f) >= 2 and f[:1] == b'"' and f[-1:] == b'"':
                f = f[1:-1].replace(b'""', b'"')
            fs.append(f)
        out += b",".join(fs) + ending
    return out


renkei_wrap.run("does not quote free text", export_fault=unquote)
