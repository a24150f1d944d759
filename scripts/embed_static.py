#!/usr/bin/env python3
"""Embed static web assets into C: embed_static.py OUT.c ROOT FILE...

For each file: its path relative to ROOT (the URL path), MIME type, raw bytes,
gzip bytes (level 9, mtime 0) and an ETag (first 16 hex digits of SHA-256).
Generated at build time; never committed.

Vendored files live outside ROOT (node_modules/, installed by
scripts/npm-deps.sh): a FILE outside ROOT is served as vendor/<basename>, and
an argument URL=FILE names the URL path explicitly."""
import gzip
import hashlib
import os
import sys

MIME = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".map": "application/json",
    ".woff2": "font/woff2",
}


def c_bytes(data):
    out = []
    for i in range(0, len(data), 20):
        out.append("".join("%d," % b for b in data[i:i + 20]))
    return "\n".join(out)


def url_path(root, arg):
    """(URL path, file) for one argument: URL=FILE, a file under ROOT, or a
    vendored file outside ROOT (served as vendor/<basename>)."""
    if "=" in arg and not os.path.exists(arg):
        url, path = arg.split("=", 1)
        return "/" + url.lstrip("/"), path
    rel = os.path.relpath(arg, root).replace(os.sep, "/")
    if rel.startswith("../"):
        rel = "vendor/" + os.path.basename(arg)
    return "/" + rel, arg


def main():
    out, root, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    parts = ['#include "static_files.h"', ""]
    entries = []
    for n, (rel, path) in enumerate(sorted(url_path(root, f) for f in files)):
        if not os.path.isfile(path):
            sys.exit("embed_static.py: %s is missing (for node_modules/, run scripts/npm-deps.sh)" % path)
        raw = open(path, "rb").read()
        gz = gzip.compress(raw, compresslevel=9, mtime=0)
        etag = '"' + hashlib.sha256(raw).hexdigest()[:16] + '"'
        mime = MIME.get(os.path.splitext(path)[1], "application/octet-stream")
        parts.append("static const unsigned char raw%d[] = {%s};" % (n, c_bytes(raw) or "0"))
        parts.append("static const unsigned char gz%d[] = {%s};" % (n, c_bytes(gz)))
        entries.append('\t{ "%s", "%s", raw%d, %d, gz%d, %d, "%s" },' % (
            rel, mime, n, len(raw), n, len(gz), etag.replace('"', '\\"')))
    parts.append("const tb_static_file tb_static_files[] = {")
    parts.extend(entries)
    parts.append("\t{ 0 }\n};")
    with open(out, "w") as f:
        f.write("\n".join(parts) + "\n")


main()
