/*
 * md_preprocess.c - Python-Markdown's preprocessors, re-implemented as
 * written (see md_preprocess.h). pm_* mirror markdown/preprocessors.py,
 * ph_* the html.parser subclass of markdown/htmlparser.py; the result is
 * text for md4c with raw HTML set aside in the stash.
 *
 * What it does not do: no block or inline parsing (md4c's job, markdown.c)
 * and no sanitising (html_sanitize.c): stashed HTML is kept verbatim and
 * cleaned after it is put back.
 *
 * Invariant: every stashed item leaves exactly one placeholder in the
 * output, so restoring is a lookup by index.
 */
#include "md_preprocess.h"

#include "md_text.h"
#include "tblimits.h"

/* ---------------------------------------------------------------------------
 * Python-Markdown, step 1: the preprocessors (whitespace, fenced code, raw
 * HTML). They work on text and set raw HTML aside in a stash; a
 * placeholder "\x02wzxhzdk:N\x03" marks its place, as in Python-Markdown
 * (STX/ETX are removed from the input first, so placeholders are unique).
 * ------------------------------------------------------------------------- */

static void stash_store(tb__md_stash *st, const char *p, size_t n, tb_buf *dst)
{
	if (!vec_reserve((void **)&st->item, &st->cap, st->n + 1, sizeof *st->item)) {
		st->oom = true;
		return;
	}
	st->item[st->n].off = st->data.len;
	st->item[st->n].len = n;
	tb_buf_append(&st->data, p, n);
	tb_buf_printf(dst, "\x02wzxhzdk:%zu\x03", st->n);
	st->n++;
}

/* Python-Markdown's block_level_elements. */
bool tb__md_block_level(const char *s, size_t n)
{
	static const char *const names[] = {
		"address", "article", "aside", "blockquote", "details", "div", "dl",
		"fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
		"h3", "h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu",
		"nav", "ol", "p", "pre", "section", "table", "ul", "canvas",
		"colgroup", "dd", "body", "dt", "group", "iframe", "li", "legend",
		"math", "map", "noscript", "output", "object", "option", "progress",
		"script", "style", "summary", "tbody", "td", "textarea", "tfoot",
		"th", "thead", "tr", "video",
	};
	while (n && s[n - 1] == '/')
		n--;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i]) == n && starts_with_ci(s, n, names[i]))
			return true;
	return false;
}

/* NormalizeWhitespace: drop STX/ETX, CR LF and CR to LF, append "\n\n",
   expand tabs to 4 columns (counting code points), blank out lines that
   hold only spaces. */
void tb__md_normalize(const char *s, size_t n, tb_buf *o)
{
	tb_buf t = TB_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\x02' || c == '\x03')
			continue;
		if (c == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
			c = '\n';
		}
		tb_buf_putc(&t, c);
	}
	tb_buf_append(&t, "\n\n", 2);
	tb_buf e = TB_BUF_INIT;
	size_t col = 0;
	for (size_t i = 0; i < t.len; i++) {
		char c = t.data[i];
		if (c == '\t') {
			size_t k = 4 - col % 4;
			for (size_t j = 0; j < k; j++)
				tb_buf_putc(&e, ' ');
			col += k;
			continue;
		}
		tb_buf_putc(&e, c);
		if (c == '\n')
			col = 0;
		else if (((unsigned char)c & 0xc0) != 0x80)
			col++;
	}
	for (size_t i = 0; i < e.len; i++) {
		if (i > 0 && e.data[i - 1] == '\n' && e.data[i] == ' ') {
			size_t j = i;
			while (j < e.len && e.data[j] == ' ')
				j++;
			if (j < e.len && e.data[j] == '\n') {
				i = j - 1;
				continue;
			}
		}
		tb_buf_putc(o, e.data[i]);
	}
	if (t.oom || e.oom)
		o->oom = 1;
	tb_buf_release(&t);
	tb_buf_release(&e);
}

static bool pm_word(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c >= 0x80;
}

/* FENCED_BLOCK_RE's opening line at line start p: sets the fence length
   and where the code starts (after the newline). */
static bool fence_open(const char *s, size_t n, size_t p, size_t *flen, size_t *code)
{
	char f = s[p];
	size_t k = p;
	if (f != '`' && f != '~')
		return false;
	while (k < n && s[k] == f)
		k++;
	if (k - p < 3)
		return false;
	*flen = k - p;
	while (k < n && s[k] == ' ')
		k++;
	if (k < n && s[k] == '{') {
		size_t e = k + 1;
		while (e < n && s[e] != '}' && s[e] != '\n')
			e++;
		if (e + 1 < n && s[e] == '}' && s[e + 1] == '\n') {
			*code = e + 2;
			return true;
		}
		return false;
	}
	while (k < n && (pm_word((unsigned char)s[k]) || strchr("#.+-", s[k])))
		k++;
	while (k < n && s[k] == ' ')
		k++;
	if (n - k > 10 && !memcmp(s + k, "hl_lines=", 9) && (s[k + 9] == '"' || s[k + 9] == '\'')) {
		for (size_t e = k + 10; e < n; e++) {
			if (s[e] != s[k + 9])
				continue;
			size_t z = e + 1;
			while (z < n && s[z] == ' ')
				z++;
			if (z < n && s[z] == '\n') {
				*code = z + 1;
				return true;
			}
		}
		return false;
	}
	if (k < n && s[k] == '\n') {
		*code = k + 1;
		return true;
	}
	return false;
}

/* A line that can close a fence: the fence string at column 0, blanks,
   end of line. Sorted by (char, length, position) for the search below. */
typedef struct fence_line {
	char c;
	size_t len, pos, end; /* end: where the trailing blanks stop */
} fence_line;

static int fence_cmp(const void *a, const void *b)
{
	const fence_line *x = a, *y = b;
	if (x->c != y->c)
		return x->c < y->c ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The first closing line for fence (c, len) at or after pos, or NULL. */
static const fence_line *fence_closer(const fence_line *v, size_t nv, char c, size_t len, size_t pos)
{
	fence_line key = { c, len, pos, 0 };
	size_t lo = 0, hi = nv;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fence_cmp(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nv && v[lo].c == c && v[lo].len == len ? &v[lo] : NULL;
}

/* The fenced_code preprocessor: each ```/~~~ block whose closing fence is
   the same string at the start of a later line becomes a stashed
   <pre><code> (the language class is dropped: bleach removes it anyway).
   Python-Markdown rescans from the start after each block; no earlier
   opener can match then, so one pass over the lines is the same. */
void tb__md_fenced(const char *s, size_t n, tb_buf *o, tb__md_stash *st)
{
	fence_line *v = NULL;
	size_t nv = 0, cap = 0;
	for (size_t p = 0; p < n;) {
		const char *nl = memchr(s + p, '\n', n - p);
		size_t le = nl ? (size_t)(nl - s) : n, k = p;
		if (s[p] == '`' || s[p] == '~') {
			while (k < le && s[k] == s[p])
				k++;
			size_t e = k;
			while (e < le && s[e] == ' ')
				e++;
			if (k - p >= 3 && e == le) {
				if (!vec_reserve((void **)&v, &cap, nv + 1, sizeof *v)) {
					st->oom = true;
					break;
				}
				v[nv++] = (fence_line){ s[p], k - p, p, e };
			}
		}
		p = le + 1;
	}
	if (nv)
		qsort(v, nv, sizeof *v, fence_cmp);
	size_t copied = 0, p = 0;
	while (p < n && !st->oom) {
		size_t flen = 0, code = 0;
		const fence_line *close = NULL;
		if (fence_open(s, n, p, &flen, &code))
			close = fence_closer(v, nv, s[p], flen, code);
		if (close) {
			tb_buf_append(o, s + copied, p - copied);
			tb_buf_putc(o, '\n');
			tb_buf html = TB_BUF_INIT;
			tb_buf_puts(&html, "<pre><code>");
			for (size_t i = code; i < close->pos; i++) {
				switch (s[i]) {
				case '&': tb_buf_puts(&html, "&amp;"); break;
				case '<': tb_buf_puts(&html, "&lt;"); break;
				case '>': tb_buf_puts(&html, "&gt;"); break;
				case '"': tb_buf_puts(&html, "&quot;"); break;
				default: tb_buf_putc(&html, s[i]); break;
				}
			}
			tb_buf_puts(&html, "</code></pre>");
			if (html.oom)
				st->oom = true;
			stash_store(st, html.data, html.len, o);
			tb_buf_release(&html);
			tb_buf_putc(o, '\n');
			copied = p = close->end;
		}
		const char *nl = p < n ? memchr(s + p, '\n', n - p) : NULL;
		p = nl ? (size_t)(nl - s) + 1 : n;
	}
	tb_buf_append(o, s + copied, n - copied);
	free(v);
}

/* HtmlBlockPreprocessor: Python-Markdown's HTMLExtractor on Python 3.11's
   html.parser. Block-level tags that start a line (or follow the end of a
   raw block on the same line, "intail") open a raw block that runs to the
   matching end tag; the block is stashed and surrounded by blank lines.
   Everything else stays in the text. Positions are bytes; html.parser's
   are characters, which only matters for the "at most 3 leading blanks"
   test, where both agree unless the blanks are non-ASCII. */
typedef struct pm_html {
	const char *s;
	size_t n;
	tb_buf *clean;     /* the text handed on */
	size_t last_piece; /* where the last piece appended to clean starts */
	tb_buf cache;      /* the raw block being collected */
	tb__md_stash *st;
	bool inraw, intail;
	const char *cdata; /* "script"/"style" while in CDATA mode */
	struct { size_t off, len; } *stack; /* open raw tags (names in s) */
	size_t depth, cap;
	size_t line_pos, line_start; /* cache for line_start_of() */
	/* Searches for a closing "-->", "?>", "]]>" that failed from here on
	   fail from any later start too: remembering that keeps a run of
	   unclosed openers linear (html.parser itself is quadratic there). */
	size_t no_close[3];
	size_t last_gt; /* one past the last '>', 0 if none */
} pm_html;

enum { CLOSE_COMMENT, CLOSE_PI, CLOSE_CDATA };

static void ph_clean(pm_html *x, const char *p, size_t n)
{
	x->last_piece = x->clean->len;
	tb_buf_append(x->clean, p, n);
}

static void ph_data(pm_html *x, const char *p, size_t n)
{
	if (x->intail && memchr(p, '\n', n))
		x->intail = false;
	if (x->inraw)
		tb_buf_append(&x->cache, p, n);
	else
		ph_clean(x, p, n);
}

static size_t line_start_of(pm_html *x, size_t pos)
{
	if (pos < x->line_pos)
		x->line_pos = x->line_start = 0;
	for (size_t i = x->line_pos; i < pos; i++)
		if (x->s[i] == '\n')
			x->line_start = i + 1;
	x->line_pos = pos;
	return x->line_start;
}

static bool ph_at_line_start(pm_html *x, size_t pos)
{
	size_t ls = line_start_of(x, pos);
	if (pos - ls > 3)
		return false;
	for (size_t i = ls; i < pos; i++)
		if (!py_space((unsigned char)x->s[i]))
			return false;
	return true;
}

/* blank_line_re = ^([ ]*\n){2} */
static bool ph_blank_lines(const pm_html *x, size_t pos)
{
	for (int k = 0; k < 2; k++) {
		while (pos < x->n && x->s[pos] == ' ')
			pos++;
		if (pos >= x->n || x->s[pos] != '\n')
			return false;
		pos++;
	}
	return true;
}

static void ph_store_cache(pm_html *x)
{
	tb_buf ph = TB_BUF_INIT;
	stash_store(x->st, x->cache.data ? x->cache.data : "", x->cache.len, &ph);
	ph_clean(x, ph.data, ph.len);
	tb_buf_release(&ph);
	tb_buf_reset(&x->cache);
}

/* handle_empty_tag: a stand-alone construct (comment, <hr>, <x/>, ...). */
static void ph_empty(pm_html *x, size_t pos, const char *p, size_t n, bool block)
{
	if (x->inraw || x->intail) {
		tb_buf_append(&x->cache, p, n);
	} else if (block && ph_at_line_start(x, pos)) {
		tb_buf_reset(&x->cache);
		tb_buf_append(&x->cache, p, n);
		if (ph_blank_lines(x, pos + n))
			tb_buf_putc(&x->cache, '\n');
		else
			x->intail = true;
		const char *c = x->clean->data;
		size_t l = x->clean->len - x->last_piece;
		if (l && c[x->clean->len - 1] == '\n' &&
		    !(l >= 2 && c[x->clean->len - 2] == '\n'))
			ph_clean(x, "\n", 1);
		ph_store_cache(x);
		ph_clean(x, "\n\n", 2);
	} else {
		ph_clean(x, p, n);
	}
}

static bool ph_name_eq(const pm_html *x, size_t a, size_t alen, size_t b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (to_lower((unsigned char)x->s[a + i]) != to_lower((unsigned char)x->s[b + i]))
			return false;
	return true;
}

static void ph_starttag(pm_html *x, size_t pos, size_t name, size_t nlen, size_t end)
{
	if (nlen == 2 && starts_with_ci(x->s + name, 2, "hr")) { /* empty_tags */
		ph_empty(x, pos, x->s + pos, end - pos, true);
		return;
	}
	if (tb__md_block_level(x->s + name, nlen) &&
	    (x->intail || (!x->inraw && ph_at_line_start(x, pos)))) {
		x->inraw = true;
		ph_clean(x, "\n", 1);
	}
	if (x->inraw) {
		if (x->depth < TB_MD_MAX_RAW_DEPTH) {
			if (!vec_reserve((void **)&x->stack, &x->cap, x->depth + 1,
					 sizeof *x->stack)) {
				x->st->oom = true;
				return;
			}
			x->stack[x->depth].off = name;
			x->stack[x->depth].len = nlen;
			x->depth++;
		}
		tb_buf_append(&x->cache, x->s + pos, end - pos);
	} else {
		ph_clean(x, x->s + pos, end - pos);
		x->cdata = NULL; /* a stand-alone <script> in running text */
	}
}

static void ph_endtag(pm_html *x, size_t pos, size_t name, size_t nlen)
{
	/* get_endtag_text(): the source up to the first '>' */
	const char *gt = memchr(x->s + pos, '>', x->n - pos);
	size_t end = gt ? (size_t)(gt - x->s) + 1 : x->n;
	if (!x->inraw) {
		ph_clean(x, x->s + pos, end - pos);
		return;
	}
	tb_buf_append(&x->cache, x->s + pos, end - pos);
	for (size_t i = x->depth; i-- > 0;) {
		if (ph_name_eq(x, x->stack[i].off, x->stack[i].len, name, nlen)) {
			x->depth = i;
			break;
		}
	}
	if (x->depth)
		return;
	if (ph_blank_lines(x, end))
		tb_buf_putc(&x->cache, '\n');
	else
		x->intail = true;
	x->inraw = false;
	ph_store_cache(x);
	ph_clean(x, "\n\n", 2);
}

/* locatestarttagend_tolerant as Python-Markdown patches it (no backticks)
   or attrfind_tolerant's attribute loop as Python has it: returns where the
   attributes of the tag whose name ends at j end. */
static size_t ph_attrs_end(const char *s, size_t n, size_t j, size_t limit, bool patched)
{
	size_t k = j;
	if (patched)
		while (k < n && (py_space((unsigned char)s[k]) || s[k] == '/'))
			k++;
	for (;;) {
		if (k >= n || k >= limit || k == 0)
			break;
		char prev = s[k - 1], c = s[k];
		if (!(prev == '\'' || prev == '"' || prev == '/' || py_space((unsigned char)prev)))
			break;
		if ((patched && c == '`') || py_space((unsigned char)c) || c == '/' || c == '>')
			break;
		size_t a = k + 1;
		while (a < n && !py_space((unsigned char)s[a]) && s[a] != '/' && s[a] != '=' && s[a] != '>')
			a++;
		size_t v = a;
		while (v < n && py_space((unsigned char)s[v]))
			v++;
		if (v < n && s[v] == '=') {
			while (v < n && s[v] == '=')
				v++;
			while (v < n && py_space((unsigned char)s[v]))
				v++;
			size_t e = (size_t)-1;
			if (v < n && (s[v] == '\'' || s[v] == '"')) {
				const char *q = memchr(s + v + 1, s[v], n - v - 1);
				if (q)
					e = (size_t)(q - s) + 1;
			} else {
				e = v;
				while (e < n && s[e] != '>' && !py_space((unsigned char)s[e]) &&
				       !(patched && s[e] == '`'))
					e++;
			}
			if (e != (size_t)-1) {
				if (patched) {
					for (;;) { /* (?:\s*,)* */
						size_t c2 = e;
						while (c2 < n && py_space((unsigned char)s[c2]))
							c2++;
						if (c2 < n && s[c2] == ',')
							e = c2 + 1;
						else
							break;
					}
				}
				a = e;
			}
		}
		while (a < n && (py_space((unsigned char)s[a]) ||
				 (s[a] == '/' && !(a + 1 < n && s[a + 1] == '>'))))
			a++;
		k = a;
	}
	return k;
}

/* parse_starttag as Python-Markdown overrides it; returns the next index. */
static size_t ph_parse_starttag(pm_html *x, size_t i)
{
	const char *s = x->s;
	size_t n = x->n;
	/* check_for_whole_start_tag() */
	size_t j = i + 2;
	if (n - i > TB_MD_MAX_TAG_BYTES)
		n = i + TB_MD_MAX_TAG_BYTES; /* longer: incomplete, i.e. text */
	while (j < n && !strchr("`\t\n\r\f />", s[j]) && s[j])
		j++;
	j = ph_attrs_end(s, n, j, n, true);
	while (j < n && py_space((unsigned char)s[j]))
		j++;
	size_t endpos;
	if (j < n && s[j] == '>') {
		endpos = j + 1;
	} else if (j + 1 < n && s[j] == '/' && s[j + 1] == '>') {
		endpos = j + 2;
	} else if (j >= n || s[j] == '/' || s[j] == '=' || is_alpha((unsigned char)s[j])) {
		ph_data(x, s + i, 1); /* incomplete: the '<' is text */
		return i + 1;
	} else {
		endpos = j;
	}
	/* tagfind_tolerant, then the attribute loop */
	size_t name = i + 1, k = name + 1;
	while (k < n && !strchr("\t\n\r\f />", s[k]) && s[k])
		k++;
	size_t nlen = k - name;
	while (k < n && (py_space((unsigned char)s[k]) || (s[k] == '/' && !(k + 1 < n && s[k + 1] == '>'))))
		k++;
	if (k < endpos)
		k = ph_attrs_end(s, n, k, endpos, false);
	size_t a = k, b = endpos;
	while (a < b && py_space((unsigned char)s[a]))
		a++;
	while (b > a && py_space((unsigned char)s[b - 1]))
		b--;
	if (k > endpos || !((b - a == 1 && s[a] == '>') || (b - a == 2 && s[a] == '/' && s[a + 1] == '>'))) {
		ph_data(x, s + i, endpos - i);
		return endpos;
	}
	if (b - a == 2) { /* <tag/> */
		ph_empty(x, i, s + i, endpos - i, tb__md_block_level(s + name, nlen));
		return endpos;
	}
	if (nlen == 6 && starts_with_ci(s + name, 6, "script"))
		x->cdata = "script";
	else if (nlen == 5 && starts_with_ci(s + name, 5, "style"))
		x->cdata = "style";
	ph_starttag(x, i, name, nlen, endpos);
	return endpos;
}

/* parse_endtag (Python 3.11); returns the next index, or 0 when there is
   no '>' at all (html.parser's "incomplete", handled by the caller). */
static size_t ph_parse_endtag(pm_html *x, size_t i)
{
	const char *s = x->s;
	size_t n = x->n;
	const char *gt = i + 1 < x->last_gt ? memchr(s + i + 1, '>', n - i - 1) : NULL;
	if (!gt)
		return 0;
	size_t gtpos = (size_t)(gt - s) + 1;
	/* endtagfind = </\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*> */
	size_t k = i + 2;
	while (k < n && py_space((unsigned char)s[k]))
		k++;
	size_t name = k;
	bool exact = k < n && is_alpha((unsigned char)s[k]);
	if (exact) {
		k++;
		while (k < n && (is_alpha((unsigned char)s[k]) || is_digit((unsigned char)s[k]) ||
				 strchr("-.:_", s[k])) && s[k])
			k++;
		size_t nend = k;
		while (k < n && py_space((unsigned char)s[k]))
			k++;
		exact = k < n && s[k] == '>';
		if (exact) {
			if (x->cdata && !(nend - name == strlen(x->cdata) &&
					  starts_with_ci(s + name, nend - name, x->cdata))) {
				ph_data(x, s + i, gtpos - i);
				return gtpos;
			}
			ph_endtag(x, i, name, nend - name);
			x->cdata = NULL;
			return gtpos;
		}
	}
	if (x->cdata) {
		ph_data(x, s + i, gtpos - i);
		return gtpos;
	}
	if (!is_alpha((unsigned char)s[i + 2])) {
		if (s[i + 2] == '>')
			return i + 3;
		/* parse_bogus_comment(report=0), kept as an inline construct */
		ph_empty(x, i, s + i, gtpos - i, false);
		return gtpos;
	}
	name = i + 2;
	k = name + 1;
	while (k < n && !strchr("\t\n\r\f />", s[k]) && s[k])
		k++;
	ph_endtag(x, i, name, k - name);
	gt = memchr(s + k, '>', n - k);
	return (size_t)(gt - s) + 1;
}

/* "<!--", "<?", "<!": returns the next index, or 0 for "incomplete". */
static size_t ph_parse_special(pm_html *x, size_t i)
{
	const char *s = x->s;
	size_t n = x->n;
	if (n - i >= 4 && !memcmp(s + i, "<!--", 4)) {
		/* _commentclose = --\s*> ; Python-Markdown only accepts "-->" */
		if (i >= x->no_close[CLOSE_COMMENT])
			return 0;
		for (size_t k = i + 4; k + 1 < n; k++) {
			if (s[k] != '-' || s[k + 1] != '-')
				continue;
			size_t e = k + 2;
			while (e < n && py_space((unsigned char)s[e]))
				e++;
			if (e >= n || s[e] != '>')
				continue;
			if (e != k + 2) {
				ph_data(x, s + i, 1);
				return i + 1;
			}
			ph_empty(x, i, s + i, e + 1 - i, true);
			return e + 1;
		}
		x->no_close[CLOSE_COMMENT] = i;
		return 0;
	}
	bool start = ph_at_line_start(x, i) || x->intail;
	if (!start) { /* not the beginning of a raw block: plain text */
		ph_data(x, s + i, 2);
		return i + 2;
	}
	const char *close = NULL;
	size_t cl = 1;
	int kind = s[i + 1] == '?' ? CLOSE_PI :
		   (n - i >= 9 && !memcmp(s + i, "<![CDATA[", 9)) ? CLOSE_CDATA : -1;
	if (kind >= 0 && i >= x->no_close[kind])
		return 0;
	if (kind == CLOSE_PI) {
		for (size_t k = i + 2; k + 1 < n && !close; k++)
			if (s[k] == '?' && s[k + 1] == '>')
				close = s + k, cl = 2;
	} else if (kind == CLOSE_CDATA) {
		for (size_t k = i + 3; k < n && !close; k++) { /* ]\s*]\s*> */
			if (s[k] != ']')
				continue;
			size_t e = k + 1;
			while (e < n && py_space((unsigned char)s[e]))
				e++;
			if (e >= n || s[e] != ']')
				continue;
			e++;
			while (e < n && py_space((unsigned char)s[e]))
				e++;
			if (e < n && s[e] == '>')
				close = s + k, cl = e + 1 - k;
		}
	} else if (i + 2 < x->last_gt) {
		close = memchr(s + i + 2, '>', n - i - 2);
	}
	if (!close) {
		if (kind >= 0)
			x->no_close[kind] = i;
		return 0;
	}
	size_t end = (size_t)(close - s) + cl;
	bool block = s[i + 1] == '?' || (n - i >= 9 && !memcmp(s + i, "<![CDATA[", 9)) ||
		     starts_with_ci(s + i + 2, n - i - 2, "doctype");
	ph_empty(x, i, s + i, end - i, block);
	return end;
}

/* The HTMLExtractor run over the whole text (goahead + close). */
void tb__md_extract_html(const char *s, size_t n, tb_buf *clean, tb__md_stash *st)
{
	pm_html x;
	memset(&x, 0, sizeof x);
	x.s = s;
	x.n = n;
	x.clean = clean;
	x.st = st;
	x.no_close[0] = x.no_close[1] = x.no_close[2] = n;
	for (size_t k = n; k > 0 && !x.last_gt; k--)
		if (s[k - 1] == '>')
			x.last_gt = k;
	tb_buf_init(&x.cache);
	size_t i = 0;
	while (i < n) {
		size_t j;
		if (x.cdata) { /* up to </\s*script\s*> */
			j = n;
			for (size_t k = i; k + 1 < n; k++) {
				if (s[k] != '<' || s[k + 1] != '/')
					continue;
				size_t e = k + 2;
				while (e < n && py_space((unsigned char)s[e]))
					e++;
				size_t l = strlen(x.cdata);
				if (!starts_with_ci(s + e, n - e, x.cdata))
					continue;
				e += l;
				while (e < n && py_space((unsigned char)s[e]))
					e++;
				if (e < n && s[e] == '>') {
					j = k;
					break;
				}
			}
			if (j == n)
				break; /* close() hands the rest over as data */
		} else {
			j = i;
			while (j < n && s[j] != '<' && s[j] != '&')
				j++;
		}
		if (j > i)
			ph_data(&x, s + i, j - i);
		i = j;
		if (i >= n)
			break;
		size_t k = 0;
		if (s[i] == '<') {
			if (i + 1 < n && is_alpha((unsigned char)s[i + 1]))
				k = ph_parse_starttag(&x, i);
			else if (i + 1 < n && s[i + 1] == '/')
				k = ph_parse_endtag(&x, i);
			else if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?'))
				k = ph_parse_special(&x, i);
			else
				ph_data(&x, s + i, 1), k = i + 1;
			if (!k) { /* incomplete construct: text up to '>' or '<' */
				const char *gt = i + 1 < x.last_gt ? memchr(s + i + 1, '>', n - i - 1) : NULL;
				const char *lt = memchr(s + i + 1, '<', n - i - 1);
				k = gt ? (size_t)(gt - s) + 1 : lt ? (size_t)(lt - s) : i + 1;
				ph_data(&x, s + i, k - i);
			}
			i = k;
		} else if (i + 1 < n && s[i + 1] == '#') {
			/* charref = &#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F] */
			size_t e = i + 2;
			bool hex = e < n && (s[e] == 'x' || s[e] == 'X');
			if (hex)
				e++;
			size_t d = e;
			while (e < n && (hex ? is_hex((unsigned char)s[e]) : is_digit((unsigned char)s[e])))
				e++;
			if (e > d && e < n && !is_hex((unsigned char)s[e])) {
				tb_buf ref = TB_BUF_INIT;
				tb_buf_puts(&ref, "&#");
				tb_buf_append(&ref, s + i + 2, e - i - 2);
				tb_buf_putc(&ref, ';');
				ph_empty(&x, i, ref.data, ref.len, false);
				tb_buf_release(&ref);
				i = s[e] == ';' ? e + 1 : e;
			} else if (memchr(s + i, ';', n - i)) {
				ph_data(&x, s + i, 2);
				i += 2;
			} else {
				break; /* html.parser gives up: the rest is text */
			}
		} else {
			/* entityref = &([a-zA-Z][-.a-zA-Z0-9]*); */
			size_t e = i + 1;
			if (e < n && is_alpha((unsigned char)s[e])) {
				e++;
				while (e < n && (is_alpha((unsigned char)s[e]) || is_digit((unsigned char)s[e]) ||
						 s[e] == '-' || s[e] == '.'))
					e++;
			}
			if (e > i + 1 && e < n && s[e] == ';') {
				ph_empty(&x, i, s + i, e + 1 - i, false);
				i = e + 1;
			} else {
				ph_data(&x, s + i, 1);
				i++;
			}
		}
	}
	if (i < n)
		ph_data(&x, s + i, n - i);
	if (x.cache.len)
		ph_store_cache(&x);
	if (x.cache.oom)
		st->oom = true;
	tb_buf_release(&x.cache);
	free(x.stack);
}

/* Lines md4c would read differently from Python-Markdown are adjusted in
   the text md4c parses:
   - a ``` or ~~~ line the fenced_code preprocessor did not take, a "1)"
     item (Python-Markdown has no such lists) and a list item that
     continues a paragraph (Python-Markdown starts lists only at the start
     of a block) get a "\x02\x03" marker in front, removed again from the
     HTML, so md4c reads them as text;
   - in a block that is a list, every later item indented by at most 3
     blanks is a sibling of the first in Python-Markdown, whatever its
     marker, so it is rewritten to the first item's marker at column 0.
   Blockquote markers are looked through. */
enum { LINE_BLANK, LINE_PLAIN, LINE_LIST, LINE_PAREN_LIST, LINE_FENCE,
       LINE_BREAKER, LINE_OTHER };

/* The kind of the line whose content (after quote markers) starts at q;
   for list items, mark and mark_end bound the marker. */
static int pm_line_kind(const char *s, size_t n, size_t q, size_t *mark, size_t *mark_end)
{
	size_t e = q;
	while (e < n && s[e] != '\n')
		e++;
	size_t k = q;
	while (k < e && s[k] == ' ')
		k++;
	if (k == e)
		return LINE_BLANK;
	if (k - q > 3)
		return LINE_OTHER;
	char c = s[k];
	if (c == '`' || c == '~') {
		size_t f = k;
		while (f < e && s[f] == c)
			f++;
		if (f - k >= 3)
			return LINE_FENCE;
	}
	if (c == '*' || c == '-' || c == '_') { /* thematic break */
		size_t cnt = 0, f = k;
		while (f < e && (s[f] == c || s[f] == ' '))
			cnt += s[f++] == c;
		if (f == e && cnt >= 3)
			return LINE_BREAKER;
	}
	if (c == '#')
		return LINE_BREAKER;
	*mark = k;
	if ((c == '*' || c == '-' || c == '+') && (k + 1 == e || s[k + 1] == ' ')) {
		*mark_end = k + 1;
		return LINE_LIST;
	}
	if (is_digit((unsigned char)c)) {
		size_t f = k;
		while (f < e && f - k < 10 && is_digit((unsigned char)s[f]))
			f++;
		if (f - k <= 9 && f < e && (s[f] == '.' || s[f] == ')') &&
		    (f + 1 == e || s[f + 1] == ' ')) {
			*mark_end = f + 1;
			return s[f] == ')' ? LINE_PAREN_LIST : LINE_LIST;
		}
	}
	if (c == '>' || c == '\x02')
		return LINE_OTHER;
	return LINE_PLAIN;
}

/* Python-Markdown's tables _split_row(): the number of cells in s[a..b)
   (already stripped of blanks), with the border pipes the header had. */
static size_t pm_row_cells(const char *s, size_t a, size_t b, bool left, bool right)
{
	if (left && a < b && s[a] == '|')
		a++;
	if (right && b > a && s[b - 1] == '|') {
		size_t bs = 0;
		while (b - 1 - bs > a && s[b - 2 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			b--;
	}
	size_t cells = 1;
	for (size_t i = a; i < b; i++) {
		if (s[i] == '\\') {
			i++;
		} else if (s[i] == '`') {
			size_t r = i;
			while (r < b && s[r] == '`')
				r++;
			for (size_t j = r; j < b; j++) { /* the matching run */
				size_t e = j;
				while (e < b && s[e] == '`')
					e++;
				if (e - j == r - i) {
					r = e;
					break;
				}
				j = e > j ? e - 1 : j;
			}
			i = r - 1;
		} else if (s[i] == '|') {
			cells++;
		}
	}
	return cells;
}

static void strip_blanks(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && s[*a] == ' ')
		++*a;
	while (*b > *a && s[*b - 1] == ' ')
		--*b;
}

/* Would Python-Markdown's TableProcessor take header + separator? Sets
   the number of columns. */
static bool pm_table_ok(const char *s, size_t ha, size_t hb, size_t sa, size_t sb,
			size_t *ncells)
{
	strip_blanks(s, &ha, &hb);
	strip_blanks(s, &sa, &sb);
	if (ha == hb)
		return false;
	bool left = s[ha] == '|';
	bool right = s[hb - 1] == '|' && !(hb - ha >= 2 && s[hb - 2] == '\\');
	size_t cells = pm_row_cells(s, ha, hb, left, right);
	if (cells < 2 && !(cells == 1 && (left || right) &&
			   (s[sa] == '|' || s[sb - 1] == '|')))
		return false;
	for (size_t i = sa; i < sb; i++)
		if (!strchr("|:- ", s[i]))
			return false;
	*ncells = cells;
	return pm_row_cells(s, sa, sb, left, right) == cells;
}

/* [ ]{0,3}(=+|-+)[ ]* : returns '=' or '-', or 0. */
static char setext_rule(const char *s, size_t a, size_t b)
{
	size_t k = a;
	while (k < b && k - a < 3 && s[k] == ' ')
		k++;
	if (k >= b || (s[k] != '=' && s[k] != '-'))
		return 0;
	char c = s[k];
	while (k < b && s[k] == c)
		k++;
	while (k < b && s[k] == ' ')
		k++;
	return k == b ? c : 0;
}

void tb__md_defuse(const char *s, size_t n, tb_buf *o)
{
	bool run_first = true, run_plain = false, run_list = false;
	char marker[12] = "";
	size_t copied = 0, run_len = 0, prev_q = 0, prev_le = 0;
	for (size_t ls = 0; ls < n;) {
		const char *nl = memchr(s + ls, '\n', n - ls);
		size_t le = nl ? (size_t)(nl - s) : n;
		size_t q = ls, mark = 0, mark_end = 0;
		for (;;) { /* [ ]{0,3}>[ ]? */
			size_t t = q;
			while (t < le && t - q < 3 && s[t] == ' ')
				t++;
			if (t >= le || s[t] != '>')
				break;
			q = t + 1;
			if (q < le && s[q] == ' ')
				q++;
		}
		int kind = pm_line_kind(s, n, q, &mark, &mark_end);
		char setext = run_first ? 0 : setext_rule(s, q, le);
		bool defuse = false;
		if (setext && run_plain && run_len >= 2) {
			/* md4c would make the whole paragraph a heading; Python-
			   Markdown only takes a one-line one: a rule of dashes
			   ends the paragraph, anything else is text. */
			size_t dashes = 0;
			for (size_t i = q; i < le; i++)
				dashes += s[i] == '-';
			if (setext == '-' && dashes >= 3) {
				tb_buf_append(o, s + copied, ls - copied);
				tb_buf_putc(o, '\n');
				copied = ls;
				kind = LINE_BREAKER;
			} else {
				defuse = true;
			}
		} else if (run_plain && run_len == 1 && memchr(s + q, '|', le - q) &&
			   strspn(s + q, "|:- ") >= le - q) {
			/* A table separator: md4c wants 3 dashes a cell and no
			   column check, Python-Markdown wants matching columns. */
			size_t cells;
			if (pm_table_ok(s, prev_q, prev_le, q, le, &cells)) {
				tb_buf_append(o, s + copied, q - copied);
				tb_buf_putc(o, '|');
				for (size_t c = 0; c < cells; c++)
					tb_buf_puts(o, "---|");
				copied = le;
			} else {
				defuse = true;
			}
		}
		if (defuse || kind == LINE_FENCE || kind == LINE_PAREN_LIST ||
		    (kind == LINE_LIST && !run_first && run_plain)) {
			size_t k = q;
			while (k < le && s[k] == ' ')
				k++;
			tb_buf_append(o, s + copied, k - copied);
			tb_buf_append(o, "\x02\x03", 2);
			copied = k;
		} else if (kind == LINE_LIST && !run_first && run_list) {
			tb_buf_append(o, s + copied, q - copied);
			tb_buf_puts(o, marker);
			copied = mark_end;
		}
		if (kind == LINE_LIST) { /* a fence right after the marker */
			size_t k = mark_end, f;
			while (k < le && s[k] == ' ')
				k++;
			for (f = k; f < le && s[f] == (k < le ? s[k] : 0) && (s[f] == '`' || s[f] == '~'); f++)
				;
			if (f - k >= 3) {
				tb_buf_append(o, s + copied, k - copied);
				tb_buf_append(o, "\x02\x03", 2);
				copied = k;
			}
		}
		if (kind == LINE_BLANK || kind == LINE_BREAKER || (setext && run_len == 1)) {
			run_first = true;
			run_len = 0;
		} else if (run_first) {
			run_first = false;
			run_plain = kind == LINE_PLAIN || kind == LINE_FENCE ||
				    kind == LINE_PAREN_LIST;
			run_list = kind == LINE_LIST;
			if (run_list) {
				size_t ml = mark_end - mark < sizeof marker ? mark_end - mark : 0;
				memcpy(marker, s + mark, ml);
				marker[ml] = '\0';
			}
		}
		if (!run_first)
			run_len++;
		prev_q = q;
		prev_le = le;
		ls = le + 1;
	}
	tb_buf_append(o, s + copied, n - copied);
}
