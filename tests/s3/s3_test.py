#!/usr/bin/env python3
"""tbserve against a real S3 store: a one-node Ceph RADOS Gateway.

    tests/s3/s3_test.py path/to/tbserve [path/to/gen_logdir]

Starts the gateway (tests/s3/gateway.sh) in a scratch directory, creates a
bucket, uploads the real fixtures (tests/data) and checks:
  - the golden replay from s3:// gives TensorBoard's recorded answers, and
    every scalar series is byte-for-byte what the local copy gives; so do
    the other plugins' goldens (images with their bytes, graphs, hparams,
    PR curves: blobs read back through the S3 source);
  - W&B images and tables (files/media) read from s3:// as from the local
    copy;
  - an image object rewritten after the load answers 404, never other
    bytes; with the gateway stopped individualImage answers 503 with a
    clear text (not a 404, not a hang), and the image again once it is
    back;
  - --logdir_spec mixes a local path and an s3:// one;
  - an event object rewritten longer (an "append") shows up live, with
    nothing duplicated; one rewritten shorter is read again from the start;
  - the gateway stopped in the middle of a load, then restarted: the load
    resumes and ends with exactly the local answers (nothing lost or
    duplicated), and the outage is reported while it lasts;
  - wrong credentials and a missing bucket give one clear line at start
    and the same error in /data/environment.
Prints "N passed, N failed"; exits non-zero on any failure.
"""
import concurrent.futures
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")
GATEWAY = os.path.join(ROOT, "tests", "s3", "gateway.sh")
GOLDEN_FLAGS = ["--load_fast=false",
                "--samples_per_plugin=scalars=100000000,histograms=100000,images=1000,text=1000"]

# tests/golden/replay.sh's comparison of the plugin goldens (its comments
# say why each path is compared structurally)
PLUGIN_COMPARE = ["--bytes",
                  "--subset", "/histograms/histograms", "--subset", "/distributions/distributions",
                  *[a for p in ["/scalars/tags", "/histograms/tags", "/distributions/tags", "/text/tags",
                                "/scalars_multirun", "/timeSeries", "/images/tags", "/audio/tags",
                                "/timeseries/tags", "/graphs/info", "/hparams/session_groups"]
                    for a in ("--unordered", p)]]

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}" + (f": {detail}" if detail else ""))


class Store:
    """The gateway's S3 API through curl (it signs SigV4 itself)."""

    def __init__(self, env):
        self.env = env
        self.ep = env["AWS_ENDPOINT_URL"]
        self.auth = ["--aws-sigv4", f"aws:amz:{env['AWS_REGION']}:s3",
                     "--user", f"{env['AWS_ACCESS_KEY_ID']}:{env['AWS_SECRET_ACCESS_KEY']}",
                     # curl signs but does not send the payload hash
                     "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]

    def curl(self, *args):
        r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", *self.auth, *args],
                           capture_output=True, text=True)
        return r.stdout.strip()

    def url(self, bucket, key=""):
        return f"{self.ep}/{bucket}/" + urllib.parse.quote(key, safe="/~")

    def make_bucket(self, bucket):
        code = self.curl("-X", "PUT", self.url(bucket))
        assert code == "200", f"create bucket {bucket}: HTTP {code}"

    def put_file(self, bucket, key, path):
        # from a file, not stdin: radosgw refuses chunked uploads (411)
        code = self.curl("-T", path, self.url(bucket, key))
        assert code == "200", f"put {key}: HTTP {code}"

    def make_public(self, bucket, keys):
        """public-read on the bucket (listing) and on each object (reading)."""
        for target in [self.url(bucket)] + [self.url(bucket, k) for k in keys]:
            # "acl=": curl signs the query as written, and S3 signs "acl="
            code = self.curl("-X", "PUT", "-H", "Content-Length: 0", "-H", "x-amz-acl: public-read",
                             target + "?acl=")
            assert code == "200", f"public-read on {target}: HTTP {code}"

    def put_bytes(self, bucket, key, data):
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            self.put_file(bucket, key, f.name)

    def upload_tree(self, bucket, prefix, root):
        """Every file under root as prefix/relative-path; returns the keys."""
        jobs = []
        for d, _, files in os.walk(root):
            for name in files:
                p = os.path.join(d, name)
                jobs.append((prefix + "/" + os.path.relpath(p, root), p))
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            list(ex.map(lambda j: self.put_file(bucket, j[0], j[1]), jobs))
        return [k for k, _ in jobs]


class Cutter:
    """A TCP proxy in front of the gateway that cuts every connection, and
    refuses new ones, once it has passed `budget` bytes of answers: the
    gateway goes away in the middle of a load whatever the machine's speed
    (a load needs every byte of every object, so it cannot end first).
    resume() lets everything through again."""

    def __init__(self, upstream, budget):
        u = urllib.parse.urlsplit(upstream)
        self.upstream = (u.hostname, u.port)
        self.budget = budget
        self.passed = 0
        self.cut = threading.Event()
        self.lock = threading.Lock()
        self.conns = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.cut.is_set():
                c.close()
                continue
            threading.Thread(target=self._pipe, args=(c,), daemon=True).start()

    def _pipe(self, c):
        try:
            u = socket.create_connection(self.upstream)
        except OSError:
            c.close()
            return
        with self.lock:
            self.conns += [c, u]
        try:
            while not self.cut.is_set():
                r, _, _ = select.select([c, u], [], [], 0.2)
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is u:
                        with self.lock:
                            self.passed += len(data)
                            over = self.budget is not None and self.passed > self.budget
                        if over:
                            self._cut()
                            return
                        c.sendall(data)
                    else:
                        u.sendall(data)
        except OSError:
            pass
        finally:
            c.close()
            u.close()

    def _cut(self):
        self.cut.set()
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def resume(self):
        with self.lock:
            self.budget = None
            self.conns = []
        self.cut.clear()

    def close(self):
        self.sock.close()
        self._cut()


class Server:
    """tbserve on a loopback port; stopped by its PID."""

    def __init__(self, binary, args, env=None, cwd=None, wait_loaded=True):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([binary, *args, "--port", "0"], stderr=self.log,
                                     stdout=subprocess.DEVNULL, env=env, cwd=cwd)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline:
            text = self.stderr()
            m = re.search(r" at http://[^:]*:(\d+)/", text)
            if m and (not wait_loaded or "loaded" in text):
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not self.port:
            self.stop()
            raise RuntimeError("tbserve did not start:\n" + self.stderr())

    def stderr(self):
        self.log.seek(0)
        return self.log.read()

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
            return r.read()

    def json(self, path):
        return json.loads(self.get(path))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def scalar_answers(srv):
    """Every scalar series as the server answers it (run, tag) -> bytes."""
    out = {}
    tags = srv.json("/data/plugin/scalars/tags")
    for run, ts in sorted(tags.items()):
        for tag in sorted(ts):
            q = urllib.parse.urlencode({"run": run, "tag": tag})
            out[(run, tag)] = srv.get("/data/plugin/scalars/scalars?" + q)
    return out


def same_answers(a, b):
    """'' when equal, else what differs first."""
    if a.keys() != b.keys():
        return f"series differ: {sorted(set(a) ^ set(b), key=str)[:3]}"
    for k in a:
        if a[k] != b[k]:
            if isinstance(a[k], tuple):  # (status, body)
                return f"{k}: HTTP {a[k][0]}, {len(a[k][1])} bytes vs HTTP {b[k][0]}, {len(b[k][1])} bytes"
            return f"{k}: {len(a[k])} vs {len(b[k])} bytes"
    return ""


def answers_of(binary, logdir, env, *flags):
    """scalar_answers of a tbserve started on logdir, then stopped."""
    srv = Server(binary, ["--logdir", logdir, "--reload_interval", "0", *flags], env=env)
    try:
        return scalar_answers(srv)
    finally:
        srv.stop()


def reaches(srv, want, timeout):
    """Do srv's answers become want within timeout seconds?"""
    return wait_until(lambda: not same_answers(want, scalar_answers(srv)), timeout)


def wait_until(fn, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    return fn()


def records(data):
    """Offsets where each TFRecord ends (framing: u64 len, u32, payload, u32)."""
    ends, pos = [], 0
    while pos + 12 <= len(data):
        n = int.from_bytes(data[pos:pos + 8], "little")
        pos += 12 + n + 4
        ends.append(pos)
    return ends


def fetch(srv, path, timeout=60):
    """(status, body, seconds) of a GET, error answers included."""
    t = time.time()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}{path}", timeout=timeout) as r:
            return r.status, r.read(), time.time() - t
    except urllib.error.HTTPError as e:
        return e.code, e.read(), time.time() - t


def media_answers(srv):
    """The images and text plugins' answers: tags, every image listing and
    image (status and bytes), every text series."""
    out = {"images/tags": srv.get("/data/plugin/images/tags"),
           "text/tags": srv.get("/data/plugin/text/tags")}
    for run, tags in sorted(srv.json("/data/plugin/images/tags").items()):
        for tag in sorted(tags):
            q = urllib.parse.urlencode({"run": run, "tag": tag, "sample": 0})
            listing = srv.get("/data/plugin/images/images?" + q)
            out[("images", run, tag)] = listing
            for e in json.loads(listing):
                # (status, bytes): an error answer is a difference, not a crash
                out[("image", run, tag, e["step"])] = fetch(
                    srv, "/data/plugin/images/individualImage?" + e["query"])[:2]
    for run, tags in sorted(srv.json("/data/plugin/text/tags").items()):
        for tag in sorted(tags):
            q = urllib.parse.urlencode({"run": run, "tag": tag})
            out[("text", run, tag)] = srv.get("/data/plugin/text/text?" + q)
    return out


def image_queries(srv):
    """run -> the individualImage query of its first image."""
    out = {}
    for run, tags in sorted(srv.json("/data/plugin/images/tags").items()):
        for tag in sorted(tags):
            q = urllib.parse.urlencode({"run": run, "tag": tag, "sample": 0})
            for e in srv.json("/data/plugin/images/images?" + q):
                out.setdefault(run, "/data/plugin/images/individualImage?" + e["query"])
    return out


def store_keys(root, sub):
    """Paths of the files under root/sub, relative to root."""
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, fs in os.walk(os.path.join(root, sub)) for f in fs)


def source_error(srv):
    return [s["error"] for s in srv.json("/data/environment")["sources"] if s["error"]]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    gen = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    scratch = tempfile.mkdtemp(prefix="tbserve-s3-")
    gw = os.path.join(scratch, "gw")
    started = time.time()
    out = subprocess.run([GATEWAY, "start", gw], capture_output=True, text=True)
    if out.returncode:
        print(out.stdout + out.stderr)
        check("one-node Ceph gateway starts", False, "see above")
        print(f"{passed} passed, {failed} failed")
        return 1
    env = dict(os.environ)
    for line in out.stdout.splitlines():
        k, _, v = line.partition("=")
        env[k] = v
    check("one-node Ceph gateway starts and prints its settings",
          all(k in env for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")))
    print(f"# gateway up in {time.time() - started:.1f} s at {env['AWS_ENDPOINT_URL']}")
    store = Store(env)
    try:
        run_checks(binary, gen, store, env, gw, scratch)
    finally:
        subprocess.run([GATEWAY, "stop", gw])
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def run_checks(binary, gen, store, env, gw, scratch):
    store.make_bucket("fixtures")
    n = len(store.upload_tree("fixtures", "real", os.path.join(DATA, "real")))
    n += len(store.upload_tree("fixtures", "golden/logdir-small", os.path.join(DATA, "golden", "logdir-small")))
    # real-more with its tfevents-named directory renamed, as replay.sh does
    # (its goldens were recorded so)
    real_more = os.path.join(scratch, "real-more", "real")
    shutil.copytree(os.path.join(DATA, "real-more"), real_more)
    for d, subdirs, _ in os.walk(real_more, topdown=False):
        for sd in subdirs:
            if "tfevents" in sd:
                os.rename(os.path.join(d, sd), os.path.join(d, "tfev_dir"))
    n += len(store.upload_tree("fixtures", "real-more", real_more))
    print(f"# uploaded {n} fixture files")

    # -- the golden replay from s3:// -------------------------------------
    compare = os.path.join(ROOT, "tests", "tools", "compare.py")
    # the deliberate differences of tests/golden/replay.sh, and
    # /data/logdir, which names the s3:// location (checked below)
    small_skips = ["--skip-file", "002_get_logdir.json"]
    for f in ["001_get_environment.json", "011_get_.html", "085_get_histograms_histograms.html",
              "087_get_distributions_distributions.html", "101_get_text_text.html",
              "112_get_images_images.html", "109_get_images_individualImage.html",
              "116_post_hparams_experiment.html", "117_get_hparams_experiment.html"]:
        small_skips += ["--skip-file", f]
    for name, location, goldens, local_dir, extra in [
        ("real fixtures", "s3://fixtures/real", ["golden-real", "golden-real-plugins"],
         os.path.join(DATA, "real"), []),
        ("real-more fixtures", "s3://fixtures/real-more", ["golden-real-more-plugins"], real_more, []),
        ("logdir-small", "s3://fixtures/golden/logdir-small", [os.path.join("golden", "responses")],
         os.path.join(DATA, "golden", "logdir-small"), small_skips),
    ]:
        srv = Server(binary, ["--logdir", location, "--reload_interval", "0", *GOLDEN_FLAGS], env=env)
        try:
            for golden in goldens:
                flags = PLUGIN_COMPARE if "plugins" in golden else \
                    ["--subset", "/histograms/histograms", "--subset", "/distributions/distributions"]
                r = subprocess.run([sys.executable, compare, f"http://127.0.0.1:{srv.port}",
                                    os.path.join(DATA, golden), *flags, *extra],
                                   capture_output=True, text=True)
                tail = (r.stdout + r.stderr).strip().splitlines()[-1:] or [""]
                check(f"golden replay of {golden} from {location}", r.returncode == 0, tail[0])
            remote = scalar_answers(srv)
            logdir = srv.json("/data/logdir")["logdir"]
            check(f"/data/logdir names {location}", logdir == location, logdir)
        finally:
            srv.stop()
        local = answers_of(binary, local_dir, env, *GOLDEN_FLAGS)
        diff = same_answers(local, remote)
        check(f"all {len(local)} scalar series of the {name} are the local copy's bytes",
              not diff and len(local) > 0, diff)

    # -- --logdir_spec mixing local and s3 --------------------------------
    small = os.path.join(DATA, "golden", "logdir-small")
    srv = Server(binary, ["--logdir_spec", f"loc:{small},rem:s3://fixtures/golden/logdir-small",
                          "--reload_interval", "0"], env=env)
    try:
        runs = srv.json("/data/runs")
        loc = sorted(r[4:] for r in runs if r.startswith("loc/"))
        rem = sorted(r[4:] for r in runs if r.startswith("rem/"))
        check("--logdir_spec loc:PATH,rem:s3://... serves both, same runs", loc == rem and len(loc) > 0,
              f"{loc} vs {rem}")
    finally:
        srv.stop()

    # -- W&B run folders from s3:// (read through the same source) ------------
    wandb_local = os.path.join(DATA, "wandb", "02hyc_VQ-VAE")
    store.upload_tree("fixtures", "wandb", wandb_local)
    local = answers_of(binary, wandb_local, env)
    remote = answers_of(binary, "s3://fixtures/wandb", env)
    diff = same_answers(local, remote)
    check(f"W&B logs from s3://: all {len(local)} scalar series are the local copy's bytes",
          not diff and len(local) > 0, diff)
    off = answers_of(binary, "s3://fixtures/wandb", env, "--wandb=false")
    check("--wandb=false on s3:// lists no W&B run", not off, f"{len(off)} series")

    # -- W&B media (files/media images and tables) from s3:// ----------------
    # AHelbo_autoGAN: image-file and table-file values; Abdullah-Mohammed0:
    # images/separated naming one file
    media_local = os.path.join(scratch, "wandb-media")
    for fx in ["AHelbo_autoGAN", "Abdullah-Mohammed0_cs6910_assignment3"]:
        shutil.copytree(os.path.join(DATA, "wandb", fx), os.path.join(media_local, fx))
    store.upload_tree("fixtures", "wandb-media", media_local)
    answers = []
    for location in [media_local, "s3://fixtures/wandb-media"]:
        srv = Server(binary, ["--logdir", location, "--reload_interval", "0"], env=env)
        try:
            answers.append(media_answers(srv))
        finally:
            srv.stop()
    local, remote = answers
    images = [k for k in local if k[0] == "image"]
    tables = [k for k in local if k[0] == "text" and b"<table" in local[k] and b"table-file" not in local[k]]
    diff = same_answers(local, remote)
    check(f"W&B media from s3://: {len(images)} images (exact bytes) and {len(tables)} tables "
          f"as the local copy's answers", not diff and images and tables, diff)
    missing = [k for k in remote if k[0] == "text" and b"[file missing]" in remote[k]]
    check("W&B media from s3://: no media file reported missing", not missing, str(missing[:3]))

    # -- image blobs read on request: the gateway stopped, an object rewritten --
    # a tfevents run holding images and a W&B run's media images, both read
    # back from their objects at each individualImage
    img_local = os.path.join(scratch, "img")
    exp2 = os.path.join("tensorboardX__SevenTae_tensorboardxVison", "visonlog", "exp2")
    shutil.copytree(os.path.join(DATA, "real", exp2), os.path.join(img_local, "exp2"))
    shutil.copytree(os.path.join(DATA, "wandb", "AHelbo_autoGAN"), os.path.join(img_local, "autogan"))
    store.make_bucket("imgs")
    store.upload_tree("imgs", "img", img_local)
    srv = Server(binary, ["--logdir", img_local, "--reload_interval", "0"], env=env)
    try:
        queries = image_queries(srv)
        want = {run: srv.get(q) for run, q in queries.items()}
    finally:
        srv.stop()
    srv = Server(binary, ["--logdir", "s3://imgs/img", "--reload_interval", "0"], env=env)
    try:
        got = {run: fetch(srv, q) for run, q in queries.items()}
        check(f"individualImage from s3:// of a tfevents run and a W&B run: the exact bytes "
              f"({', '.join(sorted(queries))})",
              len(queries) == 2 and all(got[r][:2] == (200, want[r]) for r in queries),
              str({r: g[0] for r, g in got.items()}))
        subprocess.run([GATEWAY, "stop-rgw", gw], check=True)
        try:
            down = {run: fetch(srv, q) for run, q in queries.items()}
        finally:
            subprocess.run([GATEWAY, "start-rgw", gw], check=True)
        check("the gateway stopped: individualImage answers 503 saying the store does not answer "
              "(not a 404, not a hang)",
              all(d[0] == 503 and b"object store" in d[1] and d[2] < 30 for d in down.values()),
              str({r: (d[0], d[1][:120], round(d[2], 1)) for r, d in down.items()}))
        back = {run: fetch(srv, q) for run, q in queries.items()}
        check("the gateway back: individualImage answers the exact bytes again",
              all(back[r][:2] == (200, want[r]) for r in queries),
              str({r: (b[0], b[1][:120]) for r, b in back.items()}))
        # rewritten in place, same sizes: the tfevents object with a byte of
        # every PNG changed, the W&B image files with every byte changed
        ev = [k for k in store_keys(img_local, "exp2") if "tfevents" in k][0]
        data = bytearray(open(os.path.join(img_local, ev), "rb").read())
        at = data.find(b"\x89PNG\r\n\x1a\n")
        while at >= 0:
            data[at + 40] ^= 0x5a
            at = data.find(b"\x89PNG\r\n\x1a\n", at + 1)
        store.put_bytes("imgs", "img/" + ev, bytes(data))
        for k in store_keys(img_local, "autogan"):
            if "/files/media/images/" in k:
                raw = open(os.path.join(img_local, k), "rb").read()
                store.put_bytes("imgs", "img/" + k, bytes(b ^ 0x5a for b in raw))
        after = {run: fetch(srv, q) for run, q in queries.items()}
        check("an image object rewritten after the load: individualImage answers 404, never "
              "other bytes", all(a[0] == 404 and b"changed or was removed" in a[1] for a in after.values()),
              str({r: (a[0], a[1][:120]) for r, a in after.items()}))
    finally:
        srv.stop()

    # -- anonymous access to a public bucket -------------------------------
    store.make_bucket("public")
    keys = store.upload_tree("public", "small", small)
    anon = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    srv = Server(binary, ["--logdir", "s3://public/small", "--reload_interval", "0"], env=anon,
                 wait_loaded=False)
    try:
        refused = wait_until(lambda: [l for l in srv.stderr().splitlines() if "anonymous request" in l], 20)
        check("a private bucket refuses anonymous requests, and says so", len(refused) == 1,
              srv.stderr()[-300:])
    finally:
        srv.stop()
    store.make_public("public", keys)
    a, b = answers_of(binary, small, env), answers_of(binary, "s3://public/small", anon)
    check("a public bucket is read without credentials (the local copy's answers)",
          not same_answers(a, b) and len(a) > 0, same_answers(a, b))

    # -- live: an object rewritten longer, then shorter --------------------
    src, ends = None, []
    for d, _, files in os.walk(os.path.join(DATA, "real")):
        for f in sorted(files):
            p = os.path.join(d, f)
            if "tfevents" in f and os.path.getsize(p) < 4_000_000:
                e = records(open(p, "rb").read())
                if len(e) > len(ends):
                    src, ends = p, e
    data = open(src, "rb").read()
    half = ends[len(ends) // 2]
    live_dir = os.path.join(scratch, "live-local", "run1")
    os.makedirs(live_dir)
    key = "live/run1/" + os.path.basename(src)
    store.make_bucket("livebkt")
    store.put_bytes("livebkt", key, data[:half])
    with open(os.path.join(live_dir, os.path.basename(src)), "wb") as f:
        f.write(data)
    srv = Server(binary, ["--logdir", "s3://livebkt/live", "--reload_interval", "1"], env=env)
    try:
        before = scalar_answers(srv)
        store.put_bytes("livebkt", key, data)  # "append": the object rewritten longer
        want = answers_of(binary, os.path.dirname(live_dir), env)
        check(f"an object rewritten longer ({half} -> {len(data)} bytes) shows up live, nothing duplicated",
              reaches(srv, want, 20) and before != want, same_answers(want, scalar_answers(srv)))
        # rewritten shorter: read again from the start (the first records only)
        third = ends[len(ends) // 3]
        store.put_bytes("livebkt", key, data[:third])
        with open(os.path.join(live_dir, os.path.basename(src)), "wb") as f:
            f.write(data[:third])
        want = answers_of(binary, os.path.dirname(live_dir), env)
        check(f"an object rewritten shorter ({third} bytes) is read again from the start",
              reaches(srv, want, 20) and "replaced by a shorter object" in srv.stderr(),
              same_answers(want, scalar_answers(srv)) + srv.stderr()[-300:])
    finally:
        srv.stop()

    # -- the gateway stopped mid-load, then restarted ----------------------
    if gen:
        big = os.path.join(scratch, "big")
        subprocess.run([gen, "--runs", "12", "--tags", "20", "--steps", "10000", big], check=True,
                       stdout=subprocess.DEVNULL)
        store.make_bucket("big")
        store.upload_tree("big", "logs", big)
        want = answers_of(binary, big, env)
        total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(big) for f in fs)
        cutter = Cutter(env["AWS_ENDPOINT_URL"], total // 4)
        srv = Server(binary, ["--logdir", "s3://big/logs", "--reload_interval", "1"],
                     env=dict(env, AWS_ENDPOINT_URL=cutter.url), wait_loaded=False)
        try:
            went = cutter.cut.wait(60)
            subprocess.run([GATEWAY, "stop-rgw", gw], check=True)
            stopped_at = time.time()
            check(f"the gateway went away in the middle of the initial load (after {cutter.passed} of "
                  f"{total} bytes)", went and "loaded" not in srv.stderr(),
                  "the load ended first: the test proves less")
            reported = wait_until(lambda: source_error(srv), 30)
            check("the outage is reported in /data/environment while it lasts", bool(reported),
                  srv.stderr()[-300:])
            partial = scalar_answers(srv)
            time.sleep(max(0.0, 2 - (time.time() - stopped_at)))
            subprocess.run([GATEWAY, "start-rgw", gw], check=True)
            cutter.resume()
            check(f"after the gateway restarts the load resumes: every series equal to the local copy "
                  f"({sum(len(v) for v in partial.values())} bytes served meanwhile)",
                  reaches(srv, want, 60), same_answers(want, scalar_answers(srv)))
            cleared = wait_until(lambda: not source_error(srv), 20)
            check("the error clears once the store answers again", cleared, str(source_error(srv)))
        finally:
            srv.stop()
            cutter.close()

        # a gateway that throttles: radosgw answers 503 SlowDown to what
        # exceeds its concurrent-request limit; the load retries them
        subprocess.run([GATEWAY, "stop-rgw", gw], check=True)
        subprocess.run([GATEWAY, "start-rgw", gw, "--rgw_max_concurrent_requests=1"], check=True)
        try:
            srv = Server(binary, ["--logdir", "s3://big/logs", "--reload_interval", "0"], env=env)
            try:
                src = srv.json("/data/environment")["sources"][0]
                got = scalar_answers(srv)
                check(f"throttled (503 SlowDown) requests are retried: {src['retries']} retries of "
                      f"{src['requests']} requests, every series equal to the local copy",
                      src["retries"] > 0 and not same_answers(want, got) and not source_error(srv),
                      same_answers(want, got) + srv.stderr()[-300:])
            finally:
                srv.stop()
        finally:
            subprocess.run([GATEWAY, "stop-rgw", gw], check=True)
            subprocess.run([GATEWAY, "start-rgw", gw], check=True)

    # -- wrong credentials, missing bucket, wrong endpoint -----------------
    for name, location, overrides, want in [
        ("wrong credentials", "s3://fixtures/real", {"AWS_SECRET_ACCESS_KEY": "not-the-secret"}, "access refused"),
        ("unknown access key", "s3://fixtures/real", {"AWS_ACCESS_KEY_ID": "nobody"}, "access refused"),
        ("a missing bucket", "s3://no-such-bucket/x", {}, "the bucket does not exist"),
    ]:
        e = dict(env, **overrides)
        srv = Server(binary, ["--logdir", location, "--reload_interval", "0"], env=e, wait_loaded=False)
        try:
            lines = wait_until(lambda: [l for l in srv.stderr().splitlines() if want in l], 20)
            errs = source_error(srv)
            secret = overrides.get("AWS_SECRET_ACCESS_KEY", env["AWS_SECRET_ACCESS_KEY"])
            check(f"{name}: one clear line at start and the error in /data/environment",
                  len(lines) == 1 and errs and want in errs[0] and secret not in srv.stderr(),
                  srv.stderr()[-400:])
        finally:
            srv.stop()


if __name__ == "__main__":
    sys.exit(main())
