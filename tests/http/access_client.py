#!/usr/bin/env python3
"""Who may talk to tbserve, against real servers: the Host allow-list
(DNS rebinding), the token login (query, cookie, bearer, wrong tokens and
their rate limit, tokens kept out of the log), the cross-site rule for POST,
and HTTPS with a certificate made here by openssl (real handshakes with
curl; TLS 1.1 refused; plain HTTP on the TLS port refused; clear errors for
unreadable and mismatched files).

usage: access_client.py path/to/tbserve

Every server binds 127.0.0.1 with a port chosen by the OS. Prints one line
per case and a final 'N passed, N failed' line.
"""
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from tbclient import Server as _Server, case, finish, raw

BIN = None


def Server(*flags, **kw):
    return _Server(BIN, *flags, **kw)


def get(port, path, headers=None, method="GET", body=None, source="127.0.0.1", tls=None):
    if tls:
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls,
                                        source_address=(source, 0))
    else:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


# ---- Host allow-list ---------------------------------------------------------------------

@case("foreign Host -> 403 with an explanation; loopback, this machine and --allowed_hosts -> 200")
def host_allow_list():
    s = Server("--allowed_hosts", "board.example, Proxy.Example.")
    try:
        p = s.port
        for host in ("evil.example", "evil.example:%d" % p, "localhost.evil.example", "127.0.0.1.nip.io",
                     "board.example.evil", "[::2]:%d" % p):
            st, h, body = get(p, "/data/runs", {"Host": host})
            assert st == 403, (host, st)
            assert h["content-type"].startswith("text/plain"), h
            assert b"DNS rebinding" in body and b"--allowed_hosts" in body, body
        st, _, _ = get(p, "/", {"Host": "evil.example"})
        assert st == 403, st
        for host in ("localhost", "localhost:%d" % p, "LOCALHOST:%d" % p, "127.0.0.1:%d" % p,
                     "127.0.0.2", "[::1]:%d" % p, "tb.localhost:%d" % p, "board.example",
                     "proxy.example:443", socket.gethostname(), socket.gethostname() + ":%d" % p):
            st, _, body = get(p, "/data/runs", {"Host": host})
            assert st == 200 and body.startswith(b'["'), (host, st)
    finally:
        s.stop()


@case("--allowed_hosts '*' answers any Host")
def host_any():
    s = Server("--allowed_hosts", "*")
    try:
        st, _, _ = get(s.port, "/data/runs", {"Host": "anything.example"})
        assert st == 200, st
    finally:
        s.stop()


@case("--path_prefix behind a proxy: Host localhost:PORT and the proxy's name, as allowed")
def host_prefix():
    s = Server("--path_prefix", "/tb", "--allowed_hosts", "tb.example.org")
    try:
        st, _, body = get(s.port, "/tb/data/runs", {"Host": "localhost:%d" % s.port})
        assert st == 200 and body.startswith(b'["'), st
        st, _, _ = get(s.port, "/tb/data/runs", {"Host": "tb.example.org"})
        assert st == 200, st
        st, _, _ = get(s.port, "/tb/data/runs", {"Host": "other.example.org"})
        assert st == 403, st
    finally:
        s.stop()


# ---- cross-site POST ---------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MULTIRUN = "/data/plugin/scalars/scalars_multirun"


@case("cross-site POST without the header -> 403; same-site signals -> 200")
def cross_site():
    s = Server()
    try:
        p = s.port
        body = "tag=loss&runs=baseline"
        refused = [
            {},  # a plain form post from a script or an old browser
            {"Origin": "http://evil.example"},
            {"Origin": "null"},
            {"Origin": "http://localhost:%d.evil.example" % p},
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
            {"X-XSRF-Protected": "0"},
        ]
        for extra in refused:
            st, _, msg = get(p, MULTIRUN, dict(FORM, **extra), "POST", body)
            assert st == 403 and b"X-XSRF-Protected" in msg, (extra, st, msg)
        allowed = [
            {"X-XSRF-Protected": "1"},
            {"Origin": "http://localhost:%d" % p, "Host": "localhost:%d" % p},
            {"Origin": "http://127.0.0.1:%d" % p},
            {"Sec-Fetch-Site": "same-origin"},
        ]
        for extra in allowed:
            st, _, data = get(p, MULTIRUN, dict(FORM, **extra), "POST", body)
            assert st == 200 and data.startswith(b"{"), (extra, st, data[:100])
        # a JSON content type cannot be sent cross-site without a preflight
        st, _, _ = get(p, "/data/plugin/timeseries/timeSeries", {"Content-Type": "application/json"},
                       "POST", b'{"requests": []}')
        assert st != 403, st
        # GET stays open (read-only, and cross-site reads are the browser's to block)
        st, h, _ = get(p, "/data/runs", {"Origin": "http://evil.example"})
        assert st == 200 and "access-control-allow-origin" not in h, (st, h)
    finally:
        s.stop()


# ---- token login -------------------------------------------------------------------------

def token_from_banner(s):
    m = re.search(r"\?token=([0-9a-f]+)\n", s.log())
    assert m, "no login URL in the banner: " + s.log()
    return m.group(1)


@case("loopback only: no token asked; --auth=token: 401 without it, with a login page for browsers")
def token_required():
    s = Server()
    try:
        st, _, _ = get(s.port, "/data/runs")
        assert st == 200, st
        assert "token" not in s.log(), s.log()
    finally:
        s.stop()
    s = Server("--auth", "token")
    try:
        token = token_from_banner(s)
        assert len(token) == 48, token
        st, h, body = get(s.port, "/data/runs")
        assert st == 401 and h.get("www-authenticate", "").startswith("Bearer"), (st, h)
        st, h, body = get(s.port, "/", {"Accept": "text/html,*/*"})
        assert st == 401 and h["content-type"].startswith("text/html") and b'name="token"' in body, (st, h)
        assert "content-security-policy" in h, h
        st, _, _ = get(s.port, "/index.html")
        assert st == 401, st
    finally:
        s.stop()


@case("token via query -> cookie (HttpOnly, SameSite=Strict) + redirect to the clean URL; cookie; bearer")
def token_login():
    s = Server("--auth", "token", "--path_prefix", "/tb")
    try:
        token = token_from_banner(s)
        p = s.port
        st, h, _ = get(p, "/tb/?token=" + token)
        assert st == 302, st
        assert h["location"] == "/tb/", h
        cookie = h["set-cookie"]
        name = "tbserve-token-%d" % p
        assert cookie.startswith("%s=%s;" % (name, token)), cookie
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/tb/"):
            assert attr in cookie, cookie
        assert "Secure" not in cookie, cookie
        # other query fields survive, the token does not
        st, h, _ = get(p, "/tb/data/plugin/scalars/scalars?run=baseline&token=%s&tag=loss" % token)
        assert st == 302 and h["location"] == "/tb/data/plugin/scalars/scalars?run=baseline&tag=loss", h
        st, _, body = get(p, "/tb/data/runs", {"Cookie": "other=1; %s=%s; x=y" % (name, token)})
        assert st == 200 and body.startswith(b'["'), st
        st, _, body = get(p, "/tb/data/runs", {"Authorization": "Bearer " + token})
        assert st == 200 and body.startswith(b'["'), st
        # a bearer token also satisfies the cross-site rule (scripts)
        st, _, _ = get(p, "/tb" + MULTIRUN, dict(FORM, Authorization="Bearer " + token), "POST",
                       "tag=loss&runs=baseline")
        assert st == 200, st
        # another server's cookie (another port) is not this one's
        st, _, _ = get(p, "/tb/data/runs", {"Cookie": "tbserve-token-1=%s" % token})
        assert st == 401, st
    finally:
        s.stop()


@case("wrong token -> 401; ten wrong -> 429 with Retry-After, for that address only")
def token_rate_limit():
    s = Server("--auth", "token")
    try:
        token = token_from_banner(s)
        p = s.port
        wrong = token[:-1] + ("0" if token[-1] != "0" else "1")
        st, _, body = get(p, "/data/runs?token=" + wrong)
        assert st == 401, st
        st, _, _ = get(p, "/data/runs", {"Authorization": "Bearer " + wrong})
        assert st == 401, st
        st, _, _ = get(p, "/data/runs", {"Cookie": "tbserve-token-%d=%s" % (p, wrong)})
        assert st == 401, st
        st, _, _ = get(p, "/data/runs", {"Authorization": "Bearer " + token[:10]})
        assert st == 401, st
        statuses = [get(p, "/data/runs?token=guess%d" % i)[0] for i in range(8)]
        assert statuses[:6] == [401] * 6 and statuses[6:] == [429, 429], statuses
        st, h, body = get(p, "/data/runs", {"Authorization": "Bearer " + token})
        assert st == 429 and 0 < int(h["retry-after"]) <= 60, (st, h)
        # another address is not affected
        st, _, _ = get(p, "/data/runs", {"Authorization": "Bearer " + token}, source="127.0.0.2")
        assert st == 200, st
    finally:
        s.stop()


@case("the token is printed once (the login URL) and never logged")
def token_not_logged():
    s = Server("--auth", "token")
    try:
        token = token_from_banner(s)
        p = s.port
        get(p, "/data/runs?token=" + token)
        get(p, "/nope?token=" + token)
        for i in range(12):
            get(p, "/data/runs?token=x%d" % i)
        time.sleep(0.3)
        assert s.log().count(token) == 1, s.log()
        assert "wrong tokens from 127.0.0.1" in s.log(), s.log()
    finally:
        s.stop()


@case("--token, TBSERVE_TOKEN and --token_file; the given token is not printed")
def token_sources():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "token")
        with open(path, "w") as f:
            f.write("from-the-file-0123456789\n")
        for flags, env, token in ((("--token", "from-the-flag-0123456789"), None, "from-the-flag-0123456789"),
                                  ((), {"TBSERVE_TOKEN": "from-the-env-0123456789"}, "from-the-env-0123456789"),
                                  (("--token_file", path), None, "from-the-file-0123456789")):
            s = Server(*flags, env=env)
            try:
                st, _, _ = get(s.port, "/data/runs")
                assert st == 401, (flags, st)
                st, _, _ = get(s.port, "/data/runs", {"Authorization": "Bearer " + token})
                assert st == 200, (flags, st)
                assert token not in s.log() and "?token=YOUR_TOKEN" in s.log(), s.log()
            finally:
                s.stop()
        s = Server("--token", "bad token;", expect_start=False)
        _, err = s.proc.communicate(timeout=10)
        assert s.proc.returncode == 1 and "token must be" in err, (s.proc.returncode, err)
        s = Server("--auth", "none", env={"TBSERVE_TOKEN": "ignored-0123456789"})
        try:
            st, _, _ = get(s.port, "/data/runs")
            assert st == 200, st
        finally:
            s.stop()


# ---- TLS ---------------------------------------------------------------------------------

def make_cert(d, name, cn):
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=DNS:localhost,DNS:tb.test,IP:127.0.0.1"],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return crt, key


def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True)


@case("HTTPS: real handshakes with curl and Python, HSTS for names only, TLS 1.1 refused, plain HTTP refused")
def tls_serving():
    d = tempfile.mkdtemp()
    try:
        crt, key = make_cert(d, "a", "localhost")
        s = Server("--tls_cert", crt, "--tls_key", key, "--allowed_hosts", "tb.test")
        try:
            p = s.port
            assert "https://127.0.0.1:%d/" % p in s.log(), s.log()
            r = curl("--cacert", crt, "-D", "-", "https://localhost:%d/data/runs" % p)
            assert r.returncode == 0 and "HTTP/1.1 200" in r.stdout and '["baseline"' in r.stdout, r
            assert "strict-transport-security" not in r.stdout.lower(), r.stdout
            r = curl("--cacert", crt, "-D", "-", "--resolve", "tb.test:%d:127.0.0.1" % p,
                     "https://tb.test:%d/data/runs" % p)
            assert r.returncode == 0 and "strict-transport-security: max-age=" in r.stdout.lower(), r
            r = curl("--cacert", crt, "--tlsv1.3", "-o", "/dev/null", "-w", "%{http_code}",
                     "https://localhost:%d/" % p)
            assert r.stdout == "200", r
            r = curl("--cacert", crt, "--tls-max", "1.1", "https://localhost:%d/" % p)
            assert r.returncode != 0, r
            # a POST through TLS with the page's header
            r = curl("--cacert", crt, "-H", "X-XSRF-Protected: 1", "--data", "tag=loss&runs=baseline",
                     "https://localhost:%d%s" % (p, MULTIRUN))
            assert r.returncode == 0 and r.stdout.startswith("{"), r
            ctx = ssl.create_default_context(cafile=crt)
            st, h, body = get(p, "/data/runs", tls=ctx)
            assert st == 200 and body.startswith(b'["'), st
            # plain HTTP on the TLS port: closed at once, no answer, server fine
            t0 = time.time()
            out, _ = raw(p, b"GET /data/runs HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert not out.startswith(b"HTTP/1.1 200") and b"baseline" not in out, out[:80]
            assert time.time() - t0 < 3, time.time() - t0
            st, _, _ = get(p, "/data/runs", tls=ctx)
            assert st == 200, st
        finally:
            s.stop()
    finally:
        shutil.rmtree(d)


@case("HTTPS with a token: the cookie is Secure")
def tls_token():
    d = tempfile.mkdtemp()
    try:
        crt, key = make_cert(d, "a", "localhost")
        s = Server("--tls_cert", crt, "--tls_key", key, "--auth", "token")
        try:
            token = token_from_banner(s)
            assert "https://127.0.0.1:%d/?token=" % s.port in s.log(), s.log()
            st, h, _ = get(s.port, "/?token=" + token, tls=ssl.create_default_context(cafile=crt))
            assert st == 302 and "Secure" in h["set-cookie"], (st, h)
        finally:
            s.stop()
    finally:
        shutil.rmtree(d)


@case("TLS files: unreadable, missing, mismatched, not PEM -> one clear line, exit 1")
def tls_errors():
    d = tempfile.mkdtemp()
    try:
        crt_a, key_a = make_cert(d, "a", "localhost")
        crt_b, key_b = make_cert(d, "b", "localhost")
        junk = os.path.join(d, "junk.pem")
        with open(junk, "w") as f:
            f.write("not a certificate\n")
        cases = [
            (("--tls_cert", os.path.join(d, "missing.crt"), "--tls_key", key_a), "cannot read --tls_cert"),
            (("--tls_cert", crt_a, "--tls_key", d), "cannot read --tls_key"),
            (("--tls_cert", crt_a, "--tls_key", key_b), "could not start"),
            (("--tls_cert", junk, "--tls_key", key_a), "could not start"),
            (("--tls_cert", crt_a), "--tls_cert and --tls_key go together"),
        ]
        for flags, want in cases:
            s = Server(*flags, expect_start=False)
            _, err = s.proc.communicate(timeout=10)
            assert s.proc.returncode == 1 and want in err, (flags, s.proc.returncode, err)
            assert len(err.strip().splitlines()) == 1, err
        # the mismatch is named as such
        s = Server("--tls_cert", crt_a, "--tls_key", key_b, expect_start=False)
        _, err = s.proc.communicate(timeout=10)
        assert "match" in err.lower() or "key" in err.lower(), err
    finally:
        shutil.rmtree(d)


def main():
    global BIN
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    BIN = os.path.abspath(sys.argv[1])
    for fn in (host_allow_list, host_any, host_prefix, cross_site, token_required, token_login,
               token_rate_limit, token_not_logged, token_sources, tls_serving, tls_token, tls_errors):
        fn()
    sys.exit(finish())

main()
