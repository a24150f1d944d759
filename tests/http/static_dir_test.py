#!/usr/bin/env python3
"""--static_dir cannot be left: a real tbserve serving a scratch directory
is asked for files outside it in every spelling we know, and must answer
4xx without a byte of them, while files inside are served.

usage: static_dir_test.py path/to/tbserve

The scratch tree (made fresh in a temporary directory):
    secret.txt                    outside the root ("TOP-SECRET-1")
    outside/secret2.txt           outside the root ("TOP-SECRET-2")
    root/                         --static_dir
        index.html, sub/ok.txt    inside, served
        link_file -> ../secret.txt       symlink to a file outside
        link_dir  -> ../outside          symlink to a directory outside
        sub/link_up -> ../../outside     the same, one level down
Requests are sent as raw bytes (no client normalises the path first).
Prints one line per case and 'N passed, N failed'.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGDIR = os.path.join(ROOT, "tests", "data", "golden", "logdir-small")
SECRET = b"TOP-SECRET"

# Every way out we know of. Each must answer 400 or 404 and leak nothing.
ESCAPES = [
    "/../secret.txt",                    # plain
    "/sub/../../secret.txt",
    "/%2e%2e/secret.txt",                # encoded dots
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/%2e./secret.txt",
    "/..%2fsecret.txt",                  # encoded slash
    "/..%2Fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/sub%2f..%2f..%2fsecret.txt",
    "/%252e%252e/secret.txt",            # double encoding (must stay literal)
    "/%252e%252e%252fsecret.txt",
    "/..\\secret.txt",                   # backslash
    "/..%5csecret.txt",
    "/..%5Csecret.txt",
    "/sub\\..\\..\\secret.txt",
    "//etc/passwd",                      # absolute paths
    "/%2fetc%2fpasswd",
    "/%2Fetc/passwd",
    "/" + os.path.join("ROOT_TMP", "secret.txt"),   # absolute path of the secret
    "/link_file",                        # symlinks out of the directory
    "/link_dir/secret2.txt",
    "/sub/link_up/secret2.txt",
    "/link_dir%2fsecret2.txt",
    "/./../secret.txt",                  # dot segments
    "/sub/./../../secret.txt",
    "/..;/secret.txt",
    "/...//secret.txt",
]
# NUL: libmicrohttpd decodes %00 and tbserve sees the path end there. So
# these must answer 4xx, or exactly the file the path names before its NUL
# (inside the root) -- never anything further along.
NULS = ["/.%00./secret.txt", "/secret.txt%00.html", "/%00/../secret.txt",
        "/sub/ok.txt%00/../../../secret.txt", "/link_dir%00/secret2.txt"]
# Inside the root: these must be served byte for byte with their type, so a
# server that refuses everything cannot pass. (path, file, Content-Type)
INSIDE = [("/", "index.html", "text/html; charset=utf-8"),
          ("/index.html", "index.html", "text/html; charset=utf-8"),
          ("/sub/ok.txt", "sub/ok.txt", "application/octet-stream"),
          ("/app.js", "app.js", "text/javascript; charset=utf-8"),
          ("/style.css", "style.css", "text/css; charset=utf-8"),
          ("/sub/data.json", "sub/data.json", "application/json")]
# Inside but not served: a directory, a file over the 16 MiB limit.
REFUSED = ["/sub", "/sub/", "/big.bin"]


def make_tree(tmp):
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "sub"))
    os.makedirs(os.path.join(tmp, "outside"))
    with open(os.path.join(tmp, "secret.txt"), "wb") as f:
        f.write(SECRET + b"-1\n")
    with open(os.path.join(tmp, "outside", "secret2.txt"), "wb") as f:
        f.write(SECRET + b"-2\n")
    with open(os.path.join(root, "index.html"), "wb") as f:
        f.write(b"<p>ROOT-INDEX</p>\n")
    with open(os.path.join(root, "sub", "ok.txt"), "wb") as f:
        f.write(b"OK-FILE\n")
    for name, data in (("app.js", b"export const x = 1;\n"), ("style.css", b"body{}\n"),
                       ("sub/data.json", b'{"a": 1}\n')):
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.truncate(16 * 1024 * 1024 + 1)
    os.symlink("../secret.txt", os.path.join(root, "link_file"))
    os.symlink("../outside", os.path.join(root, "link_dir"))
    os.symlink("../../outside", os.path.join(root, "sub", "link_up"))
    return root


def start(binary, static_dir):
    p = subprocess.Popen([binary, "--logdir", LOGDIR, "--port", "0", "--reload_interval", "0",
                          "--static_dir", static_dir], stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 20
    lines = []
    while time.time() < deadline:
        line = p.stderr.readline()
        lines.append(line)
        m = re.search(r" at http://[^:]+:(\d+)/", line)
        if m:
            port = int(m.group(1))
        if port and "loaded" in line:
            break
    if not port:
        p.kill()
        sys.exit("tbserve did not start: " + "".join(lines))
    threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
    return p, port


def get(port, target, headers=False):
    """GET target sent byte for byte; returns (status, body[, headers])."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET " + target.encode("latin-1") + b" HTTP/1.1\r\nHost: localhost\r\n"
              b"Connection: close\r\n\r\n")
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", out)
    head, _, body = out.partition(b"\r\n\r\n")
    if headers:
        hdrs = dict(ln.split(": ", 1) for ln in head.decode("latin-1").split("\r\n")[1:] if ": " in ln)
        return (int(m.group(1)) if m else None), body, hdrs
    return (int(m.group(1)) if m else None), body


def main():
    binary = sys.argv[1]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = make_tree(tmp)
        p, port = start(binary, root)
        try:
            for target, name, ctype in INSIDE:
                status, body, hdrs = get(port, target, headers=True)
                want = open(os.path.join(root, name), "rb").read()
                ok = status == 200 and body == want and hdrs.get("Content-Type") == ctype
                print("%s inside %s -> %s %s" % ("ok  " if ok else "FAIL", target, status,
                                                 hdrs.get("Content-Type")))
                passed, failed = passed + ok, failed + (not ok)
            for target in REFUSED:
                status, body = get(port, target)
                ok = status == 404
                print("%s refused %s -> %s" % ("ok  " if ok else "FAIL", target, status))
                passed, failed = passed + ok, failed + (not ok)
            for target in ESCAPES:
                target = target.replace("ROOT_TMP", tmp.lstrip("/"))
                status, body = get(port, target)
                ok = status in (400, 404) and SECRET not in body
                print("%s escape %s -> %s%s" % ("ok  " if ok else "FAIL", target, status,
                                                "" if SECRET not in body else " LEAKED " + repr(body[:40])))
                passed, failed = passed + ok, failed + (not ok)
            for target in NULS:
                status, body = get(port, target)
                named = target.split("%00")[0].strip("/") or "index.html"
                path = os.path.join(root, named)
                inside = os.path.isfile(path) and not os.path.islink(path)
                ok = SECRET not in body and (status in (400, 404) or (
                    status == 200 and inside and body == open(path, "rb").read()))
                print("%s NUL %s -> %s" % ("ok  " if ok else "FAIL", target, status))
                passed, failed = passed + ok, failed + (not ok)
            status, body = get(port, "/data/runs")
            ok = status == 200 and p.poll() is None
            print("%s still serving the API -> %s" % ("ok  " if ok else "FAIL", status))
            passed, failed = passed + ok, failed + (not ok)
        finally:
            p.terminate()
            p.wait(timeout=10)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
