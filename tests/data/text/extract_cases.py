#!/usr/bin/env python3
"""Rebuild cases.txt from TensorBoard's recorded responses.

Usage: extract_cases.py FIXTURES_DIR > cases.txt
FIXTURES_DIR holds golden/ (responses + logdir-small) and golden-real/ + real/.
Only the standard library is used: TFRecord framing and the few protobuf fields
needed (Event.summary, Summary.Value tag/metadata/tensor, TensorProto shape and
string_val, SummaryMetadata plugin name and summary_description) are decoded by
hand. Not run by the tests; tbserve's tests only read cases.txt.
"""
import json, os, struct, sys, urllib.parse


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        k, i = varint(b, i)
        f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % w)
        out.append((f, v))
    return out


def records(path):
    d, i = open(path, "rb").read(), 0
    while i + 12 <= len(d):
        (n,) = struct.unpack("<Q", d[i:i + 8])
        i += 12
        if i + n + 4 > len(d):
            break
        yield d[i:i + n]
        i += n + 4


def walk(root):
    texts, descs = {}, {}
    for dp, _, fn in os.walk(root):
        for f in sorted(fn):
            if "tfevents" not in f:
                continue
            run = os.path.relpath(dp, root)
            for rec in records(os.path.join(dp, f)):
                ev = fields(rec)
                step = next((v for k, v in ev if k == 2), 0)
                for k, summ in ev:
                    if k != 5:
                        continue
                    for sk, val in fields(summ):
                        if sk != 1:
                            continue
                        tag = meta = tensor = None
                        for vk, vv in fields(val):
                            if vk == 1:
                                tag = vv.decode()
                            elif vk == 9:
                                meta = vv
                            elif vk == 8:
                                tensor = vv
                        plugin = desc = None
                        for mk, mv in fields(meta or b""):
                            if mk == 1:
                                plugin = next((pv.decode() for pk, pv in fields(mv) if pk == 1), None)
                            elif mk == 3:
                                desc = mv
                        if desc:
                            descs.setdefault((run, tag), desc)
                        if plugin == "text" and tensor is not None:
                            dims, strs = [], []
                            for tk, tv in fields(tensor):
                                if tk == 2:
                                    for dk, dv in fields(tv):
                                        if dk == 2:
                                            dims.append(next((z for zk, z in fields(dv) if zk == 1), 0))
                                elif tk == 8:
                                    strs.append(tv)
                            texts.setdefault((run, tag), {})[step] = (dims, strs)
    return texts, descs


def cases(resp_dir, logdir):
    texts, descs = walk(logdir)
    index = json.load(open(os.path.join(resp_dir, "index.json")))
    out, seen = [], set()
    for e in index:
        f = e["file"]
        if "_text_text" not in f or e["status"] != 200:
            continue
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(e["path"]).query)
        run, tag = q["run"][0], q["tag"][0]
        mode = "plain" if q.get("markdown", [""])[0] == "false" else "markdown"
        for r in json.load(open(os.path.join(resp_dir, f))):
            dims, strs = texts[(run, tag)][r["step"]]
            out.append(("%s step %d" % (f, r["step"]), mode, dims, strs, r["text"].encode()))
    for e in index:
        f = e["file"]
        if not f.endswith(".json") or e["status"] != 200:
            continue
        body = json.load(open(os.path.join(resp_dir, f)))

        def visit(o, run=None):
            if not isinstance(o, dict):
                return
            for k, v in o.items():
                if isinstance(v, dict) and isinstance(v.get("description"), str) and run:
                    d = descs.get((run, k))
                    if d and d not in seen:
                        seen.add(d)
                        out.append(("%s description of %s" % (f, k), "markdown", [], [d],
                                    v["description"].encode()))
                visit(v, k)

        visit(body)
    return out


def main():
    fx = sys.argv[1]
    w = sys.stdout.buffer
    w.write(b"# Recorded TensorBoard 2.22 answers; see README.md. Generated by extract_cases.py.\n")
    all_cases = cases(os.path.join(fx, "golden/responses"), os.path.join(fx, "golden/logdir-small"))
    all_cases += cases(os.path.join(fx, "golden-real"), os.path.join(fx, "real"))
    for name, mode, dims, strs, expect in all_cases:
        w.write(b"case %s\nmode %s\ndims%s\n" % (name.encode(), mode.encode(),
                                                 b"".join(b" %d" % d for d in dims)))
        for s in strs:
            w.write(b"in %d\n%s\n" % (len(s), s))
        w.write(b"out %d\n%s\nend\n" % (len(expect), expect))


if __name__ == "__main__":
    main()
