#!/usr/bin/env python3
"""Seed corpus for fuzz_markdown: every input string of the recorded text
cases (tests/data/text/cases.txt). usage: seed_text.py CASES OUT"""
import os
import sys

data = open(sys.argv[1], "rb").read()
out = sys.argv[2]
n = 0
pos = 0
while True:
    i = data.find(b"\nin ", pos)
    if i < 0:
        break
    j = data.index(b"\n", i + 4)
    size = int(data[i + 4:j])
    with open(os.path.join(out, "t%04d" % n), "wb") as o:
        o.write(data[j + 1:j + 1 + size])
    n += 1
    pos = j + 1 + size
print("seed_text: %d inputs" % n)
