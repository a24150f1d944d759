/*
 * markdown.c - TensorBoard's text rendering (see markdown.h): the pipeline
 * and the md4c glue. NUL removal -> Python-Markdown (the preprocessors of
 * md_preprocess.c, then block and inline parsing by md4c re-emitted in
 * Python-Markdown's layout (md_*, r_*), then the stash restore) ->
 * bleach.clean (html_sanitize.c) -> warning comment; and
 * text_array_to_html for string tensors.
 *
 * What it does not do: no HTML parsing or cleaning of its own -- every
 * byte it returns went through tb_html_sanitize(). Where md4c's CommonMark
 * and Python-Markdown disagree beyond what is patched up here and in
 * md_preprocess.c (emphasis edge cases, list looseness, ...), docs/api.md
 * lists it.
 *
 * Invariant: everything appended to a caller's buffer comes from
 * tb_html_sanitize() -- except TensorBoard's fixed NUL-warning comment and
 * the table markup of tb_text_render().
 */
#include "markdown.h"
#include "tblimits.h"

#include "html_sanitize.h"
#include "md_preprocess.h"
#include "md_text.h"

#include <errno.h>
#include <md4c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Restoring stashed HTML can expose placeholders stored inside other
   stashed HTML; Python-Markdown repeats until nothing changes. Nesting is
   at most two deep (fenced code inside a raw block), so this is generous. */
#define TB_MD_MAX_RESTORE_PASSES 8

/* ---------------------------------------------------------------------------
 * Python-Markdown, step 2: block and inline parsing by md4c, written the way
 * Python-Markdown's serializer and PrettifyTreeprocessor lay the tree out.
 * md4c's text pointers point into the parsed text, which is how the layout
 * details CommonMark throws away (leading and trailing blanks of lines,
 * backslashes Python-Markdown does not treat as escapes, code span
 * contents) are recovered.
 * ------------------------------------------------------------------------- */

typedef struct md_block {
	int type;
	bool content;   /* something was written inside */
	bool text_last; /* ... and the last thing was inline text */
	size_t start;   /* output offset just after the opening tag */
} md_block;

typedef struct md_render {
	tb_buf *o;
	const char *doc;
	size_t n;
	md_block *blk;
	size_t depth, cap;
	const char *last_end; /* end of the last text taken from doc */
	const char *cursor;   /* start of the line after the last break */
	bool ws_pending;      /* insert the next line's leading blanks ... */
	size_t ws_pos;        /* ... here */
	bool code_span;
	const char *cs_first, *cs_end;
	int img;
	tb_buf alt, src, title;
	bool in_link;
	size_t a_start;
	tb_buf href;
	int a_chunks;
	const char *a_text;
	size_t a_len;
	bool in_code;
	tb_buf code;
	int p_other, p_html; /* what the current paragraph holds */
	const char *p_html_first, *p_html_end;
	bool tbody;
	unsigned cols;
	bool oom;
} md_render;

/* Any of the renderer's buffers ran out of memory: the output is short. */
static bool render_oom(const md_render *r)
{
	return r->oom || r->o->oom || r->alt.oom || r->src.oom || r->title.oom || r->href.oom ||
	       r->code.oom;
}

static bool in_doc(const md_render *r, const char *p, size_t n)
{
	return p >= r->doc && p + n <= r->doc + r->n;
}

static md_block *top_block(md_render *r)
{
	return r->depth ? &r->blk[r->depth - 1] : NULL;
}

static void r_put(md_render *r, const char *p, size_t n)
{
	tb_buf_append(r->o, p, n);
}

static void r_puts(md_render *r, const char *s)
{
	tb_buf_puts(r->o, s);
}

/* RE_AMP: an '&' that starts "#123;", "#x1f;" or "name;" stays raw. */
static bool amp_is_entity(const char *p, size_t n)
{
	size_t k = 0;
	if (n && p[0] == '#') {
		k = 1;
		bool hex = k < n && (p[k] == 'x' || p[k] == 'X');
		if (hex)
			k++;
		size_t d = k;
		while (k < n && (hex ? is_hex((unsigned char)p[k]) : is_digit((unsigned char)p[k])))
			k++;
		return k > d && k < n && p[k] == ';';
	}
	while (k < n && (is_alpha((unsigned char)p[k]) || is_digit((unsigned char)p[k])))
		k++;
	return k > 0 && k < n && p[k] == ';';
}

/* Python-Markdown's _escape_cdata (text) or _escape_attrib (attr). */
static void escape_pm(tb_buf *o, const char *p, size_t n, const char *look, size_t lookn, bool attr)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '&') {
			const char *a = look ? look + i + 1 : p + i + 1;
			size_t an = look ? lookn - i - 1 : n - i - 1;
			tb_buf_puts(o, amp_is_entity(a, an) ? "&" : "&amp;");
		} else if (c == '<') {
			tb_buf_puts(o, "&lt;");
		} else if (c == '>') {
			tb_buf_puts(o, "&gt;");
		} else if (attr && c == '"') {
			tb_buf_puts(o, "&quot;");
		} else if (attr && c == '\n') {
			tb_buf_puts(o, "&#10;");
		} else {
			tb_buf_putc(o, c);
		}
	}
}

/* util.code_escape: & < > always. */
static void escape_code(tb_buf *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '&')
			tb_buf_puts(o, "&amp;");
		else if (p[i] == '<')
			tb_buf_puts(o, "&lt;");
		else if (p[i] == '>')
			tb_buf_puts(o, "&gt;");
		else
			tb_buf_putc(o, p[i]);
	}
}

static void attr_append(tb_buf *b, const MD_ATTRIBUTE *a)
{
	tb_buf_reset(b);
	if (a->text)
		tb_buf_append(b, a->text, a->size);
}

/* Python's str.rstrip() on UTF-8: the length without trailing blanks. */
static size_t py_rstrip(const char *s, size_t n)
{
	uint32_t cp;
	while (n) {
		size_t k = n - 1;
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		size_t l = utf8_seq((const unsigned char *)s + k, n - k, &cp);
		if (!l || !py_space_cp(cp))
			break;
		n = k;
	}
	return n;
}

/* Python's str.strip() on UTF-8: the bounds of s[0..n) without blanks. */
static void py_strip(const char *s, size_t n, size_t *a, size_t *b)
{
	size_t i = 0;
	uint32_t cp;
	while (i < n) {
		size_t l = utf8_seq((const unsigned char *)s + i, n - i, &cp);
		if (!l || !py_space_cp(cp))
			break;
		i += l;
	}
	*a = i;
	*b = i + py_rstrip(s + i, n - i);
}

/* The blanks that open the line after a break go in front of whatever was
   written since (span tags); md4c drops them, Python-Markdown keeps them
   (minus blockquote markers, and minus the 4-blank indent in a list). */
static void r_apply_ws(md_render *r, const char *p)
{
	if (!r->ws_pending)
		return;
	r->ws_pending = false;
	if (!r->cursor || p < r->cursor)
		return;
	const char *q = r->cursor;
	for (;;) {
		const char *t = q;
		while (t < p && t - q < 3 && *t == ' ')
			t++;
		if (t >= p || *t != '>')
			break;
		q = t + 1;
		if (q < p && *q == ' ')
			q++;
	}
	const char *w = q;
	while (w < p && *w == ' ')
		w++;
	size_t ws = (size_t)(w - q);
	bool in_li = false;
	for (size_t i = 0; i < r->depth; i++)
		in_li |= r->blk[i].type == MD_BLOCK_LI;
	if (in_li)
		ws = ws >= 4 ? ws - 4 : ws;
	if (!ws || tb_buf_grow(r->o, ws) != 0)
		return;
	char *d = r->o->data;
	memmove(d + r->ws_pos + ws, d + r->ws_pos, r->o->len - r->ws_pos + 1);
	memset(d + r->ws_pos, ' ', ws);
	r->o->len += ws;
	if (r->in_link && r->a_start >= r->ws_pos)
		r->a_start += ws;
}

/* The run of blanks md4c dropped before the line end that follows the last
   text; returns that line end. */
static const char *r_line_end(md_render *r, size_t *blanks)
{
	const char *start = r->last_end ? r->last_end : r->doc;
	if (r->cursor && r->cursor > start)
		start = r->cursor;
	const char *end = r->doc + r->n;
	const char *nl = memchr(start, '\n', (size_t)(end - start));
	if (!nl)
		nl = end;
	const char *k = nl;
	while (k > start && k[-1] == ' ')
		k--;
	*blanks = (size_t)(nl - k);
	return nl;
}

static void r_blanks(md_render *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tb_buf_putc(r->o, ' ');
}

/* Inline content was written into the current block. */
static void r_inline(md_render *r)
{
	md_block *b = top_block(r);
	if (b)
		b->content = b->text_last = true;
}

static int md_enter_block(MD_BLOCKTYPE type, void *detail, void *u)
{
	md_render *r = u;
	md_block *parent = top_block(r);
	r->ws_pending = false;
	if (parent && parent->type != MD_BLOCK_DOC) {
		if (!parent->content)
			r_puts(r, "\n"); /* PrettifyTreeprocessor */
		parent->content = true;
		parent->text_last = false;
	}
	switch (type) {
	case MD_BLOCK_QUOTE: r_puts(r, "<blockquote>"); break;
	case MD_BLOCK_UL: r_puts(r, "<ul>"); break;
	case MD_BLOCK_OL: r_puts(r, "<ol>"); break;
	case MD_BLOCK_LI: r_puts(r, "<li>"); break;
	case MD_BLOCK_HR: r_puts(r, "<hr />"); break;
	case MD_BLOCK_H:
		tb_buf_printf(r->o, "<h%u>", ((MD_BLOCK_H_DETAIL *)detail)->level);
		break;
	case MD_BLOCK_CODE:
		r_puts(r, "<pre><code>");
		r->in_code = true;
		tb_buf_reset(&r->code);
		break;
	case MD_BLOCK_P:
		r_puts(r, "<p>");
		r->p_other = r->p_html = 0;
		r->p_html_first = r->p_html_end = NULL;
		break;
	case MD_BLOCK_TABLE:
		r_puts(r, "<table>");
		r->tbody = false;
		r->cols = ((MD_BLOCK_TABLE_DETAIL *)detail)->col_count;
		break;
	case MD_BLOCK_THEAD: r_puts(r, "<thead>"); break;
	case MD_BLOCK_TBODY: r_puts(r, "<tbody>"); r->tbody = true; break;
	case MD_BLOCK_TR: r_puts(r, "<tr>"); break;
	case MD_BLOCK_TH: r_puts(r, "<th>"); break;
	case MD_BLOCK_TD: r_puts(r, "<td>"); break;
	default: break; /* DOC; HTML blocks are off */
	}
	if (!vec_reserve((void **)&r->blk, &r->cap, r->depth + 1, sizeof *r->blk)) {
		r->oom = true;
		return -1;
	}
	md_block *b = &r->blk[r->depth++];
	b->type = (int)type;
	b->content = b->text_last = false;
	b->start = r->o->len;
	return 0;
}

/* RawHtmlPostprocessor.isblocklevel */
static bool pm_html_is_block(const char *h, size_t n)
{
	size_t i = 1, j;
	if (n < 2 || h[0] != '<')
		return false;
	if (h[i] == '/')
		i++;
	for (j = i; j < n && h[j] != ' ' && h[j] != '>'; j++)
		;
	if (j == i)
		return false;
	if (strchr("!?@%", h[i]))
		return true;
	return tb__md_block_level(h + i, j - i);
}

static void md_leave_p(md_render *r, md_block *b)
{
	size_t blanks;
	if (b->text_last) {
		r_line_end(r, &blanks);
		r_blanks(r, blanks);
	}
	/* A paragraph that is one block-level tag loses its <p>. */
	if (!r->p_other && r->p_html && r->p_html_first) {
		const char *h = r->p_html_first;
		size_t hn = (size_t)(r->p_html_end - h);
		const char *gt = memchr(h, '>', hn);
		if (gt == h + hn - 1 && pm_html_is_block(h, hn)) {
			char *d = r->o->data + b->start - 3;
			memmove(d, d + 3, r->o->len - b->start + 1);
			r->o->len -= 3;
			return;
		}
	}
	r_puts(r, "</p>");
}

static int md_leave_block(MD_BLOCKTYPE type, void *detail, void *u)
{
	md_render *r = u;
	md_block *b = top_block(r);
	size_t blanks;
	(void)detail;
	r->ws_pending = false;
	switch (type) {
	case MD_BLOCK_QUOTE: r_puts(r, "</blockquote>"); break;
	case MD_BLOCK_UL: r_puts(r, "</ul>"); break;
	case MD_BLOCK_OL: r_puts(r, "</ol>"); break;
	case MD_BLOCK_LI:
		if (b->text_last) {
			r_line_end(r, &blanks);
			r_blanks(r, blanks);
		}
		r_puts(r, "</li>");
		break;
	case MD_BLOCK_H:
		tb_buf_printf(r->o, "</h%u>", ((MD_BLOCK_H_DETAIL *)detail)->level);
		break;
	case MD_BLOCK_CODE: /* block.rstrip(), then Prettify adds one "\n" */
		escape_code(r->o, r->code.data ? r->code.data : "",
			    py_rstrip(r->code.data ? r->code.data : "", r->code.len));
		r_puts(r, "\n</code></pre>");
		r->in_code = false;
		break;
	case MD_BLOCK_P: md_leave_p(r, b); break;
	case MD_BLOCK_TABLE:
		if (!r->tbody) { /* Python-Markdown writes one empty row */
			r_puts(r, "<tbody>\n<tr>\n");
			for (unsigned i = 0; i < r->cols; i++)
				r_puts(r, "<td></td>\n");
			r_puts(r, "</tr>\n</tbody>\n");
		}
		r_puts(r, "</table>");
		break;
	case MD_BLOCK_THEAD: r_puts(r, "</thead>"); break;
	case MD_BLOCK_TBODY: r_puts(r, "</tbody>"); break;
	case MD_BLOCK_TR: r_puts(r, "</tr>"); break;
	case MD_BLOCK_TH: r_puts(r, "</th>"); break;
	case MD_BLOCK_TD: r_puts(r, "</td>"); break;
	default: break;
	}
	r->depth--;
	if (type != MD_BLOCK_DOC)
		r_puts(r, "\n");
	return 0;
}

static int md_enter_span(MD_SPANTYPE type, void *detail, void *u)
{
	md_render *r = u;
	if (r->img) { /* spans inside alt text are flattened */
		if (type == MD_SPAN_IMG)
			r->img++;
		return 0;
	}
	r->p_other++;
	r_inline(r);
	switch (type) {
	case MD_SPAN_EM: r_puts(r, "<em>"); break;
	case MD_SPAN_STRONG: r_puts(r, "<strong>"); break;
	case MD_SPAN_CODE:
		r_puts(r, "<code>");
		r->code_span = true;
		r->cs_first = r->cs_end = NULL;
		break;
	case MD_SPAN_A: {
		MD_SPAN_A_DETAIL *a = detail;
		r->in_link = true;
		r->a_start = r->o->len;
		r->a_chunks = 0;
		r->a_text = NULL;
		attr_append(&r->href, &a->href);
		r_puts(r, "<a href=\"");
		escape_pm(r->o, r->href.data ? r->href.data : "", r->href.len, NULL, 0, true);
		r_puts(r, "\"");
		if (a->title.size) {
			attr_append(&r->title, &a->title);
			r_puts(r, " title=\"");
			escape_pm(r->o, r->title.data, r->title.len, NULL, 0, true);
			r_puts(r, "\"");
		}
		r_puts(r, ">");
		break;
	}
	case MD_SPAN_IMG: {
		MD_SPAN_IMG_DETAIL *im = detail;
		r->img = 1;
		attr_append(&r->src, &im->src);
		attr_append(&r->title, &im->title);
		tb_buf_reset(&r->alt);
		break;
	}
	default: break;
	}
	return 0;
}

/* AUTOLINK_RE: (?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]* */
static bool pm_autolink(const char *t, size_t n)
{
	size_t k = 0;
	if (k < n && (t[k] | 0x20) == 'f')
		k++;
	else if (k + 1 < n && (t[k] | 0x20) == 'h' && (t[k + 1] | 0x20) == 't')
		k += 2;
	else
		return false;
	if (k + 1 >= n || (t[k] | 0x20) != 't' || (t[k + 1] | 0x20) != 'p')
		return false;
	k += 2;
	if (k < n && (t[k] | 0x20) == 's')
		k++;
	return n - k >= 3 && !memcmp(t + k, "://", 3);
}

/* AUTOMAIL_RE: [^<> !]+@[^@<> ]+ (the whole autolink text) */
static bool pm_automail(const char *t, size_t n)
{
	const char *at = NULL;
	for (size_t i = 0; i < n; i++)
		if (t[i] == '@')
			at = t + i;
	if (!at || at == t || at == t + n - 1)
		return false;
	for (const char *p = t; p < t + n; p++)
		if (*p == '<' || *p == '>' || *p == ' ' || (p < at && *p == '!'))
			return false;
	return true;
}

/* Python-Markdown's <autolink> handling, applied after md4c made a link of
   "<...>": http/ftp links stay, e-mail addresses become entity-encoded
   mailto links, anything else is raw HTML (which bleach then escapes). */
static void md_leave_link(md_render *r)
{
	r_puts(r, "</a>");
	r->in_link = false;
	const char *t = r->a_text;
	size_t n = r->a_len;
	if (r->a_chunks != 1 || !t || t == r->doc || t[-1] != '<' ||
	    t + n >= r->doc + r->n || t[n] != '>' || pm_autolink(t, n))
		return;
	r->o->len = r->a_start;
	r->o->data[r->o->len] = '\0';
	if (!pm_automail(t, n)) {
		r_puts(r, "<");
		r_put(r, t, n);
		r_puts(r, ">");
		return;
	}
	if (n > 7 && !memcmp(t, "mailto:", 7))
		t += 7, n -= 7;
	r_puts(r, "<a href=\"");
	for (const char *p = "mailto:"; *p; p++)
		tb_buf_printf(r->o, "&#%d;", *p);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_seq((const unsigned char *)t + i, n - i, &cp);
		if (!l)
			cp = 0xfffd, l = 1;
		tb_buf_printf(r->o, "&#%u;", (unsigned)cp);
		i += l;
	}
	r_puts(r, "\">");
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_seq((const unsigned char *)t + i, n - i, &cp);
		if (!l)
			cp = 0xfffd, l = 1;
		if (cp == '&')
			r_puts(r, "&amp;");
		else if (cp == '"')
			r_puts(r, "&quot;");
		else
			tb_buf_printf(r->o, "&#%u;", (unsigned)cp);
		i += l;
	}
	r_puts(r, "</a>");
}

static int md_leave_span(MD_SPANTYPE type, void *detail, void *u)
{
	md_render *r = u;
	(void)detail;
	if (r->img) {
		if (type != MD_SPAN_IMG || --r->img)
			return 0;
		r_puts(r, "<img alt=\"");
		escape_pm(r->o, r->alt.data ? r->alt.data : "", r->alt.len, NULL, 0, true);
		r_puts(r, "\" src=\"");
		escape_pm(r->o, r->src.data ? r->src.data : "", r->src.len, NULL, 0, true);
		r_puts(r, "\"");
		if (r->title.len) {
			r_puts(r, " title=\"");
			escape_pm(r->o, r->title.data, r->title.len, NULL, 0, true);
			r_puts(r, "\"");
		}
		r_puts(r, " />");
		return 0;
	}
	switch (type) {
	case MD_SPAN_EM: r_puts(r, "</em>"); break;
	case MD_SPAN_STRONG: r_puts(r, "</strong>"); break;
	case MD_SPAN_CODE:
		if (r->cs_first) { /* the source between the backticks, stripped */
			size_t a, b;
			py_strip(r->cs_first, (size_t)(r->cs_end - r->cs_first), &a, &b);
			escape_code(r->o, r->cs_first + a, b - a);
		}
		r_puts(r, "</code>");
		r->code_span = false;
		break;
	case MD_SPAN_A: md_leave_link(r); break;
	default: break;
	}
	r_inline(r);
	return 0;
}

/* Python-Markdown's escapable characters (with tables' '|'). */
static bool pm_escapable(char c)
{
	return c && strchr("\\`*_{}[]()>#+-.!|", c);
}

static void md_break(md_render *r, bool hard)
{
	size_t blanks;
	const char *nl = r_line_end(r, &blanks);
	const char *bs = nl - blanks;
	if (hard && !blanks && bs > r->doc && bs[-1] == '\\') {
		r_puts(r, "\\\n"); /* not a line break in Python-Markdown */
	} else if (hard) {
		r_blanks(r, blanks >= 2 ? blanks - 2 : 0);
		r_puts(r, "<br />\n");
	} else {
		r_blanks(r, blanks);
		r_puts(r, "\n");
	}
	r->cursor = nl < r->doc + r->n ? nl + 1 : nl;
	r->ws_pending = true;
	r->ws_pos = r->o->len;
}

static int md_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *u)
{
	md_render *r = u;
	bool src = in_doc(r, text, size);
	if (r->img) {
		if (type == MD_TEXT_SOFTBR || type == MD_TEXT_BR)
			tb_buf_putc(&r->alt, '\n');
		else if (type != MD_TEXT_NULLCHAR)
			tb_buf_append(&r->alt, text, size);
		if (src)
			r->last_end = text + size;
		return 0;
	}
	if (r->in_code) {
		tb_buf_append(&r->code, text, size);
		return 0;
	}
	if (r->code_span && type == MD_TEXT_CODE) {
		if (src) {
			if (!r->cs_first)
				r->cs_first = text;
			r->cs_end = r->last_end = text + size;
			r_apply_ws(r, text);
		}
		return 0;
	}
	switch (type) {
	case MD_TEXT_BR:
	case MD_TEXT_SOFTBR:
		r->p_other++;
		md_break(r, type == MD_TEXT_BR);
		r_inline(r);
		return 0;
	case MD_TEXT_NULLCHAR:
		return 0;
	case MD_TEXT_HTML:
		if (src) {
			r_apply_ws(r, text);
			if (!r->p_html_first)
				r->p_html_first = text;
			r->p_html_end = r->last_end = text + size;
		}
		r->p_html++;
		r_put(r, text, size);
		r_inline(r);
		return 0;
	default:
		break;
	}
	r->p_other++;
	if (r->in_link) {
		r->a_chunks++;
		r->a_text = src ? text : NULL;
		r->a_len = size;
	}
	if (src) {
		r_apply_ws(r, text);
		/* md4c took a backslash Python-Markdown leaves alone */
		if (type == MD_TEXT_NORMAL && text > r->doc && text[-1] == '\\' &&
		    r->last_end != text && !pm_escapable(text[0]))
			r_puts(r, "\\");
	}
	if (type == MD_TEXT_ENTITY)
		r_put(r, text, size);
	else if (src)
		escape_pm(r->o, text, size, text, (size_t)(r->doc + r->n - text), false);
	else
		escape_pm(r->o, text, size, NULL, 0, false);
	if (src)
		r->last_end = text + size;
	r_inline(r);
	return 0;
}

/* RawHtmlPostprocessor: put the stash back, "<p>PH</p>" losing its <p>
   when the HTML is block-level; repeated while anything changes. Then the
   md4c markers go and the result is stripped, as convert() does. */
static bool pm_restore_once(const char *h, size_t n, const tb__md_stash *st, tb_buf *o)
{
	static const char ph[] = "\x02wzxhzdk:";
	bool changed = false;
	size_t i = 0;
	while (i < n) {
		size_t at = i, k;
		bool wrapped = n - i >= 3 && !memcmp(h + i, "<p>", 3);
		if (wrapped)
			at += 3;
		if (n - at > 9 && !memcmp(h + at, ph, 9)) {
			size_t idx = 0;
			bool num = false, big = false;
			for (k = at + 9; k < n && is_digit((unsigned char)h[k]); k++) {
				num = true;
				if (idx > ((size_t)-1 - 9) / 10)
					big = true;
				else
					idx = idx * 10 + (size_t)(h[k] - '0');
			}
			if (num && k < n && h[k] == '\x03') {
				k++;
				bool closes = wrapped && n - k >= 4 && !memcmp(h + k, "</p>", 4);
				if (!wrapped || closes) {
					if (!big && idx < st->n) {
						const char *sh = st->data.data + st->item[idx].off;
						size_t sl = st->item[idx].len;
						bool block = pm_html_is_block(sh, sl);
						if (wrapped && !block)
							tb_buf_puts(o, "<p>");
						tb_buf_append(o, sh, sl);
						if (wrapped && !block)
							tb_buf_puts(o, "</p>");
						changed = true;
					} else {
						tb_buf_append(o, h + i, k - i + (wrapped ? 4 : 0));
					}
					i = k + (wrapped ? 4 : 0);
					continue;
				}
			}
		}
		tb_buf_putc(o, h[i]);
		i++;
	}
	return changed;
}

static void pm_finish(tb_buf *h, const tb__md_stash *st, tb_buf *out)
{
	tb_buf a = TB_BUF_INIT, b = TB_BUF_INIT;
	tb_buf_append(&a, h->data ? h->data : "", h->len);
	for (int pass = 0; pass < TB_MD_MAX_RESTORE_PASSES; pass++) {
		tb_buf_reset(&b);
		bool changed = pm_restore_once(a.data ? a.data : "", a.len, st, &b);
		tb_buf t = a;
		a = b;
		b = t;
		if (!changed)
			break;
	}
	tb_buf_reset(&b);
	for (size_t i = 0; i < a.len; i++) {
		if (a.data[i] == '\x02' && i + 1 < a.len && a.data[i + 1] == '\x03')
			i++;
		else
			tb_buf_putc(&b, a.data[i]);
	}
	size_t x, y;
	py_strip(b.data ? b.data : "", b.len, &x, &y);
	tb_buf_append(out, b.data + x, y - x);
	if (a.oom || b.oom)
		out->oom = 1;
	tb_buf_release(&a);
	tb_buf_release(&b);
}

/* Markdown.convert(): NUL-free UTF-8 in, unsanitised HTML out. */
static int pm_convert(const char *s, size_t n, tb_buf *out)
{
	size_t a, b;
	py_strip(s, n, &a, &b);
	if (a == b)
		return 0;
	tb__md_stash st;
	memset(&st, 0, sizeof st);
	tb_buf norm = TB_BUF_INIT, fenced = TB_BUF_INIT, clean = TB_BUF_INIT,
	       defused = TB_BUF_INIT, html = TB_BUF_INIT;
	md_render r;
	memset(&r, 0, sizeof r);
	int rc = 0;
	tb__md_normalize(s, n, &norm);
	tb__md_fenced(norm.data, norm.len, &fenced, &st);
	tb__md_extract_html(fenced.data, fenced.len, &clean, &st);
	tb__md_defuse(clean.data, clean.len, &defused);
	if (norm.oom || fenced.oom || clean.oom || defused.oom || st.oom || st.data.oom) {
		rc = -ENOMEM;
		goto done;
	}
	MD_PARSER parser = {
		0, MD_FLAG_TABLES | MD_FLAG_NOHTMLBLOCKS | MD_FLAG_PERMISSIVEATXHEADERS,
		md_enter_block, md_leave_block, md_enter_span, md_leave_span, md_text,
		NULL, NULL,
	};
	r.o = &html;
	r.doc = defused.data;
	r.n = defused.len;
	if (md_parse(defused.data, (MD_SIZE)defused.len, &parser, &r) != 0 || render_oom(&r)) {
		rc = -ENOMEM;
		goto done;
	}
	pm_finish(&html, &st, out);
done:
	tb_buf_release(&norm);
	tb_buf_release(&fenced);
	tb_buf_release(&clean);
	tb_buf_release(&defused);
	tb_buf_release(&html);
	tb_buf_release(&r.alt);
	tb_buf_release(&r.src);
	tb_buf_release(&r.title);
	tb_buf_release(&r.href);
	tb_buf_release(&r.code);
	free(r.blk);
	tb_buf_release(&st.data);
	free(st.item);
	return rc;
}

/* ---------------------------------------------------------------------------
 * The public functions: TensorBoard's plugin_util and text_array_to_html.
 * ------------------------------------------------------------------------- */

#define TB_TEXT_DIM_WARNING                                                    \
	"**Warning:** This text summary contained data of dimensionality %d, "  \
	"but only 2d tables are supported. Showing a 2d slice of the data "     \
	"instead."

/* One element through Markdown: NULs are dropped and counted first. */
static int md_element(const char *s, size_t n, tb_buf *html, size_t *nuls)
{
	tb_buf t = TB_BUF_INIT;
	if (memchr(s, '\0', n)) {
		for (size_t i = 0; i < n; i++) {
			if (s[i])
				tb_buf_putc(&t, s[i]);
			else
				++*nuls;
		}
		if (t.oom)
			return -ENOMEM;
		s = t.data ? t.data : "";
		n = t.len;
	}
	int rc = pm_convert(s, n, html);
	tb_buf_release(&t);
	return rc;
}

static void nul_warning(tb_buf *b, size_t nuls)
{
	if (nuls)
		tb_buf_printf(b, "<!-- WARNING: discarded %zu null bytes in markdown "
			      "string after UTF-8 decoding -->\n", nuls);
}

int tb_markdown_to_safe_html(const char *s, size_t n, tb_buf *out)
{
	if (!utf8_valid(s, n))
		return -EILSEQ;
	tb_buf html = TB_BUF_INIT, res = TB_BUF_INIT;
	size_t nuls = 0;
	int rc = md_element(s, n, &html, &nuls);
	if (!rc) {
		nul_warning(&res, nuls);
		tb_html_sanitize(html.data ? html.data : "", html.len, &res);
		if (html.oom || res.oom)
			rc = -ENOMEM;
	}
	if (!rc)
		tb_buf_append(out, res.data ? res.data : "", res.len);
	tb_buf_release(&html);
	tb_buf_release(&res);
	return rc;
}

int tb_text_render(const char *const *strs, const size_t *lens, size_t count,
                   const int64_t *dims, int rank, bool markdown, tb_buf *out)
{
	size_t total = 1, rows = 1, cols = 1;
	if (rank < 0 || (rank > 0 && !dims))
		return -EINVAL;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0 || (uint64_t)dims[i] > SIZE_MAX ||
		    (dims[i] && total > SIZE_MAX / (size_t)dims[i]))
			return -EINVAL;
		total *= (size_t)dims[i];
	}
	/* one string fills every element: TensorBoard repeats the last string
	 * to fill the shape, and tbserve never materialises the repeats */
	if (total != count && count != 1)
		return -EINVAL;
#define CELL(i) (count == 1 ? 0 : (i))
	if (rank == 0) {
		if (!utf8_valid(strs[0], lens[0]))
			return -EILSEQ;
		if (markdown)
			return tb_markdown_to_safe_html(strs[0], lens[0], out);
		tb_html_sanitize(strs[0], lens[0], out);
		return 0;
	}
	for (int i = 0; i + 2 < rank; i++) /* arr[0, 0, ..., :, :] */
		if (dims[i] == 0)
			return -EINVAL;
	rows = (size_t)dims[rank >= 2 ? rank - 2 : 0];
	cols = rank >= 2 ? (size_t)dims[rank - 1] : 1;
	/* a tiny file can declare 16M elements: render a bounded table */
	size_t all_rows = rows;
	if (cols > TB_MAX_TEXT_CELLS)
		cols = TB_MAX_TEXT_CELLS;
	if (cols && rows > TB_MAX_TEXT_CELLS / cols)
		rows = TB_MAX_TEXT_CELLS / cols;
	size_t all_cols = rank >= 2 ? (size_t)dims[rank - 1] : 1;
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < cols; c++)
			if (!utf8_valid(strs[CELL(r * all_cols + c)], lens[CELL(r * all_cols + c)]))
				return -EILSEQ;
	tb_buf warn = TB_BUF_INIT, table = TB_BUF_INIT, res = TB_BUF_INIT;
	size_t nuls = 0;
	int rc = 0;
	if (rank > 2) {
		char msg[sizeof TB_TEXT_DIM_WARNING + 16];
		snprintf(msg, sizeof msg, TB_TEXT_DIM_WARNING, rank);
		rc = tb_markdown_to_safe_html(msg, strlen(msg), &warn);
	}
	if (!rc && (rows < all_rows || cols < all_cols)) {
		char msg[160];
		snprintf(msg, sizeof msg, "**Warning:** this text summary is a %zu by %zu table; "
			 "only the first %zu by %zu cells are shown.", all_rows, all_cols, rows, cols);
		rc = tb_markdown_to_safe_html(msg, strlen(msg), &warn);
	}
	tb_buf_puts(&table, "<table>\n<tbody>\n");
	for (size_t r = 0; r < rows && !rc; r++) {
		tb_buf_puts(&table, "<tr>\n");
		for (size_t c = 0; c < cols && !rc; c++) {
			const char *s = strs[CELL(r * all_cols + c)];
			size_t n = lens[CELL(r * all_cols + c)];
			tb_buf_puts(&table, "<td>");
			if (markdown) {
				rc = md_element(s, n, &table, &nuls);
			} else {
				while (n && s[n - 1] == '\0') /* numpy's str arrays */
					n--;
				tb_buf_append(&table, s, n);
			}
			tb_buf_puts(&table, "</td>\n");
		}
		tb_buf_puts(&table, "</tr>\n");
	}
	tb_buf_puts(&table, "</tbody>\n</table>");
	if (!rc) {
		nul_warning(&res, nuls);
		tb_html_sanitize(table.data, table.len, &res);
		if (warn.oom || table.oom || res.oom)
			rc = -ENOMEM;
	}
	if (!rc) {
		tb_buf_append(out, warn.data ? warn.data : "", warn.len);
		tb_buf_append(out, res.data ? res.data : "", res.len);
	}
	tb_buf_release(&warn);
	tb_buf_release(&table);
	tb_buf_release(&res);
	return rc;
#undef CELL
}
