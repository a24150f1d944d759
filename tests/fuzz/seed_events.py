#!/usr/bin/env python3
"""Seed corpus for fuzz_event: the record payloads of real event files (at
most 40 per file, standard library only). usage: seed_events.py DIR OUT"""
import os
import struct
import sys

src, out = sys.argv[1], sys.argv[2]
n = 0
for root, _, files in os.walk(src):
    for f in sorted(files):
        if "tfevents" not in f:
            continue
        data = open(os.path.join(root, f), "rb").read()
        off, k = 0, 0
        while off + 12 <= len(data) and k < 40:
            (length,) = struct.unpack_from("<Q", data, off)
            if off + 12 + length + 4 > len(data):
                break
            with open(os.path.join(out, "r%05d" % n), "wb") as o:
                o.write(data[off + 12:off + 12 + length])
            off += 12 + length + 4
            k += 1
            n += 1
print("seed_events: %d payloads" % n)
