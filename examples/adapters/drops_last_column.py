#!/usr/bin/env python3
"""A broken exporter: every record loses its last item (識別子 and friends).

The typical bug of a hand-written CSV layout that stops one column short."""

import renkei_wrap


def drop_last(name, data):
    if not renkei_wrap.is_csv(name):
        return data
    out = b""
    for rec in renkei_wrap.records(data):
        body, ending = renkei_wrap.split_ending(rec)
        out += b",".join(renkei_wrap.fields(body)[:-1]) + ending
    return out


renkei_wrap.run("drops the last column", export_fault=drop_last)
