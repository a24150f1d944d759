/*
 * html_sanitize.c - a bleach-equivalent HTML sanitiser (see html_sanitize.h):
 * a small html5lib with bleach's filter and serializer quirks. Tokenizer
 * (tok_*), the tree-construction rules reachable with the allow-list
 * (tree_*: p/li closing, tables with foster parenting, the adoption agency
 * for a/em/strong/code), and the serializer (ser_*).
 *
 * What it does not do: it is not a general HTML parser (no foreign content,
 * no forms, no scripting flag); tags outside the allow-list never reach the
 * tree builder, exactly as in bleach, so nothing else is needed. Entities
 * are never decoded into text.
 *
 * Invariant: everything appended to a caller's buffer comes from
 * html_serialize(), which writes only allow-listed elements and attributes
 * and escapes all text. Every limit on hostile input is a named TB_*
 * constant below.
 */
#include "html_sanitize.h"

#include "html_entities.h"
#include "md_text.h"
#include "tblimits.h"

/* html5lib's spaceCharacters. */
static bool html_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
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

/* ---------------------------------------------------------------------------
 * HTML5 entity lookups (the tables are generated: scripts/gen_html_entities.py)
 * ------------------------------------------------------------------------- */

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
	size_t count = tb__html_entity_count;
	size_t lo = 0, hi = count;
	while (lo < hi) { /* the first name >= s */
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_name(s, n, tb__html_entity_names[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < count && strlen(tb__html_entity_names[lo]) >= n &&
	       !memcmp(tb__html_entity_names[lo], s, n);
}

/* The code point of an entity that also exists without ';', or -1. */
static int entity_legacy_cp(const char *s, size_t n)
{
	for (size_t i = 0; i < tb__html_legacy_count; i++)
		if (strlen(tb__html_legacy_entities[i].name) == n &&
		    !memcmp(tb__html_legacy_entities[i].name, s, n))
			return tb__html_legacy_entities[i].cp;
	return -1;
}

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
