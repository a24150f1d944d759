#!/usr/bin/env python3
"""HTTP protocol holes against a real tbserve: each one reproduced, and the
answer asserted bounded (status, time, and how fast a normal client is
served meanwhile).

  - a request trickled a byte every 2 s (headers, or body) is dropped at the
    request deadline (10 s), not kept for ever;
  - 300 idle connections from 127.0.0.1 (the address every `ssh -L` user
    shares) do not lock out a new 127.0.0.1 client;
  - trickling clients on five addresses (1,280 connections) lock out no one;
  - live streams: one address cannot take every slot;
  - 960 query fields, NUL in path, query and form, conflicting lengths,
    unknown transfer codings, a chunked body past 1 MiB: answered at once;
  - error bodies show control bytes escaped.

usage: protocol_client.py path/to/tbserve
Prints one line per case and a final 'N passed, N failed' line.
"""
import http.client
import os
import select
import socket
import sys
import threading
import time

from tbclient import Server, body_of, case, finish, raw, read_all, results, status_of

DEADLINE = 10  # TB_HTTP_REQUEST_DEADLINE


def request(port, method, path, body=None, headers=None, source="127.0.0.1", timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheader("Content-Type"), data


def served_quickly(port, source, n=10, limit=1.0):
    """n requests from source, each answered 200 within limit seconds."""
    worst = 0.0
    for _ in range(n):
        t0 = time.time()
        status, _, body = request(port, "GET", "/data/runs", source=source, timeout=limit + 2)
        worst = max(worst, time.time() - t0)
        assert status == 200 and body.startswith(b'["'), status
    assert worst < limit, "a normal client from %s waited %.2f s" % (source, worst)
    return worst


def connect_many(port, source, n, first=b""):
    conns = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        if first:
            s.sendall(first)
        conns.append(s)
    return conns


def streams_ended(streams, wait):
    """Indexes of the streams the server closes within wait seconds."""
    ended, t0 = set(), time.time()
    while time.time() - t0 < wait:
        ready, _, _ = select.select([s for s in streams if s not in ended], [], [], 0.1)
        for s in ready:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                ended.add(s)
    return sorted(streams.index(s) for s in ended)


def closed_by_server(s, wait):
    """Did the server close s within wait seconds (EOF or reset)?"""
    s.settimeout(wait)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


# ---- deadlines -------------------------------------------------------------------------------

@case("a request trickled a byte every 2 s (headers or body) is dropped at the deadline")
def trickle(port):
    head = b"GET /data/runs HTTP/1.1\r\nHost: localhost\r\n\r\n"
    post = (b"POST /data/plugin/scalars/scalars_multirun HTTP/1.1\r\nHost: localhost\r\n"
            b"X-XSRF-Protected: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\n")
    outcome = {}

    def trickler(name, prefix, data):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        t0 = time.time()
        s.sendall(prefix)
        s.settimeout(2)
        for b in data:
            try:
                s.send(bytes([b]))
            except OSError:
                break
            try:
                if not s.recv(4096):
                    break
            except socket.timeout:
                continue
            except OSError:
                break
            if time.time() - t0 > 3 * DEADLINE:
                break
        outcome[name] = time.time() - t0
        s.close()
    threads = [threading.Thread(target=trickler, args=("headers", b"", head[:-2] * 3)),
               threading.Thread(target=trickler, args=("body", post, b"x" * 99))]
    for t in threads:
        t.start()
    time.sleep(1)
    served_quickly(port, "127.0.0.1")
    for t in threads:
        t.join()
    for name, secs in outcome.items():
        assert secs < DEADLINE + 4, "the %s trickler stayed %.1f s" % (name, secs)
        assert secs > DEADLINE - 2, "the %s trickler was dropped after %.1f s only" % (name, secs)


# ---- capacity --------------------------------------------------------------------------------

@case("300 idle connections from 127.0.0.1 do not lock out another 127.0.0.1 client")
def idle_same_address(port):
    conns = connect_many(port, "127.0.0.1", 300)
    try:
        time.sleep(0.3)
        served_quickly(port, "127.0.0.1")
    finally:
        for s in conns:
            s.close()


@case("trickling clients on five addresses (1,280 connections) lock out no one")
def trickle_five_addresses(port):
    conns = []
    try:
        for i in range(1, 6):
            conns += connect_many(port, "127.0.0.%d" % i, 256, first=b"GET /data/ru")
        time.sleep(0.3)
        served_quickly(port, "127.0.0.6")
        served_quickly(port, "127.0.0.1")
    finally:
        for s in conns:
            s.close()
    time.sleep(0.5)


@case("live streams: 16 per address; when all 64 are taken another address still gets one")
def live_slots(port):
    def open_live(source):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /data/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        return s, status_of(head)
    streams = []
    try:
        for i in range(1, 5):
            for _ in range(16):
                s, st = open_live("127.0.0.%d" % i)
                streams.append(s)
                assert st == 200, ("127.0.0.%d" % i, len(streams), st)
        s, st = open_live("127.0.0.1")
        streams.append(s)
        assert st == 503, "a 17th stream from one address: %s" % st
        s, st = open_live("127.0.0.9")
        streams.append(s)
        assert st == 200, "a new address with every slot taken: %s" % st
        # the stream that made room for it was an old one of a crowded address
        ended = streams_ended(streams[:64], 2.0)
        assert ended == [48], "streams ended: %s (want the oldest of 127.0.0.4, the newest crowded address)" % ended
        served_quickly(port, "127.0.0.1")
    finally:
        for s in streams:
            s.close()
    time.sleep(0.5)


# ---- malformed requests, answered at once ------------------------------------------------

def quick(port, data, want, limit=1.0):
    out, secs = raw(port, data)
    assert status_of(out) == want, (data[:60], status_of(out), out[:120])
    assert secs < limit, "%r answered after %.1f s" % (data[:40], secs)
    return out


@case("960 query fields -> 400 at once")
def many_fields(port):
    q = "&".join("p%d=1" % i for i in range(960))
    out = quick(port, ("GET /data/runs?%s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % q).encode(), 400)
    assert b"too many query parameters" in out, out[-100:]
    served_quickly(port, "127.0.0.1")


@case("NUL (%00) in path, query and form -> 400")
def nul_bytes(port):
    for target in (b"/data/runs%00.html", b"/index.html%00", b"/data/plugin/scalars/scalars?run=baseline%00x&tag=loss",
                   b"/data/runs?x%00=1"):
        quick(port, b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 400)
    body = b"tag=loss&runs=base%00line"
    out = quick(port, b"POST /data/plugin/scalars/scalars_multirun HTTP/1.1\r\nHost: localhost\r\n"
                b"X-XSRF-Protected: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body, 400)
    assert b"NUL" in body_of(out), out


POST = b"POST /data/plugin/scalars/scalars_multirun HTTP/1.1\r\nHost: localhost\r\nX-XSRF-Protected: 1\r\n"


@case("conflicting Content-Lengths, Content-Length with Transfer-Encoding -> 400; unknown coding -> 501")
def framing(port):
    quick(port, POST + b"Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400)
    quick(port, POST + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nabcde", 400)
    quick(port, POST + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400)
    quick(port, POST + b"Transfer-Encoding: gzip\r\n\r\nabc", 501)
    quick(port, POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 501)
    # a proper chunked body is still read
    body = b"tag=loss&runs=baseline"
    out = quick(port, POST + b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: close\r\n\r\n%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n", 200)
    assert body_of(out).startswith(b"{"), out[-80:]


@case("a chunked body past 1 MiB -> 413 without reading it to its end")
def chunked_too_large(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(POST + b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
    sent = 0
    t0 = time.time()
    try:
        while sent < 64 * 1024 * 1024:  # far more than the server may read
            s.sendall(chunk)
            sent += 65536
    except OSError:
        pass
    out = read_all(s)
    s.close()
    secs = time.time() - t0
    assert sent < 16 * 1024 * 1024, "the server read %d MiB" % (sent >> 20)
    assert secs < 3, secs
    # the answer can be lost to a reset while we still send; it must not be anything else
    assert out == b"" or status_of(out) == 413, out[:100]
    # sent with a pause at the limit, the 413 arrives
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(POST + b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(17):
        s.sendall(chunk)
    out = read_all(s)
    s.close()
    assert status_of(out) == 413 and body_of(out) == b"Request body too large", out[:200]
    served_quickly(port, "127.0.0.1")


@case("error bodies show control bytes escaped, not raw")
def control_bytes(port):
    out = quick(port, b"GET /data/plugin/scalars/scalars?run=%1b[2J%1b]0;owned%07%0d%0afake:%7f&tag=t HTTP/1.1\r\n"
                b"Host: localhost\r\nConnection: close\r\n\r\n", 404)
    body = body_of(out)
    assert not any(b < 0x20 or b == 0x7f for b in body), body
    assert b"\\x1b[2J" in body and b"\\x0d\\x0a" in body, body


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    server = Server(os.path.abspath(sys.argv[1]))
    try:
        for fn in (many_fields, nul_bytes, framing, chunked_too_large, control_bytes, idle_same_address,
                   trickle_five_addresses, live_slots, trickle):
            fn(server.port)
            if not server.alive():
                results.append(("alive", "tbserve exited with %s" % server.proc.returncode))
                print("FAIL tbserve exited with %s" % server.proc.returncode)
                break
    finally:
        server.stop()
    sys.exit(finish())


main()
