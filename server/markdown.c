/*
 * markdown.c - TensorBoard's text rendering: Python-Markdown on md4c, a
 * bleach-equivalent sanitiser, and text_array_to_html (see markdown.h).
 *
 * The pipeline mirrors TensorBoard's: NUL removal -> Python-Markdown
 * (normalise whitespace, fenced_code, raw-HTML extraction, block+inline
 * parse, stash restore) -> bleach.clean -> warning comment. The three
 * Python-Markdown preprocessors are re-implemented as written (pm_*, ph_*:
 * they decide which raw HTML is a "block" and where paragraphs end, which
 * TensorBoard's recorded answers show); block and inline parsing is md4c's,
 * re-emitted in Python-Markdown's layout (md_*, r_*). The sanitiser is a
 * small html5lib: tokenizer (tok_*), the tree-construction rules reachable
 * with the allow-list (tree_*: p/li closing, tables with foster parenting,
 * the adoption agency for a/em/strong/code), and bleach's filter and
 * serializer quirks (ser_*).
 *
 * What it does not do: it is not a general HTML parser (no foreign content,
 * no forms, no scripting flag); tags outside the allow-list never reach the
 * tree builder, exactly as in bleach, so nothing else is needed. Where
 * md4c's CommonMark and Python-Markdown disagree beyond what is patched up
 * here (emphasis edge cases, list looseness, ...), docs/api.md lists it.
 *
 * Invariant: everything appended to a caller's buffer comes from
 * html_serialize(), which writes only allow-listed elements and attributes
 * and escapes all text -- except TensorBoard's fixed NUL-warning comment.
 * Every limit on hostile input is a named TB_* constant below.
 */
#include "markdown.h"

#include <errno.h>
#include <md4c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open elements in the sanitiser; a deeper start tag stays escaped text.
   Bounds the per-token scope scans and the output of hostile nesting. */
#define TB_HTML_MAX_DEPTH 512
/* Entries in the list of active formatting elements; more stay escaped
   text. html5lib clones every entry each time it reopens them, so this
   bounds the blow-up of unclosed <em><strong>... chains. */
#define TB_HTML_MAX_FORMATTING 32
/* Raw-HTML nesting tracked while extracting Python-Markdown's HTML blocks;
   deeper tags are kept but not tracked, so such a block may end early and
   the rest is ordinary text. Bounds the tag stack's memory. */
#define TB_MD_MAX_RAW_DEPTH 4096
/* Bytes a start tag may span for the raw-HTML extractor; a longer one is
   text. html.parser rescans attributes from every '<', so without a bound
   unterminated quotes make the extractor quadratic. */
#define TB_MD_MAX_TAG_BYTES 4096
/* Attributes kept per element by the sanitiser; later ones are ignored.
   Duplicate detection and html5lib's Noah's-Ark comparison are quadratic
   in this, and only four attribute names can survive anyway. */
#define TB_HTML_MAX_ATTRS 64
/* Restoring stashed HTML can expose placeholders stored inside other
   stashed HTML; Python-Markdown repeats until nothing changes. Nesting is
   at most two deep (fenced code inside a raw block), so this is generous. */
#define TB_MD_MAX_RESTORE_PASSES 8

/* ---------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------- */

static bool is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static unsigned char to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* html5lib's spaceCharacters. */
static bool html_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Python's str.isspace() / re \s, ASCII part. */
static bool py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool py_space_cp(uint32_t cp)
{
	if (cp < 0x80)
		return py_space((unsigned char)cp);
	return cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Length of the UTF-8 sequence at s as Python's strict decoder accepts it
   (no overlongs, no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i, &cp);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

static void put_utf8(tb_buf *b, uint32_t cp)
{
	char t[4];
	size_t n;
	if (cp < 0x80) {
		t[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		t[0] = (char)(0xf0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	tb_buf_append(b, t, n);
}

/* Grows *p (an array of size-byte items with capacity *cap) to hold need
   items. Returns false, leaving the array alone, on overflow or ENOMEM. */
static bool vec_reserve(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > ((size_t)-1 / 2) / size)
			return false;
		c *= 2;
	}
	void *q = realloc(*p, c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static bool starts_with_ci(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (n < l)
		return false;
	for (size_t i = 0; i < l; i++)
		if (to_lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

/* HTML5 entity tables, defined at the end of this file. */
static bool entity_is_name_prefix(const char *s, size_t n);
static int entity_legacy_cp(const char *s, size_t n);

/* ---------------------------------------------------------------------------
 * Sanitiser (bleach.Cleaner with TensorBoard's allow-list)
 *
 * bleach parses with html5lib, but its tokenizer turns every tag that is
 * not allowed back into the characters it was written with, so the tree
 * builder only ever sees the elements below. Entities are not decoded:
 * text keeps "&name;" when bleach would, and attribute values are written
 * back the way bleach's serializer writes them.
 * ------------------------------------------------------------------------- */

enum {
	E_HTML, E_A, E_BLOCKQUOTE, E_BR, E_CODE, E_EM, E_H1, E_H2, E_H3, E_H4,
	E_H5, E_H6, E_HR, E_IMG, E_LI, E_OL, E_P, E_PRE, E_STRONG, E_TABLE,
	E_TBODY, E_TD, E_TH, E_THEAD, E_TR, E_UL, E_COUNT
};

static const char *const elem_name[E_COUNT] = {
	"html", "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4",
	"h5", "h6", "hr", "img", "li", "ol", "p", "pre", "strong", "table",
	"tbody", "td", "th", "thead", "tr", "ul",
};

/* The allowed element named by s[0..n), compared ASCII-case-insensitively,
   or -1. "html" is the fragment root, never a tag. */
static int elem_lookup(const char *s, size_t n)
{
	for (int e = E_A; e < E_COUNT; e++) {
		const char *name = elem_name[e];
		if (strlen(name) == n && starts_with_ci(s, n, name))
			return e;
	}
	return -1;
}

static bool elem_heading(int e)
{
	return e >= E_H1 && e <= E_H6;
}

static bool elem_formatting(int e)
{
	return e == E_A || e == E_CODE || e == E_EM || e == E_STRONG;
}

static bool elem_void(int e)
{
	return e == E_BR || e == E_HR || e == E_IMG;
}

/* html5lib's specialElements, restricted to what can be on the stack. */
static bool elem_special(int e)
{
	return !elem_formatting(e);
}

static bool elem_tableish(int e)
{
	return e == E_TABLE || e == E_TBODY || e == E_THEAD || e == E_TR;
}

/* tbody td th thead tr: end tags html5lib ignores in table mode */
static bool elem_table_part(int e)
{
	return e == E_TBODY || e == E_TD || e == E_TH || e == E_THEAD || e == E_TR;
}

typedef struct html_node {
	int parent, first, last, prev, next;
	bool is_text, has_content;
	bool lost; /* foster-parented into the root: html5lib drops it */
	uint8_t tag;
	size_t off, len; /* text: bytes in pool; element: attr index, count */
} html_node;

typedef struct html_attr {
	size_t name, nlen, val, vlen; /* offsets into pool */
} html_attr;

/* A start or end tag as the tokenizer hands it over. */
typedef struct html_tag {
	int tag;
	bool end;
	const char *raw;
	size_t rawlen;
	size_t attr0, nattr;
} html_tag;

enum { M_BODY, M_TABLE, M_TABLE_TEXT, M_TABLE_BODY, M_ROW, M_CELL };
enum { SCOPE_DEFAULT, SCOPE_LIST, SCOPE_TABLE };
#define FMT_MARKER (-1)

typedef struct html_tree {
	html_node *node;
	size_t nnode, cnode;
	html_attr *attr;
	size_t nattr, cattr;
	tb_buf pool;
	int *stack;
	size_t nstack, cstack;
	int *fmt;
	size_t nfmt, cfmt;
	int mode, orig_mode;
	bool foster;
	tb_buf table_text;
	bool oom;
} html_tree;

/* -- nodes ---------------------------------------------------------------- */

static int node_new(html_tree *h, bool is_text, int tag)
{
	if (h->oom || !vec_reserve((void **)&h->node, &h->cnode, h->nnode + 1,
				   sizeof *h->node)) {
		h->oom = true;
		return -1;
	}
	html_node *x = &h->node[h->nnode];
	memset(x, 0, sizeof *x);
	x->parent = x->first = x->last = x->prev = x->next = -1;
	x->is_text = is_text;
	x->tag = (uint8_t)tag;
	return (int)h->nnode++;
}

static void node_detach(html_tree *h, int n)
{
	html_node *x = &h->node[n];
	if (x->parent < 0)
		return;
	html_node *p = &h->node[x->parent];
	if (x->prev >= 0)
		h->node[x->prev].next = x->next;
	else
		p->first = x->next;
	if (x->next >= 0)
		h->node[x->next].prev = x->prev;
	else
		p->last = x->prev;
	x->parent = x->prev = x->next = -1;
}

/* Inserts n into parent before ref (ref < 0: at the end). */
static void node_insert(html_tree *h, int parent, int n, int ref)
{
	html_node *x = &h->node[n], *p = &h->node[parent];
	x->parent = parent;
	p->has_content = true;
	if (ref < 0) {
		x->prev = p->last;
		x->next = -1;
		if (p->last >= 0)
			h->node[p->last].next = n;
		else
			p->first = n;
		p->last = n;
	} else {
		html_node *r = &h->node[ref];
		x->next = ref;
		x->prev = r->prev;
		if (r->prev >= 0)
			h->node[r->prev].next = n;
		else
			p->first = n;
		r->prev = n;
	}
}

static int node_clone(html_tree *h, int n)
{
	int c = node_new(h, false, h->node[n].tag);
	if (c >= 0) {
		h->node[c].off = h->node[n].off; /* attributes are immutable */
		h->node[c].len = h->node[n].len;
	}
	return c;
}

/* -- stack and active formatting list ------------------------------------- */

static int cur(const html_tree *h)
{
	return h->stack[h->nstack - 1];
}

static int cur_tag(const html_tree *h)
{
	return h->node[cur(h)].tag;
}

static int stack_index(const html_tree *h, int n)
{
	for (size_t i = h->nstack; i-- > 0;)
		if (h->stack[i] == n)
			return (int)i;
	return -1;
}

static void stack_push(html_tree *h, int n)
{
	if (h->oom || !vec_reserve((void **)&h->stack, &h->cstack, h->nstack + 1,
				   sizeof *h->stack)) {
		h->oom = true;
		return;
	}
	h->stack[h->nstack++] = n;
}

static void stack_remove_at(html_tree *h, size_t i)
{
	memmove(h->stack + i, h->stack + i + 1,
		(h->nstack - i - 1) * sizeof *h->stack);
	h->nstack--;
}

static void stack_insert_at(html_tree *h, size_t i, int n)
{
	stack_push(h, n);
	if (h->oom)
		return;
	memmove(h->stack + i + 1, h->stack + i,
		(h->nstack - 1 - i) * sizeof *h->stack);
	h->stack[i] = n;
}

/* Pops until an element with tag e has been popped (never the root). */
static void pop_until_tag(html_tree *h, int e)
{
	while (h->nstack > 1) {
		int t = cur_tag(h);
		h->nstack--;
		if (t == e)
			break;
	}
}

static void pop_until_node(html_tree *h, int n)
{
	while (h->nstack > 1) {
		int c = cur(h);
		h->nstack--;
		if (c == n)
			break;
	}
}

static bool in_scope(const html_tree *h, int e, int scope)
{
	for (size_t i = h->nstack; i-- > 0;) {
		int t = h->node[h->stack[i]].tag;
		if (t == e)
			return true;
		if (t == E_HTML || t == E_TABLE)
			return false;
		if (scope != SCOPE_TABLE && (t == E_TD || t == E_TH))
			return false;
		if (scope == SCOPE_LIST && (t == E_OL || t == E_UL))
			return false;
	}
	return false;
}

static int fmt_index(const html_tree *h, int n)
{
	for (size_t i = h->nfmt; i-- > 0;)
		if (h->fmt[i] == n)
			return (int)i;
	return -1;
}

/* The last element with tag e after the last marker, or -1. */
static int fmt_find(const html_tree *h, int e)
{
	for (size_t i = h->nfmt; i-- > 0;) {
		if (h->fmt[i] == FMT_MARKER)
			break;
		if (h->node[h->fmt[i]].tag == e)
			return h->fmt[i];
	}
	return -1;
}

static void fmt_remove_at(html_tree *h, size_t i)
{
	memmove(h->fmt + i, h->fmt + i + 1, (h->nfmt - i - 1) * sizeof *h->fmt);
	h->nfmt--;
}

static void fmt_insert_at(html_tree *h, size_t i, int n)
{
	if (h->oom || !vec_reserve((void **)&h->fmt, &h->cfmt, h->nfmt + 1,
				   sizeof *h->fmt)) {
		h->oom = true;
		return;
	}
	if (i > h->nfmt)
		i = h->nfmt;
	memmove(h->fmt + i + 1, h->fmt + i, (h->nfmt - i) * sizeof *h->fmt);
	h->fmt[i] = n;
	h->nfmt++;
}

static bool attrs_equal(const html_tree *h, int a, int b)
{
	const html_node *x = &h->node[a], *y = &h->node[b];
	if (x->tag != y->tag || x->len != y->len)
		return false;
	for (size_t i = 0; i < x->len; i++) {
		const html_attr *p = &h->attr[x->off + i];
		bool found = false;
		for (size_t j = 0; j < y->len && !found; j++) {
			const html_attr *q = &h->attr[y->off + j];
			found = p->nlen == q->nlen && p->vlen == q->vlen &&
				!memcmp(h->pool.data + p->name, h->pool.data + q->name, p->nlen) &&
				!memcmp(h->pool.data + p->val, h->pool.data + q->val, p->vlen);
		}
		if (!found)
			return false;
	}
	return true;
}

/* html5lib's ActiveFormattingElements.append, with the Noah's Ark clause. */
static void fmt_push(html_tree *h, int n)
{
	if (n != FMT_MARKER) {
		int equal = 0;
		for (size_t i = h->nfmt; i-- > 0;) {
			if (h->fmt[i] == FMT_MARKER)
				break;
			if (attrs_equal(h, h->fmt[i], n) && ++equal == 3) {
				fmt_remove_at(h, i);
				break;
			}
		}
	}
	fmt_insert_at(h, h->nfmt, n);
}

static void fmt_clear_to_marker(html_tree *h)
{
	while (h->nfmt > 0) {
		int e = h->fmt[--h->nfmt];
		if (e == FMT_MARKER)
			break;
	}
}

/* -- insertion ------------------------------------------------------------ */

/* Where html5lib puts a misnested node: before the last open table. */
static void foster_insert(html_tree *h, int n)
{
	for (size_t i = h->nstack; i-- > 0;) {
		int t = h->stack[i];
		if (h->node[t].tag != E_TABLE)
			continue;
		int parent = h->node[t].parent;
		if (parent == 0) {
			/* html5lib's etree insertBefore() skips the child list
			   getFragment() copies: such elements, and text that lands in
			   their tail, vanish from the output. */
			int prev = h->node[t].prev;
			while (prev >= 0 && h->node[prev].is_text)
				prev = h->node[prev].prev;
			h->node[n].lost = !h->node[n].is_text ||
					  (prev >= 0 && h->node[prev].lost);
		}
		if (parent >= 0)
			node_insert(h, parent, n, t);
		else
			node_insert(h, h->stack[i - 1], n, -1);
		return;
	}
	node_insert(h, h->stack[0], n, -1);
}

static void place(html_tree *h, int n)
{
	if (h->foster && elem_tableish(cur_tag(h)))
		foster_insert(h, n);
	else
		node_insert(h, cur(h), n, -1);
}

static int insert_elem(html_tree *h, int tag, size_t attr0, size_t nattr)
{
	int n = node_new(h, false, tag);
	if (n < 0)
		return -1;
	h->node[n].off = attr0;
	h->node[n].len = nattr;
	place(h, n);
	stack_push(h, n);
	return n;
}

static void insert_text(html_tree *h, const char *p, size_t len)
{
	if (!len)
		return;
	int n = node_new(h, true, 0);
	if (n < 0)
		return;
	h->node[n].off = h->pool.len;
	h->node[n].len = len;
	tb_buf_append(&h->pool, p, len);
	if (h->pool.oom)
		h->oom = true;
	place(h, n);
}

static void fmt_reconstruct(html_tree *h)
{
	if (!h->nfmt)
		return;
	size_t i = h->nfmt - 1;
	int e = h->fmt[i];
	if (e == FMT_MARKER || stack_index(h, e) >= 0)
		return;
	while (i > 0) {
		e = h->fmt[i - 1];
		if (e == FMT_MARKER || stack_index(h, e) >= 0)
			break;
		i--;
	}
	for (; i < h->nfmt && !h->oom; i++) {
		int c = node_clone(h, h->fmt[i]);
		if (c < 0)
			return;
		place(h, c);
		stack_push(h, c);
		h->fmt[i] = c;
	}
}

static void gen_implied_end(html_tree *h, int except)
{
	while (h->nstack > 1) {
		int t = cur_tag(h);
		if ((t != E_P && t != E_LI) || t == except)
			break;
		h->nstack--;
	}
}

/* -- tree construction ("in body" and the table modes) -------------------- */

static void body_start(html_tree *h, const html_tag *t);
static void body_end(html_tree *h, int tag);
static void phase_end(html_tree *h, int tag);

static void body_end_p(html_tree *h)
{
	if (!in_scope(h, E_P, SCOPE_DEFAULT)) {
		insert_elem(h, E_P, 0, 0);
		if (h->oom)
			return;
	}
	gen_implied_end(h, E_P);
	pop_until_tag(h, E_P);
}

static void close_p_if_open(html_tree *h)
{
	if (in_scope(h, E_P, SCOPE_DEFAULT))
		body_end_p(h);
}

static void end_other(html_tree *h, int tag)
{
	for (size_t i = h->nstack; i-- > 0;) {
		int n = h->stack[i], t = h->node[n].tag;
		if (t == tag) {
			gen_implied_end(h, tag);
			pop_until_node(h, n);
			return;
		}
		if (elem_special(t))
			return;
	}
}

/* html5lib's endTagFormatting (the adoption agency algorithm, as html5lib
   1.1 implements it). */
static void adoption(html_tree *h, int tag)
{
	for (int outer = 0; outer < 8 && !h->oom; outer++) {
		int fe = fmt_find(h, tag);
		int si = fe >= 0 ? stack_index(h, fe) : -1;
		if (fe < 0 || (si >= 0 && !in_scope(h, tag, SCOPE_DEFAULT))) {
			end_other(h, tag);
			return;
		}
		if (si < 0) {
			fmt_remove_at(h, (size_t)fmt_index(h, fe));
			return;
		}
		int fb = -1;
		for (size_t k = (size_t)si; k < h->nstack; k++)
			if (elem_special(h->node[h->stack[k]].tag)) {
				fb = h->stack[k];
				break;
			}
		if (fb < 0) {
			pop_until_node(h, fe);
			fmt_remove_at(h, (size_t)fmt_index(h, fe));
			return;
		}
		int ca = h->stack[si - 1];
		size_t bookmark = (size_t)fmt_index(h, fe);
		int last = fb, node;
		int idx = stack_index(h, fb);
		for (int inner = 0; inner < 3; inner++) {
			node = h->stack[--idx];
			int fi = fmt_index(h, node);
			if (fi < 0) {
				stack_remove_at(h, (size_t)idx);
				continue;
			}
			if (node == fe)
				break;
			if (last == fb)
				bookmark = (size_t)fi + 1;
			int clone = node_clone(h, node);
			if (clone < 0)
				return;
			h->fmt[fi] = clone;
			h->stack[idx] = clone;
			node_detach(h, last);
			node_insert(h, clone, last, -1);
			last = clone;
		}
		node_detach(h, last);
		if (elem_tableish(h->node[ca].tag))
			foster_insert(h, last);
		else
			node_insert(h, ca, last, -1);
		int ne = node_clone(h, fe);
		if (ne < 0)
			return;
		while (h->node[fb].first >= 0) {
			int c = h->node[fb].first;
			node_detach(h, c);
			node_insert(h, ne, c, -1);
		}
		node_insert(h, fb, ne, -1);
		fmt_remove_at(h, (size_t)fmt_index(h, fe));
		fmt_insert_at(h, bookmark, ne);
		stack_remove_at(h, (size_t)stack_index(h, fe));
		stack_insert_at(h, (size_t)stack_index(h, fb) + 1, ne);
	}
}

static void body_start(html_tree *h, const html_tag *t)
{
	int e = t->tag;
	switch (e) {
	case E_BLOCKQUOTE: case E_OL: case E_UL: case E_P: case E_PRE:
		close_p_if_open(h);
		insert_elem(h, e, t->attr0, t->nattr);
		break;
	case E_LI:
		for (size_t i = h->nstack; i-- > 0;) {
			int x = h->node[h->stack[i]].tag;
			if (x == E_LI) {
				phase_end(h, E_LI);
				break;
			}
			if (elem_special(x) && x != E_P)
				break;
		}
		if (in_scope(h, E_P, SCOPE_DEFAULT))
			phase_end(h, E_P);
		insert_elem(h, e, t->attr0, t->nattr);
		break;
	case E_H1: case E_H2: case E_H3: case E_H4: case E_H5: case E_H6:
		close_p_if_open(h);
		if (elem_heading(cur_tag(h)))
			h->nstack--;
		insert_elem(h, e, t->attr0, t->nattr);
		break;
	case E_A: {
		int a = fmt_find(h, E_A);
		if (a >= 0) {
			adoption(h, E_A);
			int i = stack_index(h, a);
			if (i >= 0)
				stack_remove_at(h, (size_t)i);
			i = fmt_index(h, a);
			if (i >= 0)
				fmt_remove_at(h, (size_t)i);
		}
	}
		/* fall through */
	case E_CODE: case E_EM: case E_STRONG: {
		fmt_reconstruct(h);
		int n = insert_elem(h, e, t->attr0, t->nattr);
		if (n >= 0)
			fmt_push(h, n);
		break;
	}
	case E_TABLE:
		close_p_if_open(h);
		insert_elem(h, e, t->attr0, t->nattr);
		h->mode = M_TABLE;
		break;
	case E_BR: case E_IMG:
		fmt_reconstruct(h);
		if (insert_elem(h, e, t->attr0, t->nattr) >= 0)
			h->nstack--;
		break;
	case E_HR:
		close_p_if_open(h);
		if (insert_elem(h, e, t->attr0, t->nattr) >= 0)
			h->nstack--;
		break;
	default: /* tbody td th thead tr outside a table: ignored */
		break;
	}
}

static void body_end(html_tree *h, int tag)
{
	switch (tag) {
	case E_BLOCKQUOTE: case E_OL: case E_UL: case E_PRE:
		if (in_scope(h, tag, SCOPE_DEFAULT)) {
			gen_implied_end(h, -1);
			pop_until_tag(h, tag);
		}
		break;
	case E_P:
		body_end_p(h);
		break;
	case E_LI:
		if (in_scope(h, E_LI, SCOPE_LIST)) {
			gen_implied_end(h, E_LI);
			pop_until_tag(h, E_LI);
		}
		break;
	case E_H1: case E_H2: case E_H3: case E_H4: case E_H5: case E_H6:
		for (int x = E_H1; x <= E_H6; x++) {
			if (!in_scope(h, x, SCOPE_DEFAULT))
				continue;
			gen_implied_end(h, -1);
			while (h->nstack > 1) {
				int y = cur_tag(h);
				h->nstack--;
				if (elem_heading(y))
					break;
			}
			break;
		}
		break;
	case E_A: case E_CODE: case E_EM: case E_STRONG:
		adoption(h, tag);
		break;
	case E_BR:
		fmt_reconstruct(h);
		if (insert_elem(h, E_BR, 0, 0) >= 0)
			h->nstack--;
		break;
	default:
		end_other(h, tag);
		break;
	}
}

static void clear_to(html_tree *h, int a, int b)
{
	while (h->nstack > 1 && cur_tag(h) != a && cur_tag(h) != b)
		h->nstack--;
}

static void reset_mode(html_tree *h)
{
	for (size_t i = h->nstack; i-- > 1;) {
		switch (h->node[h->stack[i]].tag) {
		case E_TD: case E_TH: h->mode = M_CELL; return;
		case E_TR: h->mode = M_ROW; return;
		case E_TBODY: case E_THEAD: h->mode = M_TABLE_BODY; return;
		case E_TABLE: h->mode = M_TABLE; return;
		default: break;
		}
	}
	h->mode = M_BODY; /* the fragment's context element is a div */
}

static void table_foster_start(html_tree *h, const html_tag *t)
{
	h->foster = true;
	body_start(h, t);
	h->foster = false;
}

static void table_foster_end(html_tree *h, int tag)
{
	h->foster = true;
	body_end(h, tag);
	h->foster = false;
}

static void cell_close(html_tree *h, int tag)
{
	if (!in_scope(h, tag, SCOPE_TABLE))
		return;
	gen_implied_end(h, tag);
	pop_until_tag(h, tag);
	fmt_clear_to_marker(h);
	h->mode = M_ROW;
}

static void row_close(html_tree *h)
{
	if (!in_scope(h, E_TR, SCOPE_TABLE))
		return;
	clear_to(h, E_TR, E_TR);
	h->nstack--;
	h->mode = M_TABLE_BODY;
}

static bool tbody_in_scope(const html_tree *h)
{
	return in_scope(h, E_TBODY, SCOPE_TABLE) || in_scope(h, E_THEAD, SCOPE_TABLE);
}

static void group_close(html_tree *h)
{
	clear_to(h, E_TBODY, E_THEAD);
	h->nstack--;
	h->mode = M_TABLE;
}

/* The handlers of html5lib's table phases. Each returns true when html5lib
   returns the token, i.e. wants it reprocessed in the (new) current mode;
   "phase_end" dispatches on the current mode as self.parser.phase does. */

static bool table_start(html_tree *h, const html_tag *t)
{
	int e = t->tag;
	if (elem_table_part(e)) {
		bool group = e == E_TBODY || e == E_THEAD;
		clear_to(h, E_TABLE, E_HTML);
		insert_elem(h, group ? e : E_TBODY, group ? t->attr0 : 0,
			    group ? t->nattr : 0);
		h->mode = M_TABLE_BODY;
		return !group;
	}
	if (e == E_TABLE) {
		phase_end(h, E_TABLE); /* not reprocessed in a fragment */
		return false;
	}
	table_foster_start(h, t);
	return false;
}

static bool table_end(html_tree *h, int tag)
{
	if (tag == E_TABLE) {
		if (in_scope(h, E_TABLE, SCOPE_TABLE)) {
			gen_implied_end(h, -1);
			pop_until_tag(h, E_TABLE);
			reset_mode(h);
		}
	} else if (!elem_table_part(tag)) {
		table_foster_end(h, tag);
	}
	return false;
}

static bool tbody_start(html_tree *h, const html_tag *t)
{
	int e = t->tag;
	if (e == E_TR || e == E_TD || e == E_TH) {
		bool tr = e == E_TR;
		clear_to(h, E_TBODY, E_THEAD);
		insert_elem(h, E_TR, tr ? t->attr0 : 0, tr ? t->nattr : 0);
		h->mode = M_ROW;
		return !tr;
	}
	if (e == E_TBODY || e == E_THEAD) {
		if (!tbody_in_scope(h))
			return false;
		group_close(h);
		return true;
	}
	return table_start(h, t);
}

static bool tbody_end(html_tree *h, int tag)
{
	if (tag == E_TBODY || tag == E_THEAD) {
		if (in_scope(h, tag, SCOPE_TABLE))
			group_close(h);
		return false;
	}
	if (tag == E_TABLE) {
		if (!tbody_in_scope(h))
			return false;
		group_close(h);
		return true;
	}
	if (tag == E_TD || tag == E_TH || tag == E_TR)
		return false;
	return table_end(h, tag);
}

static bool row_start(html_tree *h, const html_tag *t)
{
	int e = t->tag;
	if (e == E_TD || e == E_TH) {
		clear_to(h, E_TR, E_TR);
		insert_elem(h, e, t->attr0, t->nattr);
		h->mode = M_CELL;
		fmt_push(h, FMT_MARKER);
		return false;
	}
	if (e == E_TBODY || e == E_THEAD || e == E_TR) {
		bool ignore = !in_scope(h, E_TR, SCOPE_TABLE);
		row_close(h);
		return !ignore;
	}
	return table_start(h, t);
}

static bool row_end(html_tree *h, int tag)
{
	if (tag == E_TR) {
		row_close(h);
		return false;
	}
	if (tag == E_TABLE) {
		bool ignore = !in_scope(h, E_TR, SCOPE_TABLE);
		row_close(h);
		return !ignore;
	}
	if (tag == E_TBODY || tag == E_THEAD) {
		if (!in_scope(h, tag, SCOPE_TABLE))
			return false;
		row_close(h);
		return true;
	}
	if (tag == E_TD || tag == E_TH)
		return false;
	return table_end(h, tag);
}

static bool cell_close_any(html_tree *h)
{
	if (in_scope(h, E_TD, SCOPE_TABLE))
		cell_close(h, E_TD);
	else if (in_scope(h, E_TH, SCOPE_TABLE))
		cell_close(h, E_TH);
	else
		return false;
	return true;
}

static bool cell_start(html_tree *h, const html_tag *t)
{
	int e = t->tag;
	if (elem_table_part(e))
		return cell_close_any(h);
	body_start(h, t);
	return false;
}

static bool cell_end(html_tree *h, int tag)
{
	if (tag == E_TD || tag == E_TH) {
		cell_close(h, tag);
		return false;
	}
	if (tag == E_TABLE || tag == E_TBODY || tag == E_THEAD || tag == E_TR) {
		if (!in_scope(h, tag, SCOPE_TABLE))
			return false;
		return cell_close_any(h);
	}
	body_end(h, tag);
	return false;
}

static bool mode_end(html_tree *h, int tag)
{
	switch (h->mode) {
	case M_TABLE: return table_end(h, tag);
	case M_TABLE_BODY: return tbody_end(h, tag);
	case M_ROW: return row_end(h, tag);
	case M_CELL: return cell_end(h, tag);
	default: body_end(h, tag); return false;
	}
}

static bool mode_start(html_tree *h, const html_tag *t)
{
	switch (h->mode) {
	case M_TABLE: return table_start(h, t);
	case M_TABLE_BODY: return tbody_start(h, t);
	case M_ROW: return row_start(h, t);
	case M_CELL: return cell_start(h, t);
	default: body_start(h, t); return false;
	}
}

/* self.parser.phase.processEndTag() called from inside a handler: html5lib
   drops what it returns, so the token is never reprocessed here. */
static void phase_end(html_tree *h, int tag)
{
	(void)mode_end(h, tag);
}

/* -- tree builder entry points (one per html5lib token type) -------------- */

static void table_text_flush(html_tree *h)
{
	if (h->mode != M_TABLE_TEXT)
		return;
	h->mode = h->orig_mode;
	tb_buf *b = &h->table_text;
	bool space = true;
	for (size_t i = 0; i < b->len && space; i++)
		space = html_space((unsigned char)b->data[i]);
	if (space) {
		insert_text(h, b->data, b->len);
	} else {
		h->foster = true;
		fmt_reconstruct(h);
		insert_text(h, b->data, b->len);
		h->foster = false;
	}
	tb_buf_reset(b);
}

/* A Characters (space == false) or SpaceCharacters token. */
static void tree_text(html_tree *h, const char *p, size_t n, bool space)
{
	if (!n || h->oom)
		return;
	switch (h->mode) {
	case M_TABLE: case M_TABLE_BODY: case M_ROW:
		h->orig_mode = h->mode;
		h->mode = M_TABLE_TEXT;
		/* fall through */
	case M_TABLE_TEXT:
		tb_buf_append(&h->table_text, p, n);
		if (h->table_text.oom)
			h->oom = true;
		return;
	case M_CELL:
		if (space) { /* html5lib's base Phase: no reconstruction */
			insert_text(h, p, n);
			return;
		}
		break;
	default:
		/* <pre> drops the newline right after its start tag. */
		if (space && p[0] == '\n' && cur_tag(h) == E_PRE &&
		    !h->node[cur(h)].has_content)
			p++, n--;
		break;
	}
	if (!n)
		return;
	fmt_reconstruct(h);
	insert_text(h, p, n);
}

static void tree_comment(html_tree *h)
{
	table_text_flush(h);
	h->node[cur(h)].has_content = true; /* html5lib keeps it in the tree */
}

static void tree_start(html_tree *h, const html_tag *t)
{
	table_text_flush(h);
	if ((!elem_void(t->tag) && h->nstack >= TB_HTML_MAX_DEPTH) ||
	    (elem_formatting(t->tag) && h->nfmt >= TB_HTML_MAX_FORMATTING)) {
		tree_text(h, t->raw, t->rawlen, false);
		return;
	}
	/* html5lib's main loop reprocesses a returned token; every round
	   leaves a table mode, so a few rounds always suffice. */
	for (int round = 0; round < 8 && !h->oom && mode_start(h, t); round++)
		;
}

static void tree_end(html_tree *h, int tag)
{
	table_text_flush(h);
	for (int round = 0; round < 8 && !h->oom && mode_end(h, tag); round++)
		;
}

/* -- tokenizer (html5lib's, with bleach's changes) ------------------------ */

/* Data-state text, split into tokens as html5lib does: a whitespace run is
   a SpaceCharacters token, '&' is a token of its own (bleach does not
   consume entities), anything else runs to the next '&'. */
static void tok_data(html_tree *h, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i + 1;
		if (html_space((unsigned char)p[i])) {
			while (j < n && html_space((unsigned char)p[j]))
				j++;
			tree_text(h, p + i, j - i, true);
		} else {
			if (p[i] != '&')
				while (j < n && p[j] != '&')
					j++;
			tree_text(h, p + i, j - i, false);
		}
		i = j;
	}
}

typedef struct tok_attr {
	bool keep, open, dup;
	html_attr a;
} tok_attr;

static void tok_putc(html_tree *h, unsigned char c, bool lower)
{
	if (c == 0)
		tb_buf_append(&h->pool, "\xef\xbf\xbd", 3);
	else
		tb_buf_putc(&h->pool, (char)(lower ? to_lower(c) : c));
}

static void attr_begin(html_tree *h, tok_attr *t, unsigned char c, size_t attr0)
{
	if (!t->keep || h->nattr - attr0 >= TB_HTML_MAX_ATTRS)
		return;
	t->open = true;
	t->dup = false;
	t->a.name = h->pool.len;
	tok_putc(h, c, true);
}

/* Leaves the attribute-name state: html5lib drops a repeated name. */
static void attr_name_done(html_tree *h, tok_attr *t, size_t attr0)
{
	if (!t->open)
		return;
	t->a.nlen = h->pool.len - t->a.name;
	t->a.val = h->pool.len;
	t->a.vlen = 0;
	for (size_t i = attr0; i < h->nattr && !t->dup; i++)
		t->dup = h->attr[i].nlen == t->a.nlen && h->pool.data &&
			 !memcmp(h->pool.data + h->attr[i].name,
				 h->pool.data + t->a.name, t->a.nlen);
}

static void attr_end(html_tree *h, tok_attr *t)
{
	if (!t->open)
		return;
	t->open = false;
	t->a.vlen = h->pool.len - t->a.val;
	if (t->dup) {
		h->pool.len = t->a.name;
		h->pool.data[h->pool.len] = '\0';
		return;
	}
	if (h->pool.oom || !vec_reserve((void **)&h->attr, &h->cattr,
					h->nattr + 1, sizeof *h->attr)) {
		h->oom = true;
		return;
	}
	h->attr[h->nattr++] = t->a;
}

/* A start or end tag at s[i] ('<' then a letter, or "</" then a letter);
   returns the index after it. */
static size_t tok_tag(html_tree *h, const char *s, size_t n, size_t i, bool end)
{
	enum { BEFORE_NAME, NAME, AFTER_NAME, BEFORE_VALUE, DQ, SQ, UNQ,
	       AFTER_VALUE, SELF } st = BEFORE_NAME;
	size_t j = i + (end ? 2 : 1), name0 = j;
	while (j < n && !html_space((unsigned char)s[j]) && s[j] != '/' && s[j] != '>')
		j++;
	int tag = elem_lookup(s + name0, j - name0);
	size_t attr0 = h->nattr, pool0 = h->pool.len;
	tok_attr t = { .keep = tag >= 0 && !end };
	bool eof_text = j >= n; /* cut off in the tag name */
	if (j >= n)
		goto eof;
	if (s[j] == '/')
		st = SELF, j++;
	else if (s[j] == '>')
		goto emit;
	for (;; j++) {
		if (j >= n) {
			eof_text = st == NAME || st == AFTER_NAME || st == UNQ;
			goto eof;
		}
		unsigned char c = (unsigned char)s[j];
		switch (st) {
		case BEFORE_NAME:
			if (c == '/')
				st = SELF;
			else if (c == '>')
				goto emit;
			else if (!html_space(c))
				attr_begin(h, &t, c, attr0), st = NAME;
			break;
		case NAME:
			if (c == '=' || c == '>' || c == '/' || html_space(c))
				attr_name_done(h, &t, attr0);
			if (c == '=') {
				st = BEFORE_VALUE;
			} else if (c == '>') {
				attr_end(h, &t);
				goto emit;
			} else if (c == '/') {
				attr_end(h, &t);
				st = SELF;
			} else if (html_space(c)) {
				st = AFTER_NAME;
			} else if (t.open) {
				tok_putc(h, c, true);
			}
			break;
		case AFTER_NAME:
			if (html_space(c))
				break;
			if (c == '=') {
				st = BEFORE_VALUE;
				break;
			}
			attr_end(h, &t);
			if (c == '>')
				goto emit;
			if (c == '/')
				st = SELF;
			else
				attr_begin(h, &t, c, attr0), st = NAME;
			break;
		case BEFORE_VALUE:
			if (html_space(c))
				break;
			if (c == '"') {
				st = DQ;
			} else if (c == '\'') {
				st = SQ;
			} else if (c == '>') {
				attr_end(h, &t);
				goto emit;
			} else {
				st = UNQ;
				j--; /* reconsume */
			}
			break;
		case DQ: case SQ:
			if (c == (st == DQ ? '"' : '\'')) {
				attr_end(h, &t);
				st = AFTER_VALUE;
			} else if (t.open) {
				tok_putc(h, c, false);
			}
			break;
		case UNQ:
			if (html_space(c)) {
				attr_end(h, &t);
				st = BEFORE_NAME;
			} else if (c == '>') {
				attr_end(h, &t);
				goto emit;
			} else if (t.open) {
				tok_putc(h, c, false);
			}
			break;
		case AFTER_VALUE:
			if (html_space(c))
				st = BEFORE_NAME;
			else if (c == '>')
				goto emit;
			else if (c == '/')
				st = SELF;
			else
				st = BEFORE_NAME, j--;
			break;
		case SELF:
			if (c == '>')
				goto emit;
			st = BEFORE_NAME, j--;
			break;
		}
	}
emit:
	j++; /* past '>' */
	if (tag < 0) {
		tree_text(h, s + i, j - i, false); /* bleach: escaped, not removed */
	} else if (end) {
		tree_end(h, tag);
	} else {
		html_tag tt = { tag, false, s + i, j - i, attr0, h->nattr - attr0 };
		tree_start(h, &tt);
	}
	return j;
eof:
	/* A tag cut off by the end of the text: bleach 6 turns it into text in
	   the tokenizer states it patches; in the others html5lib drops it. */
	h->nattr = attr0;
	if (h->pool.len > pool0) {
		h->pool.len = pool0;
		h->pool.data[pool0] = '\0';
	}
	if (eof_text)
		tree_text(h, s + i, n - i, false);
	return n;
}

/* "<!--": the comment states; returns the index after the comment. */
static size_t tok_comment(const char *s, size_t n, size_t j)
{
	enum { START, START_DASH, BODY, END_DASH, END, END_BANG } st = START;
	while (j < n) {
		char c = s[j++];
		switch (st) {
		case START:
			st = c == '-' ? START_DASH : BODY;
			if (c == '>')
				return j;
			break;
		case START_DASH:
			if (c == '>')
				return j;
			st = c == '-' ? END : BODY;
			break;
		case BODY:
			if (c == '-')
				st = END_DASH;
			break;
		case END_DASH:
			st = c == '-' ? END : BODY;
			break;
		case END:
			if (c == '>')
				return j;
			st = c == '!' ? END_BANG : c == '-' ? END : BODY;
			break;
		case END_BANG:
			if (c == '>')
				return j;
			st = c == '-' ? END_DASH : BODY;
			break;
		}
	}
	return n;
}

/* Does the bogus comment after "</" name an allowed tag once stripped?
   (bleach then leaves it a comment, i.e. removes it.) */
static bool bogus_names_allowed(const char *p, size_t n)
{
	uint32_t cp;
	while (n) {
		size_t l = utf8_seq((const unsigned char *)p, n, &cp);
		if (!l || !py_space_cp(cp))
			break;
		p += l, n -= l;
	}
	while (n) {
		size_t k = n - 1;
		while (k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
			k--;
		size_t l = utf8_seq((const unsigned char *)p + k, n - k, &cp);
		if (!l || !py_space_cp(cp))
			break;
		n = k;
	}
	return elem_lookup(p, n) >= 0;
}

/* Markup at s[i] == '<'; returns the index after it. */
static size_t tok_markup(html_tree *h, const char *s, size_t n, size_t i)
{
	if (i + 1 >= n) {
		tree_text(h, s + i, 1, false);
		return n;
	}
	char c = s[i + 1];
	if (is_alpha((unsigned char)c))
		return tok_tag(h, s, n, i, false);
	if (c == '/') {
		if (i + 2 >= n) {
			tree_text(h, s + i, 2, false);
			return n;
		}
		if (is_alpha((unsigned char)s[i + 2]))
			return tok_tag(h, s, n, i, true);
		if (s[i + 2] == '>')
			return i + 3;
		const char *gt = memchr(s + i + 2, '>', n - i - 2);
		size_t stop = gt ? (size_t)(gt - s) : n;
		size_t end = gt ? stop + 1 : n;
		if (bogus_names_allowed(s + i + 2, stop - i - 2))
			tree_comment(h);
		else
			tree_text(h, s + i, end - i, false);
		return end;
	}
	if (c == '!' || c == '?') {
		size_t end;
		if (c == '!' && n - i >= 4 && s[i + 2] == '-' && s[i + 3] == '-') {
			end = tok_comment(s, n, i + 4);
		} else {
			const char *gt = memchr(s + i + 2, '>', n - i - 2);
			end = gt ? (size_t)(gt - s) + 1 : n;
			if (c == '!' && starts_with_ci(s + i + 2, n - i - 2, "doctype"))
				return end; /* ignored by the tree builder */
		}
		tree_comment(h);
		return end;
	}
	tree_text(h, s + i, 1, false);
	return i + 1;
}

static void tok_run(html_tree *h, const char *s, size_t n)
{
	size_t i = 0, t = 0;
	while (i < n && !h->oom) {
		if (s[i] == '<') {
			tok_data(h, s + t, i - t);
			i = t = tok_markup(h, s, n, i);
		} else if (s[i] == '\0') { /* html5lib drops NUL in text */
			tok_data(h, s + t, i - t);
			t = ++i;
		} else {
			i++;
		}
	}
	tok_data(h, s + t, n - t);
	table_text_flush(h);
}

/* -- serializer (html5lib's HTMLSerializer + bleach's filter) ------------- */

/* bleach's match_entity on the text after '&': the length of the entity
   name it accepts (a prefix of an HTML5 entity name, or '#' digits, then
   ';'), or 0. For "&#12a;" it returns 3 ("#12") and its caller skips the
   'a' -- bleach does exactly that. */
static size_t bleach_entity(const char *p, size_t n)
{
	static const char stop[] = "<&=; \t\n\r\v\f";
	size_t k = 0, len = 0;
	if (n && p[0] == '#') {
		bool hex = false;
		k = len = 1;
		if (k < n && (p[k] == 'x' || p[k] == 'X'))
			hex = true, k++, len++;
		while (k < n && p[k] && !strchr(stop, p[k])) {
			unsigned char c = (unsigned char)p[k++];
			if (!(hex ? is_hex(c) : is_digit(c)))
				break;
			len++;
		}
		return k < n && p[k] == ';' ? len : 0;
	}
	while (k < n && p[k] && !strchr(stop, p[k]))
		k++;
	if (!k || k >= n || p[k] != ';' || !entity_is_name_prefix(p, k))
		return 0;
	return k;
}

/* bleach's convert_entity for an accepted name: its code point, or -1 when
   bleach calls it ambiguous (named entities need a no-';' form). */
static long bleach_entity_value(const char *p, size_t len)
{
	if (p[0] != '#')
		return entity_legacy_cp(p, len);
	size_t k = 1;
	int base = 10;
	if (k < len && (p[k] == 'x' || p[k] == 'X'))
		base = 16, k++;
	if (k == len)
		return -1;
	long v = 0;
	for (; k < len; k++) {
		int d = is_digit((unsigned char)p[k]) ? p[k] - '0' : (to_lower((unsigned char)p[k]) - 'a' + 10);
		v = v * base + d;
		if (v >= 0x110000)
			return -1;
	}
	return v > 0 ? v : -1;
}

/* Text: html5lib's tree walker passes leading and trailing whitespace
   through untouched; bleach rewrites the rest (control characters to '?',
   entities kept only as above) and the serializer escapes & < >. */
static void ser_text(tb_buf *out, tb_buf *tmp, const char *p, size_t n)
{
	size_t a = 0, b = n;
	while (a < b && html_space((unsigned char)p[a]))
		a++;
	while (b > a && html_space((unsigned char)p[b - 1]))
		b--;
	tb_buf_append(out, p, a);
	tb_buf_reset(tmp);
	for (size_t i = a; i < b; i++) {
		unsigned char c = (unsigned char)p[i];
		tb_buf_putc(tmp, (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? '?' : (char)c);
	}
	const char *m = tmp->data;
	size_t mn = tmp->len;
	for (size_t i = 0; i < mn;) {
		char c = m[i];
		size_t l;
		if (c == '&' && (l = bleach_entity(m + i + 1, mn - i - 1)) != 0) {
			tb_buf_putc(out, '&');
			tb_buf_append(out, m + i + 1, l);
			tb_buf_putc(out, ';');
			i += l + 2;
			continue;
		}
		if (c == '&')
			tb_buf_puts(out, "&amp;");
		else if (c == '<')
			tb_buf_puts(out, "&lt;");
		else if (c == '>')
			tb_buf_puts(out, "&gt;");
		else
			tb_buf_putc(out, c);
		i++;
	}
	tb_buf_append(out, p + b, n - b);
}

/* An attribute value as html5lib writes it (quote choice, & and < escaped)
   followed by bleach's escape_base_amp (which, through a bleach quirk, only
   runs for double-quoted values). */
static void ser_attr_value(tb_buf *out, tb_buf *tmp, const char *v, size_t n)
{
	bool dq = memchr(v, '"', n) != NULL, sq = memchr(v, '\'', n) != NULL;
	if (dq && !sq) {
		tb_buf_putc(out, '\'');
		for (size_t i = 0; i < n; i++) {
			if (v[i] == '&')
				tb_buf_puts(out, "&amp;");
			else if (v[i] == '<')
				tb_buf_puts(out, "&lt;");
			else
				tb_buf_putc(out, v[i]);
		}
		tb_buf_putc(out, '\'');
		return;
	}
	tb_buf_reset(tmp);
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '<')
			tb_buf_puts(tmp, "&lt;");
		else if (v[i] == '"')
			tb_buf_puts(tmp, "&quot;");
		else
			tb_buf_putc(tmp, v[i]);
	}
	tb_buf_putc(out, '"');
	for (size_t i = 0; i < tmp->len;) {
		const char *m = tmp->data;
		size_t l;
		if (m[i] == '&' && (l = bleach_entity(m + i + 1, tmp->len - i - 1)) != 0 &&
		    bleach_entity_value(m + i + 1, l) >= 0) {
			tb_buf_append(out, m + i, l + 1);
			tb_buf_putc(out, ';');
			i += l + 2;
		} else if (m[i] == '&') {
			tb_buf_puts(out, "&amp;");
			i++;
		} else {
			tb_buf_putc(out, m[i++]);
		}
	}
	tb_buf_putc(out, '"');
}

/* Code points whose NFKC form contains one of "/?#@:"; urlsplit rejects a
   netloc holding one (generated with unicodedata, Python 3.11). */
static const uint32_t nfkc_netloc_bad[] = {
	0x2047, 0x2048, 0x2049, 0x2100, 0x2101, 0x2105, 0x2106, 0x2a74, 0xfe13,
	0xfe16, 0xfe55, 0xfe56, 0xfe5f, 0xfe6b, 0xff03, 0xff0f, 0xff1a, 0xff1f,
	0xff20,
};

/* bleach's sanitize_uri_value with protocols http, https, mailto: decode
   the entities bleach decodes, drop whitespace, controls, '`' and U+FFFD,
   lower-case, then parse the scheme (and netloc) as bleach's urlsplit. */
static bool url_allowed(tb_buf *tmp, const char *v, size_t n)
{
	tb_buf_reset(tmp);
	for (size_t i = 0; i < n;) {
		size_t l;
		long cp;
		uint32_t c;
		size_t k;
		if (v[i] == '&' && (l = bleach_entity(v + i + 1, n - i - 1)) != 0 &&
		    (cp = bleach_entity_value(v + i + 1, l)) >= 0) {
			/* A lone surrogate: any character that is kept and is not a
			   scheme character behaves the same. */
			c = (cp >= 0xd800 && cp <= 0xdfff) ? 0xe000 : (uint32_t)cp;
			k = l + 2;
		} else if (!(k = utf8_seq((const unsigned char *)v + i, n - i, &c))) {
			c = 0xfffd, k = 1;
		}
		if (!(c == '`' || c <= 0x20 || (c >= 0x7f && c <= 0xa0) ||
		      py_space_cp(c) || c == 0xfffd))
			put_utf8(tmp, c < 0x80 ? to_lower((unsigned char)c) : c);
		i += k;
	}
	if (tmp->oom)
		return false;
	const char *u = tmp->data ? tmp->data : "";
	size_t un = tmp->len;
	/* bleach's vendored urlsplit (Python 3.6): any scheme characters
	   before the first ':' form the scheme, unless all that follows is
	   digits (then it reads "host:port", no scheme). tbserve is stricter
	   in one case: "javascript:123" and "vbscript:123" are dropped. */
	const char *colon = memchr(u, ':', un);
	const char *rest = u;
	if (colon && colon > u) {
		const char *q = u, *d = colon + 1;
		while (q < colon && (is_alpha((unsigned char)*q) || is_digit((unsigned char)*q) ||
				     *q == '+' || *q == '-' || *q == '.'))
			q++;
		while (d < u + un && is_digit((unsigned char)*d))
			d++;
		size_t sl = (size_t)(colon - u);
		bool port = d == u + un && d > colon + 1;
		if (q == colon && (!port || (sl == 4 && !memcmp(u, "http", 4)))) {
			if (!((sl == 4 && !memcmp(u, "http", 4)) ||
			      (sl == 5 && !memcmp(u, "https", 5)) ||
			      (sl == 6 && !memcmp(u, "mailto", 6))))
				return false;
			rest = colon + 1;
		} else if (q == colon && ((sl == 10 && !memcmp(u, "javascript", 10)) ||
					  (sl == 8 && !memcmp(u, "vbscript", 8)))) {
			return false;
		}
	}
	size_t rn = un - (size_t)(rest - u);
	if (rn >= 2 && rest[0] == '/' && rest[1] == '/') {
		size_t e = 2;
		while (e < rn && rest[e] != '/' && rest[e] != '?' && rest[e] != '#')
			e++;
		bool lb = memchr(rest + 2, '[', e - 2) != NULL;
		bool rb = memchr(rest + 2, ']', e - 2) != NULL;
		if (lb != rb)
			return false;
		for (size_t i = 2; i < e;) {
			uint32_t c;
			size_t k = utf8_seq((const unsigned char *)rest + i, e - i, &c);
			if (!k)
				return false;
			for (size_t b = 0; b < sizeof nfkc_netloc_bad / sizeof *nfkc_netloc_bad; b++)
				if (c == nfkc_netloc_bad[b])
					return false;
			i += k;
		}
	}
	return true;
}

static void ser_start_tag(const html_tree *h, tb_buf *out, tb_buf *tmp, int n)
{
	const html_node *x = &h->node[n];
	tb_buf_putc(out, '<');
	tb_buf_puts(out, elem_name[x->tag]);
	for (size_t i = 0; i < x->len; i++) {
		const html_attr *a = &h->attr[x->off + i];
		const char *name = h->pool.data + a->name, *val = h->pool.data + a->val;
		bool uri = false, ok = false;
		if (x->tag == E_A) {
			uri = a->nlen == 4 && !memcmp(name, "href", 4);
			ok = uri || (a->nlen == 5 && !memcmp(name, "title", 5));
		} else if (x->tag == E_IMG) {
			uri = a->nlen == 3 && !memcmp(name, "src", 3);
			ok = uri || (a->nlen == 5 && !memcmp(name, "title", 5)) ||
			     (a->nlen == 3 && !memcmp(name, "alt", 3));
		}
		if (!ok || (uri && !url_allowed(tmp, val, a->vlen)))
			continue;
		tb_buf_putc(out, ' ');
		tb_buf_append(out, name, a->nlen);
		tb_buf_putc(out, '=');
		ser_attr_value(out, tmp, val, a->vlen);
	}
	tb_buf_putc(out, '>');
}

static void ser_end_tag(tb_buf *out, int tag)
{
	if (elem_void(tag))
		return;
	tb_buf_puts(out, "</");
	tb_buf_puts(out, elem_name[tag]);
	tb_buf_putc(out, '>');
}

/* Writes the children of the root in document order (iteratively). */
static void html_serialize(const html_tree *h, tb_buf *out)
{
	tb_buf text = TB_BUF_INIT, tmp = TB_BUF_INIT;
	int n = h->node[0].first;
	while (n >= 0) {
		const html_node *x = &h->node[n];
		if (x->lost) {
			/* skipped with its subtree */
		} else if (x->is_text) {
			tb_buf_reset(&text);
			for (;;) {
				tb_buf_append(&text, h->pool.data + h->node[n].off, h->node[n].len);
				int nx = h->node[n].next;
				if (nx < 0 || !h->node[nx].is_text || h->node[nx].lost)
					break;
				n = nx;
			}
			ser_text(out, &tmp, text.data, text.len);
		} else {
			ser_start_tag(h, out, &tmp, n);
			if (!elem_void(x->tag) && x->first >= 0) {
				n = x->first;
				continue;
			}
			ser_end_tag(out, x->tag);
		}
		while (n >= 0 && h->node[n].next < 0) {
			n = h->node[n].parent;
			if (n <= 0) {
				n = -1;
				break;
			}
			ser_end_tag(out, h->node[n].tag);
		}
		if (n >= 0)
			n = h->node[n].next;
	}
	if (text.oom || tmp.oom)
		out->oom = 1;
	tb_buf_release(&text);
	tb_buf_release(&tmp);
}

void tb_html_sanitize(const char *s, size_t n, tb_buf *out)
{
	if (!n)
		return;
	/* html5lib's input stream: CR LF and CR become LF; the bytes were
	   decoded first, so undecodable ones become U+FFFD. */
	tb_buf in = TB_BUF_INIT;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_seq((const unsigned char *)s + i, n - i, &cp);
		if (!l) {
			tb_buf_append(&in, "\xef\xbf\xbd", 3);
			i++;
		} else if (s[i] == '\r') {
			tb_buf_putc(&in, '\n');
			i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
		} else {
			tb_buf_append(&in, s + i, l);
			i += l;
		}
	}
	html_tree h;
	memset(&h, 0, sizeof h);
	tb_buf_init(&h.pool);
	tb_buf_init(&h.table_text);
	h.mode = M_BODY;
	int root = node_new(&h, false, E_HTML);
	if (root >= 0)
		stack_push(&h, root);
	if (!in.oom && !h.oom)
		tok_run(&h, in.data ? in.data : "", in.len);
	if (in.oom || h.oom || h.pool.oom)
		out->oom = 1;
	else
		html_serialize(&h, out);
	tb_buf_release(&in);
	tb_buf_release(&h.pool);
	tb_buf_release(&h.table_text);
	free(h.node);
	free(h.attr);
	free(h.stack);
	free(h.fmt);
}

/* ---------------------------------------------------------------------------
 * Python-Markdown, step 1: the preprocessors (whitespace, fenced code, raw
 * HTML). They work on text and set raw HTML aside in a stash; a
 * placeholder "\x02wzxhzdk:N\x03" marks its place, as in Python-Markdown
 * (STX/ETX are removed from the input first, so placeholders are unique).
 * ------------------------------------------------------------------------- */

typedef struct pm_stash {
	tb_buf data;
	struct { size_t off, len; } *item;
	size_t n, cap;
	bool oom;
} pm_stash;

static void stash_store(pm_stash *st, const char *p, size_t n, tb_buf *dst)
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
static bool pm_block_level(const char *s, size_t n)
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
static void pm_normalize(const char *s, size_t n, tb_buf *o)
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
static void pm_fenced(const char *s, size_t n, tb_buf *o, pm_stash *st)
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
	pm_stash *st;
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
	if (pm_block_level(x->s + name, nlen) &&
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
		ph_empty(x, i, s + i, endpos - i, pm_block_level(s + name, nlen));
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
static void pm_extract_html(const char *s, size_t n, tb_buf *clean, pm_stash *st)
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

static void pm_defuse(const char *s, size_t n, tb_buf *o)
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
	return pm_block_level(h + i, j - i);
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
static bool pm_restore_once(const char *h, size_t n, const pm_stash *st, tb_buf *o)
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

static void pm_finish(tb_buf *h, const pm_stash *st, tb_buf *out)
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
	pm_stash st;
	memset(&st, 0, sizeof st);
	tb_buf norm = TB_BUF_INIT, fenced = TB_BUF_INIT, clean = TB_BUF_INIT,
	       defused = TB_BUF_INIT, html = TB_BUF_INIT;
	md_render r;
	memset(&r, 0, sizeof r);
	int rc = 0;
	pm_normalize(s, n, &norm);
	pm_fenced(norm.data, norm.len, &fenced, &st);
	pm_extract_html(fenced.data, fenced.len, &clean, &st);
	pm_defuse(clean.data, clean.len, &defused);
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
	if (md_parse(defused.data, (MD_SIZE)defused.len, &parser, &r) != 0 || r.oom) {
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
	if (total != count)
		return -EINVAL;
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
	for (size_t i = 0; i < rows * cols; i++)
		if (!utf8_valid(strs[i], lens[i]))
			return -EILSEQ;
	tb_buf warn = TB_BUF_INIT, table = TB_BUF_INIT, res = TB_BUF_INIT;
	size_t nuls = 0;
	int rc = 0;
	if (rank > 2) {
		char msg[sizeof TB_TEXT_DIM_WARNING + 16];
		snprintf(msg, sizeof msg, TB_TEXT_DIM_WARNING, rank);
		rc = tb_markdown_to_safe_html(msg, strlen(msg), &warn);
	}
	tb_buf_puts(&table, "<table>\n<tbody>\n");
	for (size_t r = 0; r < rows && !rc; r++) {
		tb_buf_puts(&table, "<tr>\n");
		for (size_t c = 0; c < cols && !rc; c++) {
			const char *s = strs[r * cols + c];
			size_t n = lens[r * cols + c];
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
}

/* ---------------------------------------------------------------------------
 * HTML5 entity tables (data)
 * ------------------------------------------------------------------------- */

/* HTML5 named character references (names only, byte order), for bleach's
   'is a prefix of some entity name' test; generated from html5lib 1.1
   constants.entities. */
static const char *const html_entity_names[] = {
	"AElig", "AMP", "Aacute", "Abreve", "Acirc", "Acy", "Afr", "Agrave", "Alpha", "Amacr", "And",
	"Aogon", "Aopf", "ApplyFunction", "Aring", "Ascr", "Assign", "Atilde", "Auml", "Backslash",
	"Barv", "Barwed", "Bcy", "Because", "Bernoullis", "Beta", "Bfr", "Bopf", "Breve", "Bscr",
	"Bumpeq", "CHcy", "COPY", "Cacute", "Cap", "CapitalDifferentialD", "Cayleys", "Ccaron",
	"Ccedil", "Ccirc", "Cconint", "Cdot", "Cedilla", "CenterDot", "Cfr", "Chi", "CircleDot",
	"CircleMinus", "CirclePlus", "CircleTimes", "ClockwiseContourIntegral",
	"CloseCurlyDoubleQuote", "CloseCurlyQuote", "Colon", "Colone", "Congruent", "Conint",
	"ContourIntegral", "Copf", "Coproduct", "CounterClockwiseContourIntegral", "Cross", "Cscr",
	"Cup", "CupCap", "DD", "DDotrahd", "DJcy", "DScy", "DZcy", "Dagger", "Darr", "Dashv",
	"Dcaron", "Dcy", "Del", "Delta", "Dfr", "DiacriticalAcute", "DiacriticalDot",
	"DiacriticalDoubleAcute", "DiacriticalGrave", "DiacriticalTilde", "Diamond", "DifferentialD",
	"Dopf", "Dot", "DotDot", "DotEqual", "DoubleContourIntegral", "DoubleDot", "DoubleDownArrow",
	"DoubleLeftArrow", "DoubleLeftRightArrow", "DoubleLeftTee", "DoubleLongLeftArrow",
	"DoubleLongLeftRightArrow", "DoubleLongRightArrow", "DoubleRightArrow", "DoubleRightTee",
	"DoubleUpArrow", "DoubleUpDownArrow", "DoubleVerticalBar", "DownArrow", "DownArrowBar",
	"DownArrowUpArrow", "DownBreve", "DownLeftRightVector", "DownLeftTeeVector", "DownLeftVector",
	"DownLeftVectorBar", "DownRightTeeVector", "DownRightVector", "DownRightVectorBar", "DownTee",
	"DownTeeArrow", "Downarrow", "Dscr", "Dstrok", "ENG", "ETH", "Eacute", "Ecaron", "Ecirc",
	"Ecy", "Edot", "Efr", "Egrave", "Element", "Emacr", "EmptySmallSquare",
	"EmptyVerySmallSquare", "Eogon", "Eopf", "Epsilon", "Equal", "EqualTilde", "Equilibrium",
	"Escr", "Esim", "Eta", "Euml", "Exists", "ExponentialE", "Fcy", "Ffr", "FilledSmallSquare",
	"FilledVerySmallSquare", "Fopf", "ForAll", "Fouriertrf", "Fscr", "GJcy", "GT", "Gamma",
	"Gammad", "Gbreve", "Gcedil", "Gcirc", "Gcy", "Gdot", "Gfr", "Gg", "Gopf", "GreaterEqual",
	"GreaterEqualLess", "GreaterFullEqual", "GreaterGreater", "GreaterLess", "GreaterSlantEqual",
	"GreaterTilde", "Gscr", "Gt", "HARDcy", "Hacek", "Hat", "Hcirc", "Hfr", "HilbertSpace",
	"Hopf", "HorizontalLine", "Hscr", "Hstrok", "HumpDownHump", "HumpEqual", "IEcy", "IJlig",
	"IOcy", "Iacute", "Icirc", "Icy", "Idot", "Ifr", "Igrave", "Im", "Imacr", "ImaginaryI",
	"Implies", "Int", "Integral", "Intersection", "InvisibleComma", "InvisibleTimes", "Iogon",
	"Iopf", "Iota", "Iscr", "Itilde", "Iukcy", "Iuml", "Jcirc", "Jcy", "Jfr", "Jopf", "Jscr",
	"Jsercy", "Jukcy", "KHcy", "KJcy", "Kappa", "Kcedil", "Kcy", "Kfr", "Kopf", "Kscr", "LJcy",
	"LT", "Lacute", "Lambda", "Lang", "Laplacetrf", "Larr", "Lcaron", "Lcedil", "Lcy",
	"LeftAngleBracket", "LeftArrow", "LeftArrowBar", "LeftArrowRightArrow", "LeftCeiling",
	"LeftDoubleBracket", "LeftDownTeeVector", "LeftDownVector", "LeftDownVectorBar", "LeftFloor",
	"LeftRightArrow", "LeftRightVector", "LeftTee", "LeftTeeArrow", "LeftTeeVector",
	"LeftTriangle", "LeftTriangleBar", "LeftTriangleEqual", "LeftUpDownVector", "LeftUpTeeVector",
	"LeftUpVector", "LeftUpVectorBar", "LeftVector", "LeftVectorBar", "Leftarrow",
	"Leftrightarrow", "LessEqualGreater", "LessFullEqual", "LessGreater", "LessLess",
	"LessSlantEqual", "LessTilde", "Lfr", "Ll", "Lleftarrow", "Lmidot", "LongLeftArrow",
	"LongLeftRightArrow", "LongRightArrow", "Longleftarrow", "Longleftrightarrow",
	"Longrightarrow", "Lopf", "LowerLeftArrow", "LowerRightArrow", "Lscr", "Lsh", "Lstrok", "Lt",
	"Map", "Mcy", "MediumSpace", "Mellintrf", "Mfr", "MinusPlus", "Mopf", "Mscr", "Mu", "NJcy",
	"Nacute", "Ncaron", "Ncedil", "Ncy", "NegativeMediumSpace", "NegativeThickSpace",
	"NegativeThinSpace", "NegativeVeryThinSpace", "NestedGreaterGreater", "NestedLessLess",
	"NewLine", "Nfr", "NoBreak", "NonBreakingSpace", "Nopf", "Not", "NotCongruent", "NotCupCap",
	"NotDoubleVerticalBar", "NotElement", "NotEqual", "NotEqualTilde", "NotExists", "NotGreater",
	"NotGreaterEqual", "NotGreaterFullEqual", "NotGreaterGreater", "NotGreaterLess",
	"NotGreaterSlantEqual", "NotGreaterTilde", "NotHumpDownHump", "NotHumpEqual",
	"NotLeftTriangle", "NotLeftTriangleBar", "NotLeftTriangleEqual", "NotLess", "NotLessEqual",
	"NotLessGreater", "NotLessLess", "NotLessSlantEqual", "NotLessTilde",
	"NotNestedGreaterGreater", "NotNestedLessLess", "NotPrecedes", "NotPrecedesEqual",
	"NotPrecedesSlantEqual", "NotReverseElement", "NotRightTriangle", "NotRightTriangleBar",
	"NotRightTriangleEqual", "NotSquareSubset", "NotSquareSubsetEqual", "NotSquareSuperset",
	"NotSquareSupersetEqual", "NotSubset", "NotSubsetEqual", "NotSucceeds", "NotSucceedsEqual",
	"NotSucceedsSlantEqual", "NotSucceedsTilde", "NotSuperset", "NotSupersetEqual", "NotTilde",
	"NotTildeEqual", "NotTildeFullEqual", "NotTildeTilde", "NotVerticalBar", "Nscr", "Ntilde",
	"Nu", "OElig", "Oacute", "Ocirc", "Ocy", "Odblac", "Ofr", "Ograve", "Omacr", "Omega",
	"Omicron", "Oopf", "OpenCurlyDoubleQuote", "OpenCurlyQuote", "Or", "Oscr", "Oslash", "Otilde",
	"Otimes", "Ouml", "OverBar", "OverBrace", "OverBracket", "OverParenthesis", "PartialD", "Pcy",
	"Pfr", "Phi", "Pi", "PlusMinus", "Poincareplane", "Popf", "Pr", "Precedes", "PrecedesEqual",
	"PrecedesSlantEqual", "PrecedesTilde", "Prime", "Product", "Proportion", "Proportional",
	"Pscr", "Psi", "QUOT", "Qfr", "Qopf", "Qscr", "RBarr", "REG", "Racute", "Rang", "Rarr",
	"Rarrtl", "Rcaron", "Rcedil", "Rcy", "Re", "ReverseElement", "ReverseEquilibrium",
	"ReverseUpEquilibrium", "Rfr", "Rho", "RightAngleBracket", "RightArrow", "RightArrowBar",
	"RightArrowLeftArrow", "RightCeiling", "RightDoubleBracket", "RightDownTeeVector",
	"RightDownVector", "RightDownVectorBar", "RightFloor", "RightTee", "RightTeeArrow",
	"RightTeeVector", "RightTriangle", "RightTriangleBar", "RightTriangleEqual",
	"RightUpDownVector", "RightUpTeeVector", "RightUpVector", "RightUpVectorBar", "RightVector",
	"RightVectorBar", "Rightarrow", "Ropf", "RoundImplies", "Rrightarrow", "Rscr", "Rsh",
	"RuleDelayed", "SHCHcy", "SHcy", "SOFTcy", "Sacute", "Sc", "Scaron", "Scedil", "Scirc", "Scy",
	"Sfr", "ShortDownArrow", "ShortLeftArrow", "ShortRightArrow", "ShortUpArrow", "Sigma",
	"SmallCircle", "Sopf", "Sqrt", "Square", "SquareIntersection", "SquareSubset",
	"SquareSubsetEqual", "SquareSuperset", "SquareSupersetEqual", "SquareUnion", "Sscr", "Star",
	"Sub", "Subset", "SubsetEqual", "Succeeds", "SucceedsEqual", "SucceedsSlantEqual",
	"SucceedsTilde", "SuchThat", "Sum", "Sup", "Superset", "SupersetEqual", "Supset", "THORN",
	"TRADE", "TSHcy", "TScy", "Tab", "Tau", "Tcaron", "Tcedil", "Tcy", "Tfr", "Therefore",
	"Theta", "ThickSpace", "ThinSpace", "Tilde", "TildeEqual", "TildeFullEqual", "TildeTilde",
	"Topf", "TripleDot", "Tscr", "Tstrok", "Uacute", "Uarr", "Uarrocir", "Ubrcy", "Ubreve",
	"Ucirc", "Ucy", "Udblac", "Ufr", "Ugrave", "Umacr", "UnderBar", "UnderBrace", "UnderBracket",
	"UnderParenthesis", "Union", "UnionPlus", "Uogon", "Uopf", "UpArrow", "UpArrowBar",
	"UpArrowDownArrow", "UpDownArrow", "UpEquilibrium", "UpTee", "UpTeeArrow", "Uparrow",
	"Updownarrow", "UpperLeftArrow", "UpperRightArrow", "Upsi", "Upsilon", "Uring", "Uscr",
	"Utilde", "Uuml", "VDash", "Vbar", "Vcy", "Vdash", "Vdashl", "Vee", "Verbar", "Vert",
	"VerticalBar", "VerticalLine", "VerticalSeparator", "VerticalTilde", "VeryThinSpace", "Vfr",
	"Vopf", "Vscr", "Vvdash", "Wcirc", "Wedge", "Wfr", "Wopf", "Wscr", "Xfr", "Xi", "Xopf",
	"Xscr", "YAcy", "YIcy", "YUcy", "Yacute", "Ycirc", "Ycy", "Yfr", "Yopf", "Yscr", "Yuml",
	"ZHcy", "Zacute", "Zcaron", "Zcy", "Zdot", "ZeroWidthSpace", "Zeta", "Zfr", "Zopf", "Zscr",
	"aacute", "abreve", "ac", "acE", "acd", "acirc", "acute", "acy", "aelig", "af", "afr",
	"agrave", "alefsym", "aleph", "alpha", "amacr", "amalg", "amp", "and", "andand", "andd",
	"andslope", "andv", "ang", "ange", "angle", "angmsd", "angmsdaa", "angmsdab", "angmsdac",
	"angmsdad", "angmsdae", "angmsdaf", "angmsdag", "angmsdah", "angrt", "angrtvb", "angrtvbd",
	"angsph", "angst", "angzarr", "aogon", "aopf", "ap", "apE", "apacir", "ape", "apid", "apos",
	"approx", "approxeq", "aring", "ascr", "ast", "asymp", "asympeq", "atilde", "auml",
	"awconint", "awint", "bNot", "backcong", "backepsilon", "backprime", "backsim", "backsimeq",
	"barvee", "barwed", "barwedge", "bbrk", "bbrktbrk", "bcong", "bcy", "bdquo", "becaus",
	"because", "bemptyv", "bepsi", "bernou", "beta", "beth", "between", "bfr", "bigcap",
	"bigcirc", "bigcup", "bigodot", "bigoplus", "bigotimes", "bigsqcup", "bigstar",
	"bigtriangledown", "bigtriangleup", "biguplus", "bigvee", "bigwedge", "bkarow",
	"blacklozenge", "blacksquare", "blacktriangle", "blacktriangledown", "blacktriangleleft",
	"blacktriangleright", "blank", "blk12", "blk14", "blk34", "block", "bne", "bnequiv", "bnot",
	"bopf", "bot", "bottom", "bowtie", "boxDL", "boxDR", "boxDl", "boxDr", "boxH", "boxHD",
	"boxHU", "boxHd", "boxHu", "boxUL", "boxUR", "boxUl", "boxUr", "boxV", "boxVH", "boxVL",
	"boxVR", "boxVh", "boxVl", "boxVr", "boxbox", "boxdL", "boxdR", "boxdl", "boxdr", "boxh",
	"boxhD", "boxhU", "boxhd", "boxhu", "boxminus", "boxplus", "boxtimes", "boxuL", "boxuR",
	"boxul", "boxur", "boxv", "boxvH", "boxvL", "boxvR", "boxvh", "boxvl", "boxvr", "bprime",
	"breve", "brvbar", "bscr", "bsemi", "bsim", "bsime", "bsol", "bsolb", "bsolhsub", "bull",
	"bullet", "bump", "bumpE", "bumpe", "bumpeq", "cacute", "cap", "capand", "capbrcup", "capcap",
	"capcup", "capdot", "caps", "caret", "caron", "ccaps", "ccaron", "ccedil", "ccirc", "ccups",
	"ccupssm", "cdot", "cedil", "cemptyv", "cent", "centerdot", "cfr", "chcy", "check",
	"checkmark", "chi", "cir", "cirE", "circ", "circeq", "circlearrowleft", "circlearrowright",
	"circledR", "circledS", "circledast", "circledcirc", "circleddash", "cire", "cirfnint",
	"cirmid", "cirscir", "clubs", "clubsuit", "colon", "colone", "coloneq", "comma", "commat",
	"comp", "compfn", "complement", "complexes", "cong", "congdot", "conint", "copf", "coprod",
	"copy", "copysr", "crarr", "cross", "cscr", "csub", "csube", "csup", "csupe", "ctdot",
	"cudarrl", "cudarrr", "cuepr", "cuesc", "cularr", "cularrp", "cup", "cupbrcap", "cupcap",
	"cupcup", "cupdot", "cupor", "cups", "curarr", "curarrm", "curlyeqprec", "curlyeqsucc",
	"curlyvee", "curlywedge", "curren", "curvearrowleft", "curvearrowright", "cuvee", "cuwed",
	"cwconint", "cwint", "cylcty", "dArr", "dHar", "dagger", "daleth", "darr", "dash", "dashv",
	"dbkarow", "dblac", "dcaron", "dcy", "dd", "ddagger", "ddarr", "ddotseq", "deg", "delta",
	"demptyv", "dfisht", "dfr", "dharl", "dharr", "diam", "diamond", "diamondsuit", "diams",
	"die", "digamma", "disin", "div", "divide", "divideontimes", "divonx", "djcy", "dlcorn",
	"dlcrop", "dollar", "dopf", "dot", "doteq", "doteqdot", "dotminus", "dotplus", "dotsquare",
	"doublebarwedge", "downarrow", "downdownarrows", "downharpoonleft", "downharpoonright",
	"drbkarow", "drcorn", "drcrop", "dscr", "dscy", "dsol", "dstrok", "dtdot", "dtri", "dtrif",
	"duarr", "duhar", "dwangle", "dzcy", "dzigrarr", "eDDot", "eDot", "eacute", "easter",
	"ecaron", "ecir", "ecirc", "ecolon", "ecy", "edot", "ee", "efDot", "efr", "eg", "egrave",
	"egs", "egsdot", "el", "elinters", "ell", "els", "elsdot", "emacr", "empty", "emptyset",
	"emptyv", "emsp", "emsp13", "emsp14", "eng", "ensp", "eogon", "eopf", "epar", "eparsl",
	"eplus", "epsi", "epsilon", "epsiv", "eqcirc", "eqcolon", "eqsim", "eqslantgtr",
	"eqslantless", "equals", "equest", "equiv", "equivDD", "eqvparsl", "erDot", "erarr", "escr",
	"esdot", "esim", "eta", "eth", "euml", "euro", "excl", "exist", "expectation", "exponentiale",
	"fallingdotseq", "fcy", "female", "ffilig", "fflig", "ffllig", "ffr", "filig", "fjlig",
	"flat", "fllig", "fltns", "fnof", "fopf", "forall", "fork", "forkv", "fpartint", "frac12",
	"frac13", "frac14", "frac15", "frac16", "frac18", "frac23", "frac25", "frac34", "frac35",
	"frac38", "frac45", "frac56", "frac58", "frac78", "frasl", "frown", "fscr", "gE", "gEl",
	"gacute", "gamma", "gammad", "gap", "gbreve", "gcirc", "gcy", "gdot", "ge", "gel", "geq",
	"geqq", "geqslant", "ges", "gescc", "gesdot", "gesdoto", "gesdotol", "gesl", "gesles", "gfr",
	"gg", "ggg", "gimel", "gjcy", "gl", "glE", "gla", "glj", "gnE", "gnap", "gnapprox", "gne",
	"gneq", "gneqq", "gnsim", "gopf", "grave", "gscr", "gsim", "gsime", "gsiml", "gt", "gtcc",
	"gtcir", "gtdot", "gtlPar", "gtquest", "gtrapprox", "gtrarr", "gtrdot", "gtreqless",
	"gtreqqless", "gtrless", "gtrsim", "gvertneqq", "gvnE", "hArr", "hairsp", "half", "hamilt",
	"hardcy", "harr", "harrcir", "harrw", "hbar", "hcirc", "hearts", "heartsuit", "hellip",
	"hercon", "hfr", "hksearow", "hkswarow", "hoarr", "homtht", "hookleftarrow", "hookrightarrow",
	"hopf", "horbar", "hscr", "hslash", "hstrok", "hybull", "hyphen", "iacute", "ic", "icirc",
	"icy", "iecy", "iexcl", "iff", "ifr", "igrave", "ii", "iiiint", "iiint", "iinfin", "iiota",
	"ijlig", "imacr", "image", "imagline", "imagpart", "imath", "imof", "imped", "in", "incare",
	"infin", "infintie", "inodot", "int", "intcal", "integers", "intercal", "intlarhk", "intprod",
	"iocy", "iogon", "iopf", "iota", "iprod", "iquest", "iscr", "isin", "isinE", "isindot",
	"isins", "isinsv", "isinv", "it", "itilde", "iukcy", "iuml", "jcirc", "jcy", "jfr", "jmath",
	"jopf", "jscr", "jsercy", "jukcy", "kappa", "kappav", "kcedil", "kcy", "kfr", "kgreen",
	"khcy", "kjcy", "kopf", "kscr", "lAarr", "lArr", "lAtail", "lBarr", "lE", "lEg", "lHar",
	"lacute", "laemptyv", "lagran", "lambda", "lang", "langd", "langle", "lap", "laquo", "larr",
	"larrb", "larrbfs", "larrfs", "larrhk", "larrlp", "larrpl", "larrsim", "larrtl", "lat",
	"latail", "late", "lates", "lbarr", "lbbrk", "lbrace", "lbrack", "lbrke", "lbrksld",
	"lbrkslu", "lcaron", "lcedil", "lceil", "lcub", "lcy", "ldca", "ldquo", "ldquor", "ldrdhar",
	"ldrushar", "ldsh", "le", "leftarrow", "leftarrowtail", "leftharpoondown", "leftharpoonup",
	"leftleftarrows", "leftrightarrow", "leftrightarrows", "leftrightharpoons",
	"leftrightsquigarrow", "leftthreetimes", "leg", "leq", "leqq", "leqslant", "les", "lescc",
	"lesdot", "lesdoto", "lesdotor", "lesg", "lesges", "lessapprox", "lessdot", "lesseqgtr",
	"lesseqqgtr", "lessgtr", "lesssim", "lfisht", "lfloor", "lfr", "lg", "lgE", "lhard", "lharu",
	"lharul", "lhblk", "ljcy", "ll", "llarr", "llcorner", "llhard", "lltri", "lmidot", "lmoust",
	"lmoustache", "lnE", "lnap", "lnapprox", "lne", "lneq", "lneqq", "lnsim", "loang", "loarr",
	"lobrk", "longleftarrow", "longleftrightarrow", "longmapsto", "longrightarrow",
	"looparrowleft", "looparrowright", "lopar", "lopf", "loplus", "lotimes", "lowast", "lowbar",
	"loz", "lozenge", "lozf", "lpar", "lparlt", "lrarr", "lrcorner", "lrhar", "lrhard", "lrm",
	"lrtri", "lsaquo", "lscr", "lsh", "lsim", "lsime", "lsimg", "lsqb", "lsquo", "lsquor",
	"lstrok", "lt", "ltcc", "ltcir", "ltdot", "lthree", "ltimes", "ltlarr", "ltquest", "ltrPar",
	"ltri", "ltrie", "ltrif", "lurdshar", "luruhar", "lvertneqq", "lvnE", "mDDot", "macr", "male",
	"malt", "maltese", "map", "mapsto", "mapstodown", "mapstoleft", "mapstoup", "marker",
	"mcomma", "mcy", "mdash", "measuredangle", "mfr", "mho", "micro", "mid", "midast", "midcir",
	"middot", "minus", "minusb", "minusd", "minusdu", "mlcp", "mldr", "mnplus", "models", "mopf",
	"mp", "mscr", "mstpos", "mu", "multimap", "mumap", "nGg", "nGt", "nGtv", "nLeftarrow",
	"nLeftrightarrow", "nLl", "nLt", "nLtv", "nRightarrow", "nVDash", "nVdash", "nabla", "nacute",
	"nang", "nap", "napE", "napid", "napos", "napprox", "natur", "natural", "naturals", "nbsp",
	"nbump", "nbumpe", "ncap", "ncaron", "ncedil", "ncong", "ncongdot", "ncup", "ncy", "ndash",
	"ne", "neArr", "nearhk", "nearr", "nearrow", "nedot", "nequiv", "nesear", "nesim", "nexist",
	"nexists", "nfr", "ngE", "nge", "ngeq", "ngeqq", "ngeqslant", "nges", "ngsim", "ngt", "ngtr",
	"nhArr", "nharr", "nhpar", "ni", "nis", "nisd", "niv", "njcy", "nlArr", "nlE", "nlarr",
	"nldr", "nle", "nleftarrow", "nleftrightarrow", "nleq", "nleqq", "nleqslant", "nles", "nless",
	"nlsim", "nlt", "nltri", "nltrie", "nmid", "nopf", "not", "notin", "notinE", "notindot",
	"notinva", "notinvb", "notinvc", "notni", "notniva", "notnivb", "notnivc", "npar",
	"nparallel", "nparsl", "npart", "npolint", "npr", "nprcue", "npre", "nprec", "npreceq",
	"nrArr", "nrarr", "nrarrc", "nrarrw", "nrightarrow", "nrtri", "nrtrie", "nsc", "nsccue",
	"nsce", "nscr", "nshortmid", "nshortparallel", "nsim", "nsime", "nsimeq", "nsmid", "nspar",
	"nsqsube", "nsqsupe", "nsub", "nsubE", "nsube", "nsubset", "nsubseteq", "nsubseteqq", "nsucc",
	"nsucceq", "nsup", "nsupE", "nsupe", "nsupset", "nsupseteq", "nsupseteqq", "ntgl", "ntilde",
	"ntlg", "ntriangleleft", "ntrianglelefteq", "ntriangleright", "ntrianglerighteq", "nu", "num",
	"numero", "numsp", "nvDash", "nvHarr", "nvap", "nvdash", "nvge", "nvgt", "nvinfin", "nvlArr",
	"nvle", "nvlt", "nvltrie", "nvrArr", "nvrtrie", "nvsim", "nwArr", "nwarhk", "nwarr",
	"nwarrow", "nwnear", "oS", "oacute", "oast", "ocir", "ocirc", "ocy", "odash", "odblac",
	"odiv", "odot", "odsold", "oelig", "ofcir", "ofr", "ogon", "ograve", "ogt", "ohbar", "ohm",
	"oint", "olarr", "olcir", "olcross", "oline", "olt", "omacr", "omega", "omicron", "omid",
	"ominus", "oopf", "opar", "operp", "oplus", "or", "orarr", "ord", "order", "orderof", "ordf",
	"ordm", "origof", "oror", "orslope", "orv", "oscr", "oslash", "osol", "otilde", "otimes",
	"otimesas", "ouml", "ovbar", "par", "para", "parallel", "parsim", "parsl", "part", "pcy",
	"percnt", "period", "permil", "perp", "pertenk", "pfr", "phi", "phiv", "phmmat", "phone",
	"pi", "pitchfork", "piv", "planck", "planckh", "plankv", "plus", "plusacir", "plusb",
	"pluscir", "plusdo", "plusdu", "pluse", "plusmn", "plussim", "plustwo", "pm", "pointint",
	"popf", "pound", "pr", "prE", "prap", "prcue", "pre", "prec", "precapprox", "preccurlyeq",
	"preceq", "precnapprox", "precneqq", "precnsim", "precsim", "prime", "primes", "prnE",
	"prnap", "prnsim", "prod", "profalar", "profline", "profsurf", "prop", "propto", "prsim",
	"prurel", "pscr", "psi", "puncsp", "qfr", "qint", "qopf", "qprime", "qscr", "quaternions",
	"quatint", "quest", "questeq", "quot", "rAarr", "rArr", "rAtail", "rBarr", "rHar", "race",
	"racute", "radic", "raemptyv", "rang", "rangd", "range", "rangle", "raquo", "rarr", "rarrap",
	"rarrb", "rarrbfs", "rarrc", "rarrfs", "rarrhk", "rarrlp", "rarrpl", "rarrsim", "rarrtl",
	"rarrw", "ratail", "ratio", "rationals", "rbarr", "rbbrk", "rbrace", "rbrack", "rbrke",
	"rbrksld", "rbrkslu", "rcaron", "rcedil", "rceil", "rcub", "rcy", "rdca", "rdldhar", "rdquo",
	"rdquor", "rdsh", "real", "realine", "realpart", "reals", "rect", "reg", "rfisht", "rfloor",
	"rfr", "rhard", "rharu", "rharul", "rho", "rhov", "rightarrow", "rightarrowtail",
	"rightharpoondown", "rightharpoonup", "rightleftarrows", "rightleftharpoons",
	"rightrightarrows", "rightsquigarrow", "rightthreetimes", "ring", "risingdotseq", "rlarr",
	"rlhar", "rlm", "rmoust", "rmoustache", "rnmid", "roang", "roarr", "robrk", "ropar", "ropf",
	"roplus", "rotimes", "rpar", "rpargt", "rppolint", "rrarr", "rsaquo", "rscr", "rsh", "rsqb",
	"rsquo", "rsquor", "rthree", "rtimes", "rtri", "rtrie", "rtrif", "rtriltri", "ruluhar", "rx",
	"sacute", "sbquo", "sc", "scE", "scap", "scaron", "sccue", "sce", "scedil", "scirc", "scnE",
	"scnap", "scnsim", "scpolint", "scsim", "scy", "sdot", "sdotb", "sdote", "seArr", "searhk",
	"searr", "searrow", "sect", "semi", "seswar", "setminus", "setmn", "sext", "sfr", "sfrown",
	"sharp", "shchcy", "shcy", "shortmid", "shortparallel", "shy", "sigma", "sigmaf", "sigmav",
	"sim", "simdot", "sime", "simeq", "simg", "simgE", "siml", "simlE", "simne", "simplus",
	"simrarr", "slarr", "smallsetminus", "smashp", "smeparsl", "smid", "smile", "smt", "smte",
	"smtes", "softcy", "sol", "solb", "solbar", "sopf", "spades", "spadesuit", "spar", "sqcap",
	"sqcaps", "sqcup", "sqcups", "sqsub", "sqsube", "sqsubset", "sqsubseteq", "sqsup", "sqsupe",
	"sqsupset", "sqsupseteq", "squ", "square", "squarf", "squf", "srarr", "sscr", "ssetmn",
	"ssmile", "sstarf", "star", "starf", "straightepsilon", "straightphi", "strns", "sub", "subE",
	"subdot", "sube", "subedot", "submult", "subnE", "subne", "subplus", "subrarr", "subset",
	"subseteq", "subseteqq", "subsetneq", "subsetneqq", "subsim", "subsub", "subsup", "succ",
	"succapprox", "succcurlyeq", "succeq", "succnapprox", "succneqq", "succnsim", "succsim",
	"sum", "sung", "sup", "sup1", "sup2", "sup3", "supE", "supdot", "supdsub", "supe", "supedot",
	"suphsol", "suphsub", "suplarr", "supmult", "supnE", "supne", "supplus", "supset", "supseteq",
	"supseteqq", "supsetneq", "supsetneqq", "supsim", "supsub", "supsup", "swArr", "swarhk",
	"swarr", "swarrow", "swnwar", "szlig", "target", "tau", "tbrk", "tcaron", "tcedil", "tcy",
	"tdot", "telrec", "tfr", "there4", "therefore", "theta", "thetasym", "thetav", "thickapprox",
	"thicksim", "thinsp", "thkap", "thksim", "thorn", "tilde", "times", "timesb", "timesbar",
	"timesd", "tint", "toea", "top", "topbot", "topcir", "topf", "topfork", "tosa", "tprime",
	"trade", "triangle", "triangledown", "triangleleft", "trianglelefteq", "triangleq",
	"triangleright", "trianglerighteq", "tridot", "trie", "triminus", "triplus", "trisb",
	"tritime", "trpezium", "tscr", "tscy", "tshcy", "tstrok", "twixt", "twoheadleftarrow",
	"twoheadrightarrow", "uArr", "uHar", "uacute", "uarr", "ubrcy", "ubreve", "ucirc", "ucy",
	"udarr", "udblac", "udhar", "ufisht", "ufr", "ugrave", "uharl", "uharr", "uhblk", "ulcorn",
	"ulcorner", "ulcrop", "ultri", "umacr", "uml", "uogon", "uopf", "uparrow", "updownarrow",
	"upharpoonleft", "upharpoonright", "uplus", "upsi", "upsih", "upsilon", "upuparrows",
	"urcorn", "urcorner", "urcrop", "uring", "urtri", "uscr", "utdot", "utilde", "utri", "utrif",
	"uuarr", "uuml", "uwangle", "vArr", "vBar", "vBarv", "vDash", "vangrt", "varepsilon",
	"varkappa", "varnothing", "varphi", "varpi", "varpropto", "varr", "varrho", "varsigma",
	"varsubsetneq", "varsubsetneqq", "varsupsetneq", "varsupsetneqq", "vartheta",
	"vartriangleleft", "vartriangleright", "vcy", "vdash", "vee", "veebar", "veeeq", "vellip",
	"verbar", "vert", "vfr", "vltri", "vnsub", "vnsup", "vopf", "vprop", "vrtri", "vscr",
	"vsubnE", "vsubne", "vsupnE", "vsupne", "vzigzag", "wcirc", "wedbar", "wedge", "wedgeq",
	"weierp", "wfr", "wopf", "wp", "wr", "wreath", "wscr", "xcap", "xcirc", "xcup", "xdtri",
	"xfr", "xhArr", "xharr", "xi", "xlArr", "xlarr", "xmap", "xnis", "xodot", "xopf", "xoplus",
	"xotime", "xrArr", "xrarr", "xscr", "xsqcup", "xuplus", "xutri", "xvee", "xwedge", "yacute",
	"yacy", "ycirc", "ycy", "yen", "yfr", "yicy", "yopf", "yscr", "yucy", "yuml", "zacute",
	"zcaron", "zcy", "zdot", "zeetrf", "zeta", "zfr", "zhcy", "zigrarr", "zopf", "zscr", "zwj",
	"zwnj",
};

/* The entities HTML also recognises without ';' (all decode to one code point
   <= U+00FF); bleach only keeps these in attribute values. */
static const struct { const char *name; uint8_t cp; } html_legacy_entities[] = {
	{"AElig", 198}, {"AMP", 38}, {"Aacute", 193}, {"Acirc", 194}, {"Agrave", 192}, {"Aring", 197},
	{"Atilde", 195}, {"Auml", 196}, {"COPY", 169}, {"Ccedil", 199}, {"ETH", 208}, {"Eacute", 201},
	{"Ecirc", 202}, {"Egrave", 200}, {"Euml", 203}, {"GT", 62}, {"Iacute", 205}, {"Icirc", 206},
	{"Igrave", 204}, {"Iuml", 207}, {"LT", 60}, {"Ntilde", 209}, {"Oacute", 211}, {"Ocirc", 212},
	{"Ograve", 210}, {"Oslash", 216}, {"Otilde", 213}, {"Ouml", 214}, {"QUOT", 34}, {"REG", 174},
	{"THORN", 222}, {"Uacute", 218}, {"Ucirc", 219}, {"Ugrave", 217}, {"Uuml", 220},
	{"Yacute", 221}, {"aacute", 225}, {"acirc", 226}, {"acute", 180}, {"aelig", 230},
	{"agrave", 224}, {"amp", 38}, {"aring", 229}, {"atilde", 227}, {"auml", 228}, {"brvbar", 166},
	{"ccedil", 231}, {"cedil", 184}, {"cent", 162}, {"copy", 169}, {"curren", 164}, {"deg", 176},
	{"divide", 247}, {"eacute", 233}, {"ecirc", 234}, {"egrave", 232}, {"eth", 240},
	{"euml", 235}, {"frac12", 189}, {"frac14", 188}, {"frac34", 190}, {"gt", 62}, {"iacute", 237},
	{"icirc", 238}, {"iexcl", 161}, {"igrave", 236}, {"iquest", 191}, {"iuml", 239},
	{"laquo", 171}, {"lt", 60}, {"macr", 175}, {"micro", 181}, {"middot", 183}, {"nbsp", 160},
	{"not", 172}, {"ntilde", 241}, {"oacute", 243}, {"ocirc", 244}, {"ograve", 242},
	{"ordf", 170}, {"ordm", 186}, {"oslash", 248}, {"otilde", 245}, {"ouml", 246}, {"para", 182},
	{"plusmn", 177}, {"pound", 163}, {"quot", 34}, {"raquo", 187}, {"reg", 174}, {"sect", 167},
	{"shy", 173}, {"sup1", 185}, {"sup2", 178}, {"sup3", 179}, {"szlig", 223}, {"thorn", 254},
	{"times", 215}, {"uacute", 250}, {"ucirc", 251}, {"ugrave", 249}, {"uml", 168}, {"uuml", 252},
	{"yacute", 253}, {"yen", 165}, {"yuml", 255},
};

/* Byte-order comparison of s[0..n) with a NUL-terminated name. */
static int cmp_name(const char *s, size_t n, const char *name)
{
	size_t m = strlen(name);
	int c = memcmp(s, name, n < m ? n : m);
	return c ? c : (n > m) - (n < m);
}

/* Is s[0..n) a prefix of some entity name (bleach's trie test)? */
static bool entity_is_name_prefix(const char *s, size_t n)
{
	size_t count = sizeof html_entity_names / sizeof *html_entity_names;
	size_t lo = 0, hi = count;
	while (lo < hi) { /* the first name >= s */
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_name(s, n, html_entity_names[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < count && strlen(html_entity_names[lo]) >= n &&
	       !memcmp(html_entity_names[lo], s, n);
}

/* The code point of an entity that also exists without ';', or -1. */
static int entity_legacy_cp(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof html_legacy_entities / sizeof *html_legacy_entities; i++)
		if (strlen(html_legacy_entities[i].name) == n &&
		    !memcmp(html_legacy_entities[i].name, s, n))
			return html_legacy_entities[i].cp;
	return -1;
}
