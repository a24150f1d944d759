#!/usr/bin/env python3
"""Hostile clients against a real tbserve: every bad request gets a precise
4xx (or is cut off by a limit) and the server keeps serving everyone else.

usage: hostile_client.py path/to/tbserve

Starts tbserve on tests/data/golden/logdir-small (port chosen by the OS),
runs each case, then checks the server still answers a normal request.
Prints one line per case and a final 'N passed, N failed' line.
"""
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGDIR = os.path.join(ROOT, "tests", "data", "golden", "logdir-small")
results = []


def start(binary):
    p = subprocess.Popen([binary, "--logdir", LOGDIR, "--port", "0", "--reload_interval", "0"],
                         stderr=subprocess.PIPE, text=True)
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


def request(port, method, path, body=None, headers=None, source="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheader("Content-Type"), data


def raw(port, data, read=True, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    if read:
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out and len(out) > 12:
                    break
        except OSError:
            pass
    s.close()
    return out


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else None


def case(name):
    def wrap(fn):
        def run(port):
            try:
                fn(port)
                results.append((name, None))
            except AssertionError as e:
                results.append((name, str(e) or "assertion failed"))
            except Exception as e:  # noqa: BLE001 - a crash of the case is a failure
                results.append((name, "%s: %s" % (type(e).__name__, e)))
        run.case_name = name
        return run
    return wrap


def healthy(port, source="127.0.0.1"):
    status, _, body = request(port, "GET", "/data/runs", source=source)
    assert status == 200 and body.startswith(b'["'), "server stopped answering: %r" % status


@case("overlong URL -> 414")
def overlong_url(port):
    st = status_of(raw(port, b"GET /data/runs?x=" + b"a" * 1000000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"))
    assert st == 414, st
    healthy(port)


@case("overlong header -> 431")
def overlong_header(port):
    st = status_of(raw(port, b"GET /data/runs HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"b" * 1000000 + b"\r\n\r\n"))
    assert st in (431, 413), st
    healthy(port)


@case("bad percent-encoding in run -> 404 naming it")
def bad_percent(port):
    status, ctype, body = request(port, "GET", "/data/plugin/scalars/scalars?run=%ZZ%&tag=loss")
    assert status == 404 and ctype.startswith("text/plain"), (status, ctype)
    assert body.startswith(b"Not found: No scalar data for run='%ZZ%'"), body
    healthy(port)


@case("invalid UTF-8 in run -> 404 text/plain")
def invalid_utf8(port):
    status, ctype, body = request(port, "GET", "/data/plugin/scalars/scalars?run=%FF%FE%C0&tag=loss")
    assert status == 404 and ctype == "text/plain; charset=utf-8", (status, ctype)
    status, ctype, body = request(port, "GET", "/data/plugin/histograms/histograms?run=%ED%A0%80&tag=x")
    assert status == 404, status
    healthy(port)


@case("hundreds of parameters -> 400; thousands cut off")
def many_params(port):
    q = "&".join("p%d=1" % i for i in range(400))
    status, ctype, body = request(port, "GET", "/data/runs?" + q)
    assert status == 400 and body.startswith(b"Invalid argument: too many query"), (status, body)
    # more fields than the connection's memory can parse: a 4xx, or closed
    q = "&".join("p%d=1" % i for i in range(5000))
    st = status_of(raw(port, ("GET /data/runs?%s HTTP/1.1\r\nHost: localhost\r\n\r\n" % q).encode()))
    assert st is None or 400 <= st < 500, st
    healthy(port)


@case("missing run/tag on every plugin -> 400 Invalid argument")
def missing_args(port):
    for path in ("/data/plugin/scalars/scalars", "/data/plugin/histograms/histograms",
                 "/data/plugin/distributions/distributions", "/data/plugin/text/text"):
        status, ctype, body = request(port, "GET", path + "?run=baseline")
        assert status == 400 and body.startswith(b"Invalid argument: "), (path, status, body[:80])
        assert b"tag" in body, body


@case("huge POST body -> 413")
def huge_body(port):
    # declared too large: answered before the body is read
    st = status_of(raw(port, b"POST /data/plugin/timeseries/timeSeries HTTP/1.1\r\nHost: localhost\r\n"
                       b"X-XSRF-Protected: 1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3145728\r\n\r\n"))
    assert st == 413, st
    # chunked, no length: cut off once past the limit
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /data/plugin/timeseries/timeSeries HTTP/1.1\r\nHost: localhost\r\n"
              b"X-XSRF-Protected: 1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
    try:
        for _ in range(40):
            s.sendall(chunk)
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    out = b""
    try:
        while b"\r\n\r\n" not in out:
            c = s.recv(4096)
            if not c:
                break
            out += c
    except OSError:
        pass
    s.close()
    assert status_of(out) == 413, out[:100]
    healthy(port)


@case("malformed POST bodies -> 400")
def malformed_bodies(port):
    status, _, body = request(port, "POST", "/data/plugin/scalars/scalars_multirun", body=b"--x\r\nbroken",
                              headers={"Content-Type": "multipart/form-data; boundary=x", "X-XSRF-Protected": "1"})
    assert status == 400, (status, body)
    status, _, body = request(port, "POST", "/data/plugin/timeseries/timeSeries", body=b"requests=%5B%7Bnot json",
                              headers={"Content-Type": "application/x-www-form-urlencoded", "X-XSRF-Protected": "1"})
    assert status == 400 and body.startswith(b"Invalid argument: "), (status, body)
    status, _, body = request(port, "POST", "/data/plugin/timeseries/timeSeries",
                              body=b"requests=" + b"%5B" * 5000,
                              headers={"Content-Type": "application/x-www-form-urlencoded", "X-XSRF-Protected": "1"})
    assert status == 400, (status, body[:80])
    healthy(port)


@case("dot-dot in static paths -> 404, nothing outside the page")
def dotdot(port):
    for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fmeson.build",
                 "/static/../meson.build", "/%2E%2E%5c%2E%2E%5cetc", "/.%00./etc/passwd",
                 "/index.html/../../../etc/passwd"):
        st = status_of(raw(port, ("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % path).encode()))
        assert st in (400, 404), (path, st)
    healthy(port)


@case("unknown routes and methods")
def unknown(port):
    status, ctype, body = request(port, "GET", "/data/plugin/nope/tags")
    assert status == 404 and body == b"Not found", (status, body)
    status, _, body = request(port, "GET", "/data/nope")
    assert status == 404 and body == b"Not found"
    st = status_of(raw(port, b"BREW /data/runs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
    assert st is not None and st < 500, st
    st = status_of(raw(port, b"GARBAGE\r\n\r\n"))
    assert st in (400, None), st
    status, _, _ = request(port, "GET", "/data/plugin/scalars/scalars_multirun?tag=loss")
    assert status == 405


@case("a client sending one byte a second does not hold up others")
def slow_client(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    req = b"GET /data/runs HTTP/1.1\r\nHost: localhost\r\n\r\n"
    stop = threading.Event()

    def trickle():
        for b in req[:-2]:
            if stop.is_set():
                return
            try:
                s.send(bytes([b]))
            except OSError:
                return
            time.sleep(1.0)
    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    time.sleep(1.5)
    start_t = time.time()
    for _ in range(50):
        healthy(port)
    elapsed = time.time() - start_t
    stop.set()
    s.close()
    assert elapsed < 5, "50 requests took %.1fs while a slow client trickled" % elapsed


@case("many idle connections: limited per client, others still served")
def idle_connections(port):
    conns = []
    for _ in range(400):
        try:
            conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    time.sleep(0.5)
    # another client address on the loopback network is served at once
    t0 = time.time()
    healthy(port, source="127.0.0.2")
    assert time.time() - t0 < 2
    for c in conns:
        c.close()
    time.sleep(0.5)
    healthy(port)


@case("server still healthy and serving correct data at the end")
def final(port):
    status, ctype, body = request(port, "GET", "/data/plugin/scalars/scalars?run=nan_inf&tag=neg_step")
    assert status == 200 and body.startswith(b"[[") and b", -5, " in body, body


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    proc, port = start(os.path.abspath(sys.argv[1]))
    try:
        for fn in (overlong_url, overlong_header, bad_percent, invalid_utf8, many_params, missing_args,
                   huge_body, malformed_bodies, dotdot, unknown, slow_client, idle_connections, final):
            fn(port)
            name, err = results[-1]
            print(("ok   " if err is None else "FAIL ") + name + ("" if err is None else ": " + err))
            if proc.poll() is not None:
                results.append(("server process alive", "tbserve exited with %s" % proc.returncode))
                break
    finally:
        alive = proc.poll() is None
        proc.terminate()
        proc.wait(timeout=10)
    if not alive:
        print("FAIL tbserve died during the hostile tests")
        results.append(("alive", "died"))
    failed = sum(1 for _, e in results if e)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


main()
