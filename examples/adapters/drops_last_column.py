#!/usr/bin/env python3
"""A broken exporter: every record loses its last item (識別子 and friends).

The typical bug of a hand-written CSV layout that stops one column short."""

import renkei_wrap


def drop_last(name, data):
    return renkei_wrap.map_fields(name, data, lambda fs: fs[:-1])


renkei_wrap.run("drops the last column", export_fault=drop_last)
