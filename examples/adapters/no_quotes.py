#!/usr/bin/env python3
"""A broken exporter: free text is written without the "…" the standard requires on every
free-text item (so every export with free text is refused, and a comma, a quote or a line
break inside it also breaks the record)."""

import renkei_wrap


def unquoted(field):
    if len(field) >= 2 and field[:1] == b'"' and field[-1:] == b'"':
        return field[1:-1].replace(b'""', b'"')
    return field


def unquote(name, data):
    return renkei_wrap.map_fields(name, data, lambda fs: [unquoted(f) for f in fs])


renkei_wrap.run("does not quote free text", export_fault=unquote)
