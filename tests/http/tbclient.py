"""What the HTTP tests against a real tbserve share (access_client.py,
protocol_client.py): a server on 127.0.0.1 with its log kept, raw requests,
and the one-line-per-case report ending in 'N passed, N failed'."""
import os
import re
import socket
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGDIR = os.path.join(ROOT, "tests", "data", "golden", "logdir-small")
results = []


class Server:
    """tbserve on 127.0.0.1 (port chosen by the OS) with extra flags; its
    stderr is kept in lines. expect_start=False: only run it (for exit
    codes and messages)."""

    def __init__(self, binary, *flags, env=None, expect_start=True):
        e = dict(os.environ)
        e.pop("TBSERVE_TOKEN", None)
        e.update(env or {})
        self.proc = subprocess.Popen([binary, "--logdir", LOGDIR, "--host", "127.0.0.1", "--port", "0",
                                      "--reload_interval", "0", *flags],
                                     stderr=subprocess.PIPE, text=True, env=e)
        self.lines = []
        self.port = None
        if not expect_start:
            return
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            m = re.search(r" at https?://[^ ]+:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
            if self.port and "loaded" in line:
                break
        if not self.port:
            self.proc.kill()
            raise RuntimeError("tbserve did not start: " + "".join(self.lines))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def log(self):
        return "".join(self.lines)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def read_all(s):
    """Everything the server sends until it closes (or resets) s."""
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    return out


def raw(port, data, timeout=5):
    """Send data, read until the server closes: (answer, seconds)."""
    t0 = time.time()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = read_all(s)
    s.close()
    return out, time.time() - t0


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else None


def body_of(resp):
    return resp.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in resp else b""


def case(name):
    """A test case: its assertion message (or crash) is its failure."""
    def wrap(fn):
        def run(*args):
            try:
                fn(*args)
                results.append((name, None))
            except AssertionError as e:
                results.append((name, str(e) or "assertion failed"))
            except Exception as e:  # noqa: BLE001 - a crash of the case is a failure
                results.append((name, "%s: %s" % (type(e).__name__, e)))
            err = results[-1][1]
            print(("ok   " if err is None else "FAIL ") + name + ("" if err is None else ": " + err), flush=True)
        return run
    return wrap


def finish():
    failed = sum(1 for _, e in results if e)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0
