#!/usr/bin/python3
"""Differential check of the Markdown renderer against TensorBoard's own
stack: Python-Markdown (extensions tables + fenced_code) then bleach.clean
with TensorBoard's allow-list, as tensorboard/plugin_util.py runs them.

usage: /usr/bin/python3 tests/fuzz/markdown_diff.py build-dir/tests/fuzz/md_render [N] [SEED]

Needs Debian's python3-markdown and python3-bleach (scripts/deps.sh --test).
Generates N documents (default 3000) from a grammar of the constructs
Python-Markdown and the sanitiser handle, renders each both ways, and
shrinks every document that differs to a minimal one (dropping lines, then
characters, while it still differs). Prints each distinct minimal
difference with both outputs and the known difference (docs/api.md,
"Markdown differences") it belongs to, then 'N passed, N failed': a
document passes when it renders identically or its minimal form is a
listed difference.
"""
import random
import re
import struct
import subprocess
import sys

import bleach
import markdown

TAGS = ["ul", "ol", "li", "p", "pre", "code", "blockquote", "h1", "h2", "h3", "h4", "h5",
        "h6", "hr", "br", "strong", "em", "a", "img", "table", "thead", "tbody", "td", "tr", "th"]
ATTRS = {"a": ["href", "title"], "img": ["src", "title", "alt"]}


def tensorboard(doc):
    """plugin_util.markdown_to_safe_html on one string (a fresh Markdown
    instance: tbserve keeps no state between documents)."""
    text = doc.decode("utf-8")
    nuls = text.count("\x00")
    text = text.replace("\x00", "")
    md = markdown.Markdown(extensions=["markdown.extensions.tables",
                                       "markdown.extensions.fenced_code"])
    html = bleach.clean(md.convert(text), tags=TAGS, attributes=ATTRS)
    warn = ("<!-- WARNING: discarded %d null bytes in markdown string after UTF-8 decoding -->\n"
            % nuls) if nuls else ""
    return (warn + html).encode("utf-8")


def ours(binary, docs):
    inp = b"".join(struct.pack("<I", len(d)) + d for d in docs)
    out = subprocess.run([binary], input=inp, capture_output=True, check=True).stdout
    res, off = [], 0
    for _ in docs:
        rc, n = struct.unpack_from("<iI", out, off)
        res.append(out[off + 8:off + 8 + n] if rc == 0 else b"<error %d>" % rc)
        off += 8 + n
    return res


# ---- the grammar -----------------------------------------------------------------

WORDS = ["alpha", "beta", "gamma", "loss", "x", "step 1", "a_b", "2*3", "é", "运行", "tab\there"]
URLS = ["http://e.com/a?b=1&c=2", "https://x.org", "mailto:a@b.c", "/rel/path", "#frag",
        "javascript:alert(1)", "data:text/html,x", "ftp://f", "<http://a b>", "http://e.com/(p)"]


def inline(r, depth=0):
    k = r.randrange(16 if depth < 2 else 8)
    w = r.choice(WORDS)
    if k < 3:
        return w
    if k == 3:
        return "`%s`" % r.choice([w, "a`b", "<b>", "&amp;", " x "])
    if k == 4:
        return "&" + r.choice(["amp;", "lt;", "copy;", "#123;", "#x41;", "nbsp", "bogus;", " "])
    if k == 5:
        return "\\" + r.choice("*_`[]()#+-.!\\<>")
    if k == 6:
        return r.choice(["<b>%s</b>", "<span>%s</span>", "<em>%s</em>", "<a href=\"%s\">x</a>",
                         "<img src=x onerror=y>%s", "<!-- %s -->", "<br>%s"]) % w
    if k == 7:
        return r.choice(["<http://auto.link/x>", "<me@mail.org>", "http://bare.link"])
    inner = inline(r, depth + 1)
    if k == 8:
        return "*%s*" % inner
    if k == 9:
        return "**%s**" % inner
    if k == 10:
        return "_%s_" % inner
    if k == 11:
        return "__%s__" % inner
    if k == 12:
        return "[%s](%s)" % (inner, r.choice(URLS))
    if k == 13:
        return "[%s](%s \"%s\")" % (inner, r.choice(URLS), r.choice(WORDS))
    if k == 14:
        return "![%s](%s)" % (w, r.choice(URLS))
    return "%s %s" % (inner, inline(r, depth + 1))


def line(r):
    return " ".join(inline(r) for _ in range(r.randint(1, 4)))


def block(r, depth=0):
    k = r.randrange(14 if depth < 2 else 6)
    if k < 3:
        return "\n".join(line(r) for _ in range(r.randint(1, 3))) + r.choice(["", "  "])
    if k == 3:
        return "#" * r.randint(1, 6) + " " + line(r) + r.choice(["", " #"])
    if k == 4:
        return line(r) + "\n" + r.choice(["===", "---"])
    if k == 5:
        return r.choice(["***", "---", "- - -", "___"])
    if k == 6:
        m = r.choice(["-", "*", "+", "1."])
        items = [m + " " + line(r) for _ in range(r.randint(1, 3))]
        if r.random() < 0.3:
            items.insert(1, "    " + r.choice(["-", "1."]) + " " + line(r))
        return ("\n\n" if r.random() < 0.3 else "\n").join(items)
    if k == 7:
        return "\n".join("> " + line(r) for _ in range(r.randint(1, 2)))
    if k == 8:
        f = r.choice(["```", "~~~", "```python"])
        return "%s\n%s\n%s" % (f, r.choice(["x = 1 < 2", "<b>&amp;</b>", "a\n\n  b", line(r)]),
                               f[:3])
    if k == 9:
        return "    " + r.choice(["code <b>", "x = 1", line(r)])
    if k == 10:
        cols = r.randint(1, 3)
        head = "| " + " | ".join(r.choice(WORDS) for _ in range(cols)) + " |"
        sep = "|" + "|".join(r.choice(["---", ":--", "--:", ":-:"]) for _ in range(cols)) + "|"
        rows = ["| " + " | ".join(inline(r) for _ in range(cols)) + " |" for _ in range(r.randint(0, 2))]
        return "\n".join([head, sep] + rows)
    if k == 11:
        return r.choice(["<div>\n%s\n</div>", "<p>%s</p>", "<table><tr><td>%s</td></tr></table>",
                         "<script>%s</script>", "<pre>%s</pre>"]) % line(r)
    if k == 12:
        return "> " + block(r, depth + 1).replace("\n", "\n> ")
    return "- " + block(r, depth + 1).replace("\n", "\n  ")


def document(r):
    return "\n\n".join(block(r) for _ in range(r.randint(1, 4))).encode("utf-8")


# ---- shrinking and the known differences ---------------------------------------------

def shrink(binary, doc):
    """A smallest document (by lines, then characters) that still differs."""
    def differs(d):
        try:
            return tensorboard(d) != ours(binary, [d])[0]
        except UnicodeDecodeError:
            return False
    for unit in ("line", "char"):
        parts = doc.split(b"\n") if unit == "line" else [bytes([c]) for c in doc]
        sep = b"\n" if unit == "line" else b""
        i = 0
        while i < len(parts) and len(parts) > 1:
            trial = parts[:i] + parts[i + 1:]
            if differs(sep.join(trial)):
                parts = trial
            else:
                i += 1
        doc = sep.join(parts)
    return doc


# docs/api.md "Markdown differences": each known difference, as a pattern
# over the minimal input, most specific first.
KNOWN = [
    ("link inside a link", rb"\[[^\]]*\[.*\]\(.*\)\]\("),
    ("md4c drops text after an autolink inside link brackets, or after [](*)",
     rb"\[[^\]]*<[^>]*[@:][^>]*>|\]\(\*\)\*"),
    ("autolink holding a space", rb"<[a-z]+:[^>]* [^>]*>"),
    ("link destination with quotes, parentheses or spaces", rb"\]\([^)]*[\"( ]"),
    ("image description as plain text", rb"!\[[^\]]*[*_`<\\][^\]]*\]"),
    ("javascript:123 host:port quirk of bleach 5", rb"javascript:\d"),
    ("*** then --- (setext heading vs rules)", rb"\*\*\*\n---"),
    ("setext underline or heading after indentation or a quote", rb"(?m)\n +[=-]|^>.*\n[=-]|^ +#"),
    ("a line of only spaces does not end a paragraph", rb"(?m)^ +\n"),
    ("leading spaces kept on continuation lines", rb"\n +\S"),
    ("blockquotes separated by a blank line", rb"(?m)^>.*\n\n *>"),
    ("lazy continuation lines of a block quote", rb"(?m)^>.*\n[^>\n]"),
    ("five or more spaces after a list marker", rb"([-*+]|\d+\.) {5}"),
    ("list continuation, looseness and type changes", rb"(?m)^ *([-*+]|\d+\.)( .*)?\n"),
    ("code spans with unbalanced backtick runs", rb"``"),
    ("emphasis delimiter rules (CommonMark flanking vs Python-Markdown's patterns)", rb"[*_]"),
]


def known(doc):
    for name, pat in KNOWN:
        if re.search(pat, doc):
            return name
    return None


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    docs = [document(r) for _ in range(n)]
    got = ours(binary, docs)
    passed = failed = 0
    seen = {}
    for doc, mine in zip(docs, got):
        if tensorboard(doc) == mine:
            passed += 1
            continue
        small = shrink(binary, doc)
        name = known(small)
        seen.setdefault(small, [name, 0])[1] += 1
        if name:
            passed += 1
        else:
            failed += 1
    for small, (name, count) in sorted(seen.items(), key=lambda kv: -kv[1][1]):
        print("%s x%d %s\n  input: %r\n  tensorboard: %r\n  tbserve:     %r" % (
            "known  " if name else "UNKNOWN", count, name or "", small, tensorboard(small),
            ours(binary, [small])[0]))
    print("%d documents: %d identical, %d differ (%d distinct minimal inputs)" % (
        n, n - sum(c for _, c in seen.values()), sum(c for _, c in seen.values()), len(seen)))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
