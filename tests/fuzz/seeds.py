#!/usr/bin/env python3
"""Seed corpus of one fuzz target, from the real fixtures in tests/data
(standard library only).   usage: seeds.py TARGET TESTDATA OUTDIR

record       the first 64 KiB (whole records) of every real event file
event        record payloads of real event files (<= 40 per file)
writers      the same payloads (real doubles, steps and floats in them)
plugin_data  the plugin_data content of every summary value in them
markdown,
sanitize     the inputs of the recorded text cases (text/cases.txt)
path         every path TensorBoard was asked in the golden recordings
form         their query strings and request bodies (first line of a body
             is its Content-Type, as fuzz_form.c reads it)
timeseries   the "requests" field of the recorded timeSeries requests
accept_encoding  Accept-Encoding values browsers and tools send
wandb        the first 64 KiB of every real W&B log (tests/data/wandb)
hparams      the recorded hparams POST bodies, after a byte naming the route
"""
import json
import os
import struct
import sys
import urllib.parse


def event_files(data):
    for root, _, files in os.walk(os.path.join(data, "real")):
        for f in sorted(files):
            if "tfevents" in f:
                yield os.path.join(root, f)


def records(path, limit):
    data = open(path, "rb").read()
    off, k = 0, 0
    while off + 12 <= len(data) and k < limit:
        (length,) = struct.unpack_from("<Q", data, off)
        if off + 12 + length + 4 > len(data):
            break
        yield off, data[off + 12:off + 12 + length], off + 16 + length
        off += 16 + length
        k += 1


def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    """(field, wire, value) of a protobuf message; stops at anything odd."""
    i = 0
    try:
        while i < len(b):
            key, i = varint(b, i)
            wire = key & 7
            if wire == 0:
                v, i = varint(b, i)
            elif wire == 1:
                v, i = b[i:i + 8], i + 8
            elif wire == 5:
                v, i = b[i:i + 4], i + 4
            elif wire == 2:
                n, i = varint(b, i)
                v, i = b[i:i + n], i + n
            else:
                return
            yield key >> 3, wire, v
    except IndexError:
        return


def sub(b, num):
    return [v for f, w, v in fields(b) if f == num and w == 2]


def golden(data):
    return json.load(open(os.path.join(data, "golden", "responses", "index.json")))


def seeds(target, data):
    if target == "record":
        for path in event_files(data):
            head = open(path, "rb").read(1 << 16)
            end = 0
            for _, _, e in records(path, 10 ** 9):
                if e > len(head):
                    break
                end = e
            yield head[:end] if end else head
    elif target in ("event", "writers"):
        for path in event_files(data):
            for _, payload, _ in records(path, 40):
                yield payload
    elif target == "plugin_data":
        seen = set()
        for path in event_files(data):
            for _, payload, _ in records(path, 200):
                for summ in sub(payload, 5):
                    for val in sub(summ, 1):
                        for md in sub(val, 9):
                            for pd in sub(md, 1):
                                for content in sub(pd, 2):
                                    if content not in seen:
                                        seen.add(content)
                                        yield content
        yield b"\x08\x01"
    elif target in ("markdown", "sanitize"):
        raw = open(os.path.join(data, "text", "cases.txt"), "rb").read()
        pos = 0
        while True:
            i = raw.find(b"\nin ", pos)
            if i < 0:
                break
            j = raw.index(b"\n", i + 4)
            size = int(raw[i + 4:j])
            yield raw[j + 1:j + 1 + size]
            pos = j + 1 + size
    elif target == "path":
        for e in golden(data):
            yield urllib.parse.unquote(e["path"].split("?")[0]).lstrip("/").encode()
    elif target == "form":
        for e in golden(data):
            if "?" in e["path"]:
                yield e["path"].split("?", 1)[1].encode()
            if e.get("request_body"):
                ct = e["request_headers"].get("Content-Type", "")
                yield (ct + "\n" + e["request_body"]).encode()
    elif target == "timeseries":
        for e in golden(data):
            if e["path"].endswith("timeSeries") and e.get("note"):
                yield e["note"].encode()
    elif target == "accept_encoding":
        yield from (b"gzip, deflate, br", b"gzip;q=0", b"identity", b"*", b"x-gzip",
                    b"deflate, gzip;q=1.0, *;q=0.5", b"br;q=1.0, gzip;q=0.8, *;q=0.1")
    elif target == "wandb":
        for root, _, files in sorted(os.walk(os.path.join(data, "wandb"))):
            for f in sorted(files):
                if f.startswith("run-") and ".wandb" in f:
                    yield open(os.path.join(root, f), "rb").read()[:65536]
    elif target == "hparams":  # h3: fuzz_hparams.c's first byte picks the route
        routes = {"experiment": 0, "session_groups": 1, "metric_evals": 2}
        for data_dir in (data, os.path.join(data, "golden-real-plugins"),
                         os.path.join(data, "golden-real-more-plugins")):
            index = (golden(data) if data_dir == data else
                     json.load(open(os.path.join(data_dir, "index.json"))))
            for e in index:
                route = e["path"].rsplit("/", 1)[-1]
                if "/hparams/" in e["path"] and route in routes and e.get("request_body"):
                    yield bytes([routes[route]]) + e["request_body"].encode()
    elif target == "pbtext":
        # graphs plugin: 0 + a graph_def, 1 + a tagged run metadata (small ones)
        for path in event_files(data):
            for _, payload, _ in records(path, 20):
                for g in sub(payload, 4):
                    if len(g) < 65536:
                        yield b"\x00" + g
                for t in sub(payload, 8):
                    for md in sub(t, 2):
                        if len(md) < 65536:
                            yield b"\x01" + md
    else:
        sys.exit("seeds.py: unknown target " + target)


def main():
    target, data, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    n = 0
    for s in seeds(target, data):
        with open(os.path.join(out, "seed%05d" % n), "wb") as f:
            f.write(s)
        n += 1
    print("seeds %s: %d inputs" % (target, n))


if __name__ == "__main__":
    main()
