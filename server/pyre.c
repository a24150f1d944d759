/*
 * pyre.c - Python `re` syntax, re.match() semantics, linear-time matching
 * (see pyre.h).
 *
 * The parser follows sre_parse's acceptance rules and emits code directly:
 * jumps are relative, so a piece of code can be copied for a counted repeat
 * with memcpy. Only "is there a match" is asked, so greedy and lazy
 * quantifiers compile alike and the VM stops at the first MATCH reached.
 */
#include "pyre.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tblimits.h"

enum { OP_CHAR, OP_ANY, OP_CLASS, OP_SPLIT, OP_JMP, OP_ASSERT, OP_MATCH };
enum { F_I = 1, F_M = 2, F_S = 4, F_X = 8, F_A = 16, F_U = 32 };
enum { AT_BOL, AT_EOL, AT_BEGIN, AT_END, AT_WORD, AT_NONWORD };
/* class escapes, as bits of a class */
enum { C_D = 1, C_ND = 2, C_W = 4, C_NW = 8, C_S = 16, C_NS = 32 };

typedef struct inst {
	uint8_t op, flags;
	int32_t x, y;       /* relative targets (SPLIT: both; JMP: x) */
	uint32_t c;         /* CHAR: code point; CLASS: index; ASSERT: kind */
} inst;

typedef struct cclass {
	uint32_t *ranges;   /* lo, hi pairs */
	size_t n;
	unsigned esc;       /* C_* bits */
	bool negate;
} cclass;

typedef struct code {
	inst *v;
	size_t n, cap;
} code;

struct tb_pyre {
	code prog;
	cclass *classes;
	size_t n_classes, cap_classes;
};

typedef struct parser {
	const unsigned char *p, *end, *start;
	tb_pyre *re;
	int err;
	int depth;
} parser;

/* ---- code points ------------------------------------------------------- */

/* Decode one UTF-8 code point at *p (< end); bad bytes read as U+FFFD. */
static uint32_t utf8_next(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	uint32_t c = *p;
	int n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 :
		(c & 0xf8) == 0xf0 ? 3 : -1;
	if (n <= 0 || end - p <= n) {
		*pp = p + 1;
		return n == 0 ? c : 0xfffd;
	}
	uint32_t v = c & (0x3f >> n);
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pp = p + 1;
			return 0xfffd;
		}
		v = v << 6 | (p[i] & 0x3f);
	}
	static const uint32_t min[] = { 0, 0x80, 0x800, 0x10000 };
	if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*pp = p + 1;
		return 0xfffd;
	}
	*pp = p + n + 1;
	return v;
}

static bool is_digit(uint32_t c, bool ascii)
{
	if (c >= '0' && c <= '9')
		return true;
	return !ascii && ((c >= 0x660 && c <= 0x669) || (c >= 0x6f0 && c <= 0x6f9) ||
			  (c >= 0x966 && c <= 0x96f) || (c >= 0xff10 && c <= 0xff19));
}

static bool is_space(uint32_t c, bool ascii)
{
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return true;
	return !ascii && ((c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
			  (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
			  c == 0x202f || c == 0x205f || c == 0x3000);
}

static bool is_word(uint32_t c, bool ascii)
{
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return true;
	if ((c >= '0' && c <= '9') || c == '_')
		return true;
	if (c < 0x80 || ascii)
		return false;
	if (c <= 0xbf)
		return c == 0xaa || c == 0xb5 || c == 0xba;
	if (c == 0xd7 || c == 0xf7 || c == 0xfffd || is_space(c, false))
		return false;
	return !((c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f) ||
		 (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff0f) ||
		 (c >= 0xff1a && c <= 0xff20) || (c >= 0xff3b && c <= 0xff40) ||
		 (c >= 0xff5b && c <= 0xff65));
}

static uint32_t fold_lower(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
	    (c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f))
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	return c;
}

static uint32_t fold_upper(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7) ||
	    (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) || (c >= 0x430 && c <= 0x44f))
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45f)
		return c - 0x50;
	return c;
}

/* ---- code building ----------------------------------------------------- */

static int emit(parser *ps, code *cd, inst in)
{
	if (cd->n >= TB_MAX_REGEX_INSTS)
		return ps->err = -E2BIG;
	if (cd->n == cd->cap) {
		size_t cap = cd->cap ? cd->cap * 2 : 16;
		inst *v = realloc(cd->v, cap * sizeof *v);
		if (!v)
			return ps->err = -ENOMEM;
		cd->v = v;
		cd->cap = cap;
	}
	cd->v[cd->n++] = in;
	return 0;
}

/* Append src[from, to) to dst (relative jumps stay valid). */
static int append(parser *ps, code *dst, const code *src, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (emit(ps, dst, src->v[i]))
			return ps->err;
	return 0;
}

/* Insert a SPLIT at position at, whose second branch skips to the end. */
static int insert_split(parser *ps, code *cd, size_t at)
{
	if (emit(ps, cd, (inst){ 0 }))
		return ps->err;
	memmove(cd->v + at + 1, cd->v + at, (cd->n - at - 1) * sizeof *cd->v);
	cd->v[at] = (inst){ .op = OP_SPLIT, .x = 1, .y = (int32_t)(cd->n - at) };
	return 0;
}

/* Replace the item cd[at, n) by its repetition {min, max} (max < 0: none). */
static int repeat(parser *ps, code *cd, size_t at, long min, long max)
{
	size_t len = cd->n - at;
	code item = { 0 };
	if (append(ps, &item, cd, at, cd->n))
		goto out;
	cd->n = at;
	for (long k = 0; k < min; k++)
		if (append(ps, cd, &item, 0, item.n))
			goto out;
	if (max < 0) {
		/* L: SPLIT +1, end; item; JMP L */
		size_t l = cd->n;
		if (emit(ps, cd, (inst){ .op = OP_SPLIT, .x = 1, .y = (int32_t)len + 2 }) ||
		    append(ps, cd, &item, 0, item.n) ||
		    emit(ps, cd, (inst){ .op = OP_JMP, .x = -(int32_t)(cd->n - l) }))
			goto out;
	} else {
		/* each optional copy: SPLIT +1, end-of-all; item */
		size_t first = cd->n;
		for (long k = min; k < max; k++) {
			if (emit(ps, cd, (inst){ .op = OP_SPLIT, .x = 1 }) ||
			    append(ps, cd, &item, 0, item.n))
				goto out;
		}
		for (size_t i = first; i < cd->n; i += len + 1)
			cd->v[i].y = (int32_t)(cd->n - i);
	}
out:
	free(item.v);
	return ps->err;
}

/* ---- parsing ------------------------------------------------------------ */

static int fail(parser *ps, int err)
{
	if (!ps->err)
		ps->err = err;
	return ps->err;
}

static bool more(const parser *ps)
{
	return ps->p < ps->end;
}

static void skip_verbose(parser *ps, int flags)
{
	if (!(flags & F_X))
		return;
	while (more(ps)) {
		unsigned char c = *ps->p;
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			ps->p++;
		} else if (c == '#') {
			while (more(ps) && *ps->p != '\n')
				ps->p++;
		} else {
			break;
		}
	}
}

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ?
	       (c | 0x20) - 'a' + 10 : -1;
}

/* \x, \u, \U: exactly n hex digits. */
static int hex_escape(parser *ps, int n, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++) {
		if (!more(ps) || hexval(*ps->p) < 0)
			return fail(ps, -EINVAL);
		v = v << 4 | (uint32_t)hexval(*ps->p++);
	}
	if (v > 0x10ffff)
		return fail(ps, -EINVAL);
	*out = v;
	return 0;
}

static bool is_oct(const parser *ps, size_t off)
{
	return ps->p + off < ps->end && ps->p[off] >= '0' && ps->p[off] <= '7';
}

/* Up to max more octal digits after first; > 0o377 is an error. */
static int octal(parser *ps, uint32_t first, int max, uint32_t *out)
{
	uint32_t v = first;
	for (int i = 0; i < max && is_oct(ps, 0); i++)
		v = v * 8 + (uint32_t)(*ps->p++ - '0');
	if (v > 0377)
		return fail(ps, -EINVAL);
	*out = v;
	return 0;
}

/* An escape (after the backslash). Literal: *lit set, returns 0. Class
 * escape: *esc set. Assertion (outside classes): *at set. */
static int escape(parser *ps, bool in_class, uint32_t *lit, unsigned *esc, int *at)
{
	*esc = 0;
	*at = -1;
	if (!more(ps))
		return fail(ps, -EINVAL);   /* bad escape (end of pattern) */
	uint32_t c = utf8_next(&ps->p, ps->end);
	switch (c) {
	case 'd': *esc = C_D; return 0;
	case 'D': *esc = C_ND; return 0;
	case 'w': *esc = C_W; return 0;
	case 'W': *esc = C_NW; return 0;
	case 's': *esc = C_S; return 0;
	case 'S': *esc = C_NS; return 0;
	case 'a': *lit = 7; return 0;
	case 'f': *lit = 12; return 0;
	case 'n': *lit = 10; return 0;
	case 'r': *lit = 13; return 0;
	case 't': *lit = 9; return 0;
	case 'v': *lit = 11; return 0;
	case 'x': return hex_escape(ps, 2, lit);
	case 'u': return hex_escape(ps, 4, lit);
	case 'U': return hex_escape(ps, 8, lit);
	case 'N': return fail(ps, -ENOTSUP);
	case 'b':
		if (in_class) {
			*lit = 8;
			return 0;
		}
		*at = AT_WORD;
		return 0;
	case 'B': case 'A': case 'Z':
		if (in_class)
			return fail(ps, -EINVAL);
		*at = c == 'B' ? AT_NONWORD : c == 'A' ? AT_BEGIN : AT_END;
		return 0;
	case '0':
		return octal(ps, 0, 2, lit);
	default:
		break;
	}
	if (c >= '1' && c <= '9') {
		if (in_class)
			return c <= '7' ? octal(ps, c - '0', 2, lit) : fail(ps, -EINVAL);
		/* three octal digits: a character; otherwise a group reference */
		if (c <= '7' && is_oct(ps, 0) && is_oct(ps, 1))
			return octal(ps, c - '0', 2, lit);
		return fail(ps, -ENOTSUP);
	}
	if (c < 0x80 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
		return fail(ps, -EINVAL);           /* bad escape */
	*lit = c;
	return 0;
}

static int add_class(parser *ps, cclass cl)
{
	tb_pyre *re = ps->re;
	if (re->n_classes == re->cap_classes) {
		size_t cap = re->cap_classes ? re->cap_classes * 2 : 4;
		cclass *v = realloc(re->classes, cap * sizeof *v);
		if (!v) {
			free(cl.ranges);
			return fail(ps, -ENOMEM);
		}
		re->classes = v;
		re->cap_classes = cap;
	}
	re->classes[re->n_classes] = cl;
	return (int)re->n_classes++;
}

static int class_range(parser *ps, cclass *cl, size_t *cap, uint32_t lo, uint32_t hi)
{
	if (cl->n + 2 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		if (ncap > 2 * (size_t)TB_MAX_REGEX_INSTS)
			return fail(ps, -E2BIG);
		uint32_t *v = realloc(cl->ranges, ncap * sizeof *v);
		if (!v)
			return fail(ps, -ENOMEM);
		cl->ranges = v;
		*cap = ncap;
	}
	cl->ranges[cl->n++] = lo;
	cl->ranges[cl->n++] = hi;
	return 0;
}

/* [...] after the '[': one CLASS instruction. */
static int parse_class(parser *ps, code *cd, int flags)
{
	cclass cl = { 0 };
	size_t cap = 0;
	if (more(ps) && *ps->p == '^') {
		cl.negate = true;
		ps->p++;
	}
	bool first = true;
	for (;;) {
		if (!more(ps))
			goto bad;                      /* unterminated character set */
		if (*ps->p == ']' && !first) {
			ps->p++;
			break;
		}
		first = false;
		uint32_t lo = 0, hi;
		unsigned esc = 0;
		int at;
		if (*ps->p == '\\') {
			ps->p++;
			if (escape(ps, true, &lo, &esc, &at))
				goto out;
		} else {
			lo = utf8_next(&ps->p, ps->end);
		}
		if (more(ps) && *ps->p == '-' && ps->p + 1 < ps->end && ps->p[1] != ']') {
			ps->p++;
			if (esc)
				goto bad;                  /* bad character range */
			unsigned esc2 = 0;
			if (*ps->p == '\\') {
				ps->p++;
				if (escape(ps, true, &hi, &esc2, &at))
					goto out;
				if (esc2)
					goto bad;
			} else {
				hi = utf8_next(&ps->p, ps->end);
			}
			if (hi < lo)
				goto bad;
		} else {
			hi = lo;
		}
		if (esc)
			cl.esc |= esc;
		else if (class_range(ps, &cl, &cap, lo, hi))
			goto out;
	}
	int idx = add_class(ps, cl);
	if (idx < 0)
		return ps->err;
	return emit(ps, cd, (inst){ .op = OP_CLASS, .flags = (uint8_t)flags, .c = (uint32_t)idx });
bad:
	fail(ps, -EINVAL);
out:
	free(cl.ranges);
	return ps->err;
}

/* {m}, {m,}, {,n}, {m,n} after the '{'; false (nothing consumed) when it
 * is a literal '{'. */
static bool parse_braces(parser *ps, long *min, long *max)
{
	const unsigned char *save = ps->p;
	if (more(ps) && *ps->p == '}')
		return false;
	long lo = -1, hi = -1;
	for (long v = 0; more(ps) && *ps->p >= '0' && *ps->p <= '9'; ps->p++) {
		v = v > 100000000 ? v : v * 10 + (*ps->p - '0');
		lo = v;
	}
	if (more(ps) && *ps->p == ',') {
		ps->p++;
		for (long v = 0; more(ps) && *ps->p >= '0' && *ps->p <= '9'; ps->p++) {
			v = v > 100000000 ? v : v * 10 + (*ps->p - '0');
			hi = v;
		}
	} else {
		hi = lo;
	}
	if (!more(ps) || *ps->p != '}') {
		ps->p = save;
		return false;
	}
	ps->p++;
	*min = lo < 0 ? 0 : lo;
	*max = hi;
	return true;
}

static int parse_alt(parser *ps, code *cd, int *flags, bool top);

/* Flags letters of (?...) after the '?'; sets *scoped for (?flags:...). */
static int parse_flags(parser *ps, int *on, int *off, bool *scoped)
{
	int *cur = on;
	*on = *off = 0;
	for (;;) {
		if (!more(ps))
			return fail(ps, -EINVAL);
		unsigned char c = *ps->p++;
		int f = c == 'i' ? F_I : c == 'm' ? F_M : c == 's' ? F_S : c == 'x' ? F_X :
			c == 'a' ? F_A : c == 'u' ? F_U : c == 'L' ? -1 : 0;
		if (c == ')' || c == ':') {
			*scoped = c == ':';
			if ((*on & F_A) && (*on & F_U))
				return fail(ps, -EINVAL);
			if (!*scoped && cur == off)
				return fail(ps, -EINVAL);
			return 0;
		}
		if (c == '-' && cur == on) {
			cur = off;
			continue;
		}
		if (f <= 0)
			return fail(ps, -EINVAL);   /* unknown flag, or L on a str */
		if (cur == off && (f & (F_A | F_U)))
			return fail(ps, -EINVAL);
		*cur |= f;
	}
}

/* ( after the '('. *item is set false for a comment or global flags. */
static int parse_group(parser *ps, code *cd, int *flags, bool at_start, bool *item)
{
	int inner = *flags;
	*item = true;
	if (more(ps) && *ps->p == '?') {
		ps->p++;
		if (!more(ps))
			return fail(ps, -EINVAL);
		unsigned char c = *ps->p;
		if (c == ':') {
			ps->p++;
		} else if (c == 'P') {
			ps->p++;
			if (!more(ps))
				return fail(ps, -EINVAL);
			if (*ps->p == '=')
				return fail(ps, -ENOTSUP);  /* named backreference */
			if (*ps->p++ != '<')
				return fail(ps, -EINVAL);
			const unsigned char *name = ps->p;
			while (more(ps) && *ps->p != '>')
				ps->p++;
			if (!more(ps) || ps->p == name)
				return fail(ps, -EINVAL);
			for (const unsigned char *q = name; q < ps->p; q++)
				if (!(*q == '_' || *q >= 0x80 || (*q >= '0' && *q <= '9' && q > name) ||
				      ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z')))
					return fail(ps, -EINVAL);
			ps->p++;
		} else if (c == '#') {
			while (more(ps) && *ps->p != ')')
				ps->p++;
			if (!more(ps))
				return fail(ps, -EINVAL);
			ps->p++;
			*item = false;
			return 0;
		} else if (c == '=' || c == '!' || c == '<' || c == '(' || c == '>') {
			if (c == '<' && !(ps->p + 1 < ps->end && (ps->p[1] == '=' || ps->p[1] == '!')))
				return fail(ps, -EINVAL);
			return fail(ps, -ENOTSUP);      /* lookaround, conditional, atomic */
		} else {
			int on, off;
			bool scoped = false;
			if (parse_flags(ps, &on, &off, &scoped))
				return ps->err;
			if (!scoped) {
				/* Python 3.11: global flags only at the very start */
				if (!at_start)
					return fail(ps, -EINVAL);
				*flags |= on;
				*item = false;
				return 0;
			}
			inner = (inner | on) & ~off;
		}
	}
	if (++ps->depth > TB_MAX_REGEX_DEPTH)
		return fail(ps, -E2BIG);
	if (parse_alt(ps, cd, &inner, false))
		return ps->err;
	ps->depth--;
	if (!more(ps) || *ps->p != ')')
		return fail(ps, -EINVAL);        /* missing ), unterminated subpattern */
	ps->p++;
	return 0;
}

/* A sequence of items up to '|', ')' or the end. */
static int parse_seq(parser *ps, code *cd, int *flags, bool top)
{
	size_t item = SIZE_MAX;      /* start of the last repeatable item */
	bool last_at = false, last_rep = false, any = false;
	for (;;) {
		skip_verbose(ps, *flags);
		if (!more(ps) || *ps->p == '|' || *ps->p == ')')
			return 0;
		const unsigned char *tok = ps->p;
		unsigned char c = *ps->p++;
		long min = 0, max = -1;
		bool quant = true;
		if (c == '*')
			min = 0;
		else if (c == '+')
			min = 1;
		else if (c == '?')
			max = 1;
		else if (c == '{')
			quant = parse_braces(ps, &min, &max);
		else
			quant = false;
		if (quant) {
			if (item == SIZE_MAX || last_at)
				return fail(ps, -EINVAL);   /* nothing to repeat */
			if (last_rep)
				return fail(ps, -EINVAL);   /* multiple repeat */
			if (max >= 0 && max < min)
				return fail(ps, -EINVAL);
			if (min > TB_MAX_REGEX_INSTS || max > TB_MAX_REGEX_INSTS)
				return fail(ps, -E2BIG);
			if (more(ps) && *ps->p == '?')
				ps->p++;                    /* lazy: same answer for a match */
			else if (more(ps) && *ps->p == '+')
				return fail(ps, -ENOTSUP);  /* possessive */
			if (repeat(ps, cd, item, min, max))
				return ps->err;
			last_rep = true;
			continue;
		}
		size_t at_pc = cd->n;
		last_rep = false;
		last_at = false;
		int rc = 0;
		if (c == '(') {
			bool is_item;
			rc = parse_group(ps, cd, flags, top && !any, &is_item);
			if (!is_item) {
				if (rc)
					return rc;
				continue;                   /* comment or global flags */
			}
		} else if (c == '[') {
			rc = parse_class(ps, cd, *flags);
		} else if (c == '.') {
			rc = emit(ps, cd, (inst){ .op = OP_ANY, .flags = (uint8_t)*flags });
		} else if (c == '^' || c == '$') {
			rc = emit(ps, cd, (inst){ .op = OP_ASSERT, .flags = (uint8_t)*flags,
						  .c = c == '^' ? AT_BOL : AT_EOL });
			last_at = true;
		} else if (c == '\\') {
			uint32_t lit = 0;
			unsigned esc;
			int at;
			rc = escape(ps, false, &lit, &esc, &at);
			if (rc)
				return rc;
			if (at >= 0) {
				rc = emit(ps, cd, (inst){ .op = OP_ASSERT, .flags = (uint8_t)*flags,
							  .c = (uint32_t)at });
				last_at = true;
			} else if (esc) {
				int idx = add_class(ps, (cclass){ .esc = esc });
				rc = idx < 0 ? ps->err :
				     emit(ps, cd, (inst){ .op = OP_CLASS, .flags = (uint8_t)*flags,
							  .c = (uint32_t)idx });
			} else {
				rc = emit(ps, cd, (inst){ .op = OP_CHAR, .flags = (uint8_t)*flags, .c = lit });
			}
		} else {
			ps->p = tok;
			uint32_t lit = utf8_next(&ps->p, ps->end);
			rc = emit(ps, cd, (inst){ .op = OP_CHAR, .flags = (uint8_t)*flags, .c = lit });
		}
		if (rc)
			return rc;
		item = at_pc;
		any = true;
	}
}

/* branch ('|' branch)* */
static int parse_alt(parser *ps, code *cd, int *flags, bool top)
{
	size_t start = cd->n;
	if (parse_seq(ps, cd, flags, top))
		return ps->err;
	while (more(ps) && *ps->p == '|') {
		ps->p++;
		/* start: SPLIT +1, L2; <left>; JMP end; L2: <right> */
		if (insert_split(ps, cd, start) ||
		    emit(ps, cd, (inst){ .op = OP_JMP }))
			return ps->err;
		size_t jmp = cd->n - 1;
		cd->v[start].y = (int32_t)(cd->n - start);
		if (parse_seq(ps, cd, flags, false))
			return ps->err;
		cd->v[jmp].x = (int32_t)(cd->n - jmp);
	}
	return 0;
}

int tb_pyre_compile(const char *pattern, size_t len, tb_pyre **out)
{
	*out = NULL;
	tb_pyre *re = calloc(1, sizeof *re);
	if (!re)
		return -ENOMEM;
	parser ps = { .p = (const unsigned char *)pattern, .end = (const unsigned char *)pattern + len,
		      .start = (const unsigned char *)pattern, .re = re };
	int flags = 0;
	/* a global (?x) changes how everything before it was read: like
	 * sre_parse, parse again with it set */
	for (int pass = 0; pass < 2; pass++) {
		if (parse_alt(&ps, &re->prog, &flags, true) == 0 && more(&ps))
			fail(&ps, -EINVAL);                 /* unbalanced parenthesis */
		if (ps.err || pass == 1 || !(flags & F_X))
			break;
		re->prog.n = 0;
		for (size_t i = 0; i < re->n_classes; i++)
			free(re->classes[i].ranges);
		re->n_classes = 0;
		ps.p = ps.start;
		ps.depth = 0;
	}
	if (!ps.err)
		emit(&ps, &re->prog, (inst){ .op = OP_MATCH });
	if (ps.err) {
		tb_pyre_free(re);
		return ps.err;
	}
	*out = re;
	return 0;
}

void tb_pyre_free(tb_pyre *re)
{
	if (!re)
		return;
	for (size_t i = 0; i < re->n_classes; i++)
		free(re->classes[i].ranges);
	free(re->classes);
	free(re->prog.v);
	free(re);
}

/* ---- matching ----------------------------------------------------------- */

static bool class_has(const cclass *cl, uint32_t c, bool ascii)
{
	for (size_t i = 0; i < cl->n; i += 2)
		if (c >= cl->ranges[i] && c <= cl->ranges[i + 1])
			return true;
	unsigned e = cl->esc;
	return ((e & C_D) && is_digit(c, ascii)) || ((e & C_ND) && !is_digit(c, ascii)) ||
	       ((e & C_W) && is_word(c, ascii)) || ((e & C_NW) && !is_word(c, ascii)) ||
	       ((e & C_S) && is_space(c, ascii)) || ((e & C_NS) && !is_space(c, ascii));
}

static bool consumes(const tb_pyre *re, const inst *in, uint32_t c)
{
	bool icase = in->flags & F_I, ascii = in->flags & F_A;
	switch (in->op) {
	case OP_CHAR:
		return c == in->c || (icase && fold_lower(c) == fold_lower(in->c));
	case OP_ANY:
		return c != '\n' || (in->flags & F_S);
	case OP_CLASS: {
		const cclass *cl = &re->classes[in->c];
		bool has = class_has(cl, c, ascii) ||
			   (icase && (class_has(cl, fold_lower(c), ascii) ||
				      class_has(cl, fold_upper(c), ascii)));
		return has != cl->negate;
	}
	default:
		return false;
	}
}

/* Where the VM stands: the code points around the position. */
typedef struct where {
	bool at_start, at_end, before_final_nl;
	uint32_t prev, next;   /* valid unless at_start / at_end */
} where;

static bool holds(const inst *in, const where *w)
{
	bool ascii = in->flags & F_A;
	bool wp = !w->at_start && is_word(w->prev, ascii), wn = !w->at_end && is_word(w->next, ascii);
	switch (in->c) {
	case AT_BOL:
		return w->at_start || ((in->flags & F_M) && w->prev == '\n');
	case AT_EOL:
		return w->at_end || w->before_final_nl || ((in->flags & F_M) && w->next == '\n');
	case AT_BEGIN:
		return w->at_start;
	case AT_END:
		return w->at_end;
	case AT_WORD:
		return wp != wn;
	default:
		return wp == wn;
	}
}

typedef struct vm {
	const tb_pyre *re;
	uint32_t *mark, gen;
	size_t *stack;
} vm;

/* Add pc and what it reaches without consuming to list; true on MATCH. */
static bool add(vm *m, size_t *list, size_t *n, size_t pc, const where *w)
{
	const inst *prog = m->re->prog.v;
	size_t sp = 0;
	if (m->mark[pc] == m->gen)
		return false;
	m->mark[pc] = m->gen;
	m->stack[sp++] = pc;
	while (sp) {
		pc = m->stack[--sp];
		const inst *in = &prog[pc];
		size_t t[2];
		int nt = 0;
		switch (in->op) {
		case OP_MATCH:
			return true;
		case OP_JMP:
			t[nt++] = pc + (size_t)(ptrdiff_t)in->x;
			break;
		case OP_SPLIT:
			t[nt++] = pc + (size_t)(ptrdiff_t)in->x;
			t[nt++] = pc + (size_t)(ptrdiff_t)in->y;
			break;
		case OP_ASSERT:
			if (holds(in, w))
				t[nt++] = pc + 1;
			break;
		default:
			list[(*n)++] = pc;
			break;
		}
		for (int k = 0; k < nt; k++)
			if (m->mark[t[k]] != m->gen) {
				m->mark[t[k]] = m->gen;
				m->stack[sp++] = t[k];
			}
	}
	return false;
}

bool tb_pyre_match(const tb_pyre *re, const char *s, size_t len)
{
	size_t n = re->prog.n;
	size_t *buf = malloc(3 * n * sizeof *buf);
	uint32_t *mark = calloc(n, sizeof *mark);
	bool found = false;
	if (!buf || !mark)
		goto out;           /* out of memory: no match (callers log nothing worse) */
	vm m = { .re = re, .mark = mark, .gen = 1, .stack = buf + 2 * n };
	size_t *cur = buf, *next = buf + n, ncur = 0, nnext;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	where w = { .at_start = true, .at_end = p == end };
	if (!w.at_end) {
		const unsigned char *q = p;
		w.next = utf8_next(&q, end);
		w.before_final_nl = w.next == '\n' && q == end;
	}
	found = add(&m, cur, &ncur, 0, &w);
	while (!found && ncur && p < end) {
		uint32_t c = utf8_next(&p, end);
		w = (where){ .prev = c, .at_end = p == end };
		if (!w.at_end) {
			const unsigned char *q = p;
			w.next = utf8_next(&q, end);
			w.before_final_nl = w.next == '\n' && q == end;
		}
		m.gen++;
		nnext = 0;
		for (size_t k = 0; k < ncur && !found; k++)
			if (consumes(re, &re->prog.v[cur[k]], c))
				found = add(&m, next, &nnext, cur[k] + 1, &w);
		size_t *t = cur;
		cur = next;
		next = t;
		ncur = nnext;
	}
out:
	free(buf);
	free(mark);
	return found;
}
