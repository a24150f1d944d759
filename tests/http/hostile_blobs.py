#!/usr/bin/env python3
"""Hostile blobs against a real tbserve (images and audio, the blob index):
garbage image bytes served exactly as written, hostile blob keys, event
files truncated, rewritten or deleted after they were indexed, images
appended while serving (a record cut in two writes), TF2 audio tensors, and
a 200 MB audio clip read with bounded memory.

usage: hostile_blobs.py path/to/tbserve [case ...]

Event files are written by hand (hostile_logdir.py's TFRecord and protobuf
helpers); the 200 MB clip by the build's bench/gen_images (Python's CRC
would take minutes). Prints one line per case and 'N passed, N failed'.
"""
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_logdir as hl  # noqa: E402

results = []
CASES = []


def case(name):
    def wrap(fn):
        CASES.append((fn.__name__, name, fn))
        return fn
    return wrap


# ---- events -------------------------------------------------------------------

def image_event(step, tag, data, width=4, height=3, wall=1.0e9):
    """Legacy Summary.Value{tag, image{height, width, colorspace, encoded}}."""
    image = (hl.field_varint(1, height) + hl.field_varint(2, width) +
             hl.field_varint(3, 3) + hl.field_len(4, data))
    return hl.event(step, hl.field_len(1, tag.encode()) + hl.field_len(4, image), wall)


def string_tensor_event(step, tag, plugin, dims, strings, content=b"", wall=1.0e9):
    """A Summary.Value with a DT_STRING tensor and plugin metadata."""
    shape = b"".join(hl.field_len(2, hl.field_varint(1, d)) for d in dims)
    body = b"".join(hl.field_len(8, s) for s in strings)
    tensor = hl.field_varint(1, hl.DT_STRING) + hl.field_len(2, shape) + body
    pdata = hl.field_len(1, plugin.encode()) + (hl.field_len(2, content) if content else b"")
    meta = hl.field_len(1, pdata)
    return hl.event(step, hl.field_len(1, tag.encode()) + hl.field_len(9, meta) +
                    hl.field_len(8, tensor), wall)


def key(plugin, run, tag, step, index):
    text = json.dumps(["", plugin, run, tag, step, index], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def png(n, seed):
    body = bytes((seed * 31 + i * 7) & 0xFF for i in range(n))
    return b"\x89PNG\r\n\x1a\n" + body


def query_of(srv, path):
    items = srv.json(path)
    return [urllib.parse.parse_qs(it["query"])["blob_key"][0] for it in items]


def start(logdir):
    return hl.Server(["--logdir", logdir, "--reload_interval", "0"])


# ---- cases ----------------------------------------------------------------------

@case("garbage image bytes are served exactly as written, sniffed as octet-stream")
def garbage_image(tmp):
    garbage = b"not a png at all \x00\xff" * 50
    good = png(300, 1)
    hl.write_events(os.path.join(tmp, "run", "events.out.tfevents.1"), [
        image_event(0, "legacy", garbage), image_event(1, "legacy", good),
        string_tensor_event(0, "tf2", "images", [3], [b"4", b"3", garbage]),
        image_event(0, "tiny", b"GIF89a.."),   # under 64 bytes: kept inline
    ])
    srv = start(tmp)
    try:
        tags = srv.json("/data/plugin/images/tags")
        assert tags["run"]["legacy"]["samples"] == 1 and tags["run"]["tf2"]["samples"] == 1, tags
        for tag, want in (("legacy", [garbage, good]), ("tf2", [garbage]), ("tiny", [b"GIF89a.."])):
            keys = query_of(srv, "/data/plugin/images/images?run=run&tag=" + tag)
            assert len(keys) == len(want), (tag, keys)
            for k, data in zip(keys, want):
                c = __import__("http.client").client.HTTPConnection("127.0.0.1", srv.port)
                c.request("GET", "/data/plugin/images/individualImage?blob_key=" + k)
                r = c.getresponse()
                body = r.read()
                ctype = r.getheader("Content-Type")
                c.close()
                assert r.status == 200 and body == data, (tag, r.status, body[:40])
                assert ctype == ("image/png" if data is good else "image/gif" if tag == "tiny"
                                 else "application/octet-stream"), ctype
        # the width and height elements of the sequence, as TensorBoard has them
        st, body = srv.get("/data/plugin/images/individualImage?blob_key=" +
                           key("images", "run", "legacy", 0, 0))
        assert (st, body) == (200, b"4"), (st, body)
    finally:
        srv.stop()


@case("hostile blob keys: precise 400 or 404, never a crash")
def hostile_keys(tmp):
    hl.write_events(os.path.join(tmp, "a", "events.out.tfevents.1"),
                    [image_event(s, "img", png(100, s)) for s in range(3)])
    hl.write_events(os.path.join(tmp, "b", "events.out.tfevents.1"),
                    [image_event(0, "other", png(100, 9))])
    srv = start(tmp)
    try:
        base = "/data/plugin/images/individualImage?blob_key="
        cases = [
            ("garbage!!", 400, b"base64"),
            (base64.urlsafe_b64encode(b"{\"a\": 1}").decode(), 400, b"list"),
            (base64.urlsafe_b64encode(b"[1,2,3,4,5,6]").decode(), 400, b"strings"),
            (base64.urlsafe_b64encode(b"[\"\",\"images\",\"a\",\"img\",0.5,2]").decode(), 400,
             b"integers"),
            (key("audio", "a", "img", 0, 2), 400, b"another plugin"),
            (key("images", "a", "other", 0, 2), 404, b"No image data"),   # b's tag, a's run
            (key("images", "nope", "img", 0, 2), 404, b"No image data"),
            (key("images", "a", "img", 99, 2), 404, b"No such step"),
            (key("images", "a", "img", 1, 3), 400, b"out of range"),      # past the end
            (key("images", "a", "img", 1, -1), 400, b"out of range"),
            (key("images", "a", "img", 2 ** 60, 2), 404, b"No such step"),
        ]
        for k, status, text in cases:
            st, body = srv.get(base + k)
            assert st == status and text in body, (k[:60], st, body[:200])
        st, _ = srv.get("/data/plugin/images/individualImage")
        assert st == 400
        # a key too long is refused by the transport (TB_MAX_BLOB_KEY bounds
        # it beyond that); a long one decodes to garbage
        st, _ = srv.get(base + "A" * 300000)
        assert 400 <= st < 500, st
        st, body = srv.get(base + "A" * 20000)
        assert st == 400 and b"list" in body, (st, body[:100])
        st, body = srv.get(base + key("images", "b", "other", 0, 2))
        assert st == 200 and body == png(100, 9), st
        st, _ = srv.get("/data/plugin/timeseries/imageData?imageId=" + key("images", "a", "img", 2, 2))
        assert st == 200
    finally:
        srv.stop()


def indexed_then(tmp, change):
    """Index three images, change the file, then ask for each image."""
    path = os.path.join(tmp, "run", "events.out.tfevents.1")
    imgs = [png(2000, s) for s in range(3)]
    hl.write_events(path, [image_event(s, "img", imgs[s]) for s in range(3)])
    srv = start(tmp)
    try:
        keys = query_of(srv, "/data/plugin/images/images?run=run&tag=img")
        assert len(keys) == 3
        st, body = srv.get("/data/plugin/images/individualImage?blob_key=" + keys[2])
        assert (st, body) == (200, imgs[2])
        change(path)
        out = []
        for k in keys:
            out.append(srv.get("/data/plugin/images/individualImage?blob_key=" + k))
        # the server keeps serving
        assert srv.get("/data/plugin/images/tags")[0] == 200
        return imgs, out
    finally:
        srv.stop()


@case("event file truncated after load: the lost images are 404 with a clear text")
def truncated_after_load(tmp):
    def cut(path):
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) - 1500)
    imgs, out = indexed_then(tmp, cut)
    assert out[0] == (200, imgs[0]) and out[1] == (200, imgs[1]), [o[0] for o in out]
    assert out[2][0] == 404 and b"changed or was removed" in out[2][1], out[2]


@case("event file rewritten in place after load: 404, never stale bytes")
def rewritten_after_load(tmp):
    def rewrite(path):
        data = bytearray(open(path, "rb").read())
        for i in range(len(data) - 900, len(data) - 800):
            data[i] ^= 0x55
        with open(path, "r+b") as f:   # same inode, same length, other bytes
            f.write(bytes(data))
    imgs, out = indexed_then(tmp, rewrite)
    assert out[0] == (200, imgs[0]), out[0][0]
    assert out[2][0] == 404 and imgs[2] not in out[2][1], out[2][:1]


@case("event file deleted after load: 404 with a clear text")
def deleted_after_load(tmp):
    imgs, out = indexed_then(tmp, os.remove)
    for st, body in out:
        assert st == 404 and b"changed or was removed" in body, (st, body)


@case("images appended while serving (one record cut in two writes) read back from their offsets")
def appended_while_serving(tmp):
    path = os.path.join(tmp, "run", "events.out.tfevents.1")
    imgs = [png(3000, s) for s in range(5)]
    hl.write_events(path, [image_event(s, "img", imgs[s]) for s in range(2)])
    srv = hl.Server(["--logdir", tmp, "--reload_interval", "1"])
    try:
        tail = b"".join(hl.record(image_event(s, "img", imgs[s])) for s in range(2, 5))
        with open(path, "ab") as f:   # a record cut in the middle, then the rest
            f.write(tail[:4000])
            f.flush()
            time.sleep(1.5)
            f.write(tail[4000:])
        keys = []
        for _ in range(100):
            keys = query_of(srv, "/data/plugin/images/images?run=run&tag=img")
            if len(keys) == 5:
                break
            time.sleep(0.1)
        assert len(keys) == 5, len(keys)
        for k, data in zip(keys, imgs):
            st, body = srv.get("/data/plugin/images/individualImage?blob_key=" + k)
            assert (st, body == data) == (200, True), (st, len(body))
    finally:
        srv.stop()


@case("TF2 audio tensor [k, 2]: tags, listing and clip bytes with the recorded type")
def audio_tensor(tmp):
    clips = [b"RIFF" + bytes(range(200)) * 3, b"RIFF" + bytes(reversed(range(200))) * 2]
    wav = hl.field_varint(2, 11)   # AudioPluginData.encoding = WAV
    hl.write_events(os.path.join(tmp, "run", "events.out.tfevents.1"), [
        string_tensor_event(0, "speech", "audio", [2, 2],
                            [clips[0], b"first", clips[1], b"second"], wav),
        string_tensor_event(1, "speech", "audio", [1, 2], [clips[0], b"only"], wav),
    ])
    srv = start(tmp)
    try:
        tags = srv.json("/data/plugin/audio/tags")
        assert tags == {"run": {"speech": {"displayName": "", "description": "",
                                           "samples": 2}}}, tags
        items = srv.json("/data/plugin/audio/audio?run=run&tag=speech&sample=1")
        assert [it["step"] for it in items] == [0], items
        assert items[0]["contentType"] == "audio/wav" and items[0]["label"] == "", items
        q = items[0]["query"]
        c = __import__("http.client").client.HTTPConnection("127.0.0.1", srv.port)
        c.request("GET", "/data/plugin/audio/individualAudio?" + q)
        r = c.getresponse()
        body = r.read()
        assert r.status == 200 and body == clips[1], (r.status, body[:20])
        assert r.getheader("Content-Type") == "audio/wav", r.getheader("Content-Type")
        c.close()
        assert len(srv.json("/data/plugin/audio/audio?run=run&tag=speech")) == 2
        st, body = srv.get("/data/plugin/audio/audio?run=run&tag=nope")
        assert st == 404, st
    finally:
        srv.stop()


def gen_images():
    return os.path.join(os.path.dirname(os.path.dirname(hl.BINARY)), "bench", "gen_images")


@case("a 200 MB audio clip: indexed, not held; served whole with bounded memory")
def big_audio(tmp):
    logdir = os.path.join(tmp, "logdir")
    subprocess.run([gen_images(), logdir, "--images", "0", "--audio-mb", "200"], check=True)
    srv = start(logdir)
    try:
        rss_loaded, hwm_loaded = srv.rss_mb(), srv.hwm_mb()
        items = srv.json("/data/plugin/audio/audio?run=run_0&tag=big_clip")
        assert len(items) == 1 and items[0]["contentType"] == "audio/wav", items
        c = __import__("http.client").client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
        c.request("GET", "/data/plugin/audio/individualAudio?" + items[0]["query"])
        r = c.getresponse()
        n = 0
        head = b""
        while True:
            chunk = r.read(1 << 20)
            if not chunk:
                break
            if not head:
                head = chunk[:4]
            n += len(chunk)
        c.close()
        assert r.status == 200 and n == 200 << 20 and head == b"RIFF", (r.status, n, head)
        time.sleep(0.5)
        rss_after = srv.rss_mb()
        print("     RSS after load %.0f MB (the 200 MB clip is not held; peak while loading "
              "%.0f MB), after serving it %.0f MB" % (rss_loaded, hwm_loaded, rss_after))
        assert rss_loaded < 100, rss_loaded
        # loading holds the record once (lean decoding), not the record and
        # protobuf-c's copy of the clip
        assert hwm_loaded < 300, hwm_loaded
        assert rss_after < rss_loaded + 50, (rss_loaded, rss_after)
    finally:
        srv.stop()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    hl.BINARY = os.path.abspath(sys.argv[1])
    only = set(sys.argv[2:])
    for name_key, name, fn in CASES:
        if only and name_key not in only:
            continue
        tmp = tempfile.mkdtemp(prefix="h1-blobs-")
        t0 = time.time()
        try:
            fn(tmp)
            err = None
        except AssertionError as e:
            err = str(e) or "assertion failed"
        except Exception as e:  # noqa: BLE001 - any error fails the case, not the run
            err = "%s: %s" % (type(e).__name__, e)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results.append((name, err))
        print(("ok   " if err is None else "FAIL ") + name + " (%.1f s)" % (time.time() - t0) +
              ("" if err is None else ": " + err), flush=True)
    failed = sum(1 for _, e in results if e)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
