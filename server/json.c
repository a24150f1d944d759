/*
 * json.c - Python-identical number formatting and JSON string escaping.
 *
 * Doubles are converted with Schubfach (R. Giulietti, "The Schubfach way to
 * render doubles", 2020), written here from the paper: one 128-bit
 * multiplication per bound yields the shortest decimal in the rounding
 * interval, with no fallback and no loop over precisions. The only table, the
 * 126-bit approximations of powers of ten, is computed exactly with a small
 * bignum on first use rather than pasted in as 617 opaque constants.
 *
 * It does not parse numbers, and it does not emit NaN/Infinity as bare JSON
 * tokens (Python would; TensorBoard sends strings instead).
 *
 * Invariant: the output of tb_fmt_double always reads back (strtod) as the
 * same double, and is the string Python's repr() gives for it.
 */
#include "json.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define MASK63 ((1ull << 63) - 1)

/* ---- powers of ten ---------------------------------------------------- */

/*
 * For each e in [POW10_MIN, POW10_MAX], 10^e = beta * 2^r with
 * 2^125 <= beta < 2^126, and g = floor(beta) + 1, a strict upper bound the
 * paper's error analysis needs. The range is what flog10pow2() yields over
 * all binary exponents of a double, negated.
 */
#define POW10_MIN (-292)
#define POW10_MAX 324
/* 1280 bits: holds 10^324 (1077 bits) and leaves 2^1279 / 10^292 > 2^126. */
#define BIG_LIMBS 20

/* g split as hi * 2^63 + lo, both below 2^63, the shape round_odd wants. */
typedef struct pow10_g {
	uint64_t hi;
	uint64_t lo;
} pow10_g;

static pow10_g pow10_table[POW10_MAX - POW10_MIN + 1];
static pthread_once_t pow10_once = PTHREAD_ONCE_INIT;

static unsigned big_bitlen(const uint64_t *x)
{
	for (int i = BIG_LIMBS - 1; i >= 0; i--)
		if (x[i])
			return 64u * (unsigned)i + 64u - (unsigned)__builtin_clzll(x[i]);
	return 0;
}

static void big_mul10(uint64_t *x)
{
	uint64_t carry = 0;
	for (int i = 0; i < BIG_LIMBS; i++) {
		u128 p = (u128)x[i] * 10 + carry;
		x[i] = (uint64_t)p;
		carry = (uint64_t)(p >> 64);
	}
}

/* Floor division; repeated floors equal one floor by the product. */
static void big_div10(uint64_t *x)
{
	uint64_t rem = 0;
	for (int i = BIG_LIMBS - 1; i >= 0; i--) {
		u128 cur = (u128)rem << 64 | x[i];
		x[i] = (uint64_t)(cur / 10);
		rem = (uint64_t)(cur % 10);
	}
}

/* floor(x * 2^s) + 1 for the s that puts x in [2^125, 2^126). */
static pow10_g big_g(const uint64_t *x)
{
	unsigned len = big_bitlen(x);
	u128 v;
	if (len <= 126) {
		v = ((u128)x[1] << 64 | x[0]) << (126 - len);
	} else {
		unsigned s = len - 126, i = s / 64, bit = s % 64;
		uint64_t w2 = i + 2 < BIG_LIMBS ? x[i + 2] : 0;
		v = ((u128)x[i + 1] << 64 | x[i]) >> bit;
		if (bit)
			v |= (u128)w2 << (128 - bit);
	}
	v += 1;
	return (pow10_g){ (uint64_t)(v >> 63), (uint64_t)v & MASK63 };
}

static void pow10_build(void)
{
	uint64_t x[BIG_LIMBS] = { 1 };
	for (int e = 0; e <= POW10_MAX; e++) {
		pow10_table[e - POW10_MIN] = big_g(x);
		big_mul10(x);
	}
	memset(x, 0, sizeof x);
	x[BIG_LIMBS - 1] = 1ull << 63;
	for (int e = -1; e >= POW10_MIN; e--) {
		big_div10(x);
		pow10_table[e - POW10_MIN] = big_g(x);
	}
}

/* ---- Schubfach ---------------------------------------------------------- */

/* Exact floors of logarithms, valid far beyond the double range. */
static int flog10pow2(int q) { return (int)((int64_t)q * 661971961083 >> 41); }
static int flog2pow10(int e) { return (int)((int64_t)e * 913124641741 >> 38); }
/* floor(log10(3/4 * 2^q)) */
static int flog10_3q4pow2(int q)
{
	return (int)(((int64_t)q * 661971961083 - 274743187321) >> 41);
}

/*
 * About g * cp / 2^127, rounded to odd: the lowest bit is set when the kept
 * part of the remainder is nonzero. The truncations (low bits of g.lo * cp,
 * last bit of g.hi * cp) are the paper's and its proofs assume them. Do not
 * "fix" this into an exact product: g's excess over 10^-k would then always
 * show as a remainder, exact decimal midpoints would look odd, and ties would
 * no longer round to even as Python's do (1113178120592002.25 must print
 * ...002.2).
 */
static uint64_t round_odd(pow10_g g, uint64_t cp)
{
	uint64_t x1 = (uint64_t)((u128)g.lo * cp >> 64);
	u128 y = (u128)g.hi * cp;
	uint64_t z = ((uint64_t)y >> 1) + x1;
	uint64_t vbp = (uint64_t)(y >> 64) + (z >> 63);
	return vbp | ((z & MASK63) != 0);
}

typedef struct decimal {
	uint64_t f; /* value is f * 10^k */
	int k;
} decimal;

#define C_MIN (1ull << 52)
#define Q_MIN (-1074)

/*
 * Shortest decimal in the rounding interval of c * 2^q, the closest one if
 * two qualify, ties to even. Bounds are in when c is even, matching
 * round-half-even reading, which is what Python's dtoa assumes. Unlike Java's
 * variant there is no two-digit minimum: 5e-324 stays one digit.
 */
static decimal schubfach(uint64_t c, int q)
{
	uint64_t out = c & 1, cb = c << 2, cbr = cb + 2, cbl;
	int k;
	if (c != C_MIN || q == Q_MIN) {
		cbl = cb - 2;
		k = flog10pow2(q);
	} else { /* power of two: the gap below is half the gap above */
		cbl = cb - 1;
		k = flog10_3q4pow2(q);
	}
	int h = q + flog2pow10(-k) + 2;
	pow10_g g = pow10_table[-k - POW10_MIN];
	uint64_t vb = round_odd(g, cb << h);
	uint64_t vbl = round_odd(g, cbl << h) + out;
	uint64_t vbr = round_odd(g, cbr << h) - out;

	/* One digit fewer: at most one multiple of ten fits in the interval. */
	uint64_t s = vb >> 2, sp10 = s / 10 * 10, tp10 = sp10 + 10;
	bool upin = vbl <= sp10 << 2, wpin = tp10 << 2 <= vbr;
	if (upin != wpin)
		return (decimal){ upin ? sp10 : tp10, k };

	uint64_t t = s + 1;
	bool uin = vbl <= s << 2, win = t << 2 <= vbr;
	if (uin != win)
		return (decimal){ uin ? s : t, k };
	int64_t cmp = (int64_t)(vb - ((s + t) << 1));
	return (decimal){ cmp < 0 || (cmp == 0 && !(s & 1)) ? s : t, k };
}

/* Decimal of a finite, nonzero, positive double given by its bits. */
static decimal to_decimal(uint64_t bits)
{
	int bq = (int)(bits >> 52);
	uint64_t t = bits & (C_MIN - 1);
	if (bq == 0)
		return schubfach(t, Q_MIN);
	uint64_t c = C_MIN | t;
	int mq = 1075 - bq; /* v = c / 2^mq */
	/* Integers below 2^53: the integer itself is shortest (gaps <= 1). */
	if (mq > 0 && mq < 53 && (c >> mq) << mq == c)
		return (decimal){ c >> mq, 0 };
	return schubfach(c, -mq);
}

/* ---- layout ------------------------------------------------------------- */

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Writes the decimal digits of f ending just before end; returns the count. */
static int put_digits(char *end, uint64_t f)
{
	char *p = end;
	while (f >= 100) {
		unsigned d = (unsigned)(f % 100) * 2;
		f /= 100;
		*--p = digit_pairs[d + 1];
		*--p = digit_pairs[d];
	}
	if (f >= 10) {
		*--p = digit_pairs[f * 2 + 1];
		*--p = digit_pairs[f * 2];
	} else {
		*--p = (char)('0' + f);
	}
	return (int)(end - p);
}

/* d.ddde+XX form; e is the exponent of the first digit. */
static char *layout_exp(char *p, const char *d, int n, int e)
{
	*p++ = d[0];
	if (n > 1) {
		*p++ = '.';
		memcpy(p, d + 1, (size_t)n - 1);
		p += n - 1;
	}
	*p++ = 'e';
	*p++ = e < 0 ? '-' : '+';
	unsigned a = (unsigned)(e < 0 ? -e : e);
	if (a >= 100)
		*p++ = (char)('0' + a / 100);
	*p++ = digit_pairs[a % 100 * 2];
	*p++ = digit_pairs[a % 100 * 2 + 1];
	return p;
}

/* Positional form for -4 <= e <= 15, as Python's repr chooses. */
static char *layout_fixed(char *p, const char *d, int n, int e)
{
	if (e < 0) {
		memcpy(p, "0.0000", (size_t)(1 - e));
		p += 1 - e;
		memcpy(p, d, (size_t)n);
		return p + n;
	}
	if (n <= e + 1) {
		memcpy(p, d, (size_t)n);
		p += n;
		memset(p, '0', (size_t)(e + 1 - n));
		p += e + 1 - n;
		memcpy(p, ".0", 2);
		return p + 2;
	}
	memcpy(p, d, (size_t)e + 1);
	p += e + 1;
	*p++ = '.';
	memcpy(p, d + e + 1, (size_t)(n - e - 1));
	return p + (n - e - 1);
}

static size_t fmt_special(char *out, const char *s)
{
	size_t n = strlen(s);
	memcpy(out, s, n + 1);
	return n;
}

size_t tb_fmt_double(char out[TB_FMT_DOUBLE_MAX + 1], double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	bool neg = bits >> 63;
	bits &= ~(1ull << 63);
	if (bits >= 0x7ff0000000000000ull)
		return fmt_special(out, bits > 0x7ff0000000000000ull ? "nan"
							     : neg ? "-inf" : "inf");
	if (bits == 0)
		return fmt_special(out, neg ? "-0.0" : "0.0");

	pthread_once(&pow10_once, pow10_build);
	decimal dec = to_decimal(bits);
	while (dec.f % 10 == 0) {
		dec.f /= 10;
		dec.k++;
	}
	char digits[24];
	int n = put_digits(digits + sizeof digits, dec.f);
	const char *d = digits + sizeof digits - n;
	int e = dec.k + n - 1;

	char *p = out;
	if (neg)
		*p++ = '-';
	p = e >= -4 && e < 16 ? layout_fixed(p, d, n, e) : layout_exp(p, d, n, e);
	*p = '\0';
	return (size_t)(p - out);
}

size_t tb_fmt_int(char out[24], int64_t v)
{
	/* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char tmp[24];
	int n = put_digits(tmp + sizeof tmp, u);
	size_t len = 0;
	if (v < 0)
		out[len++] = '-';
	memcpy(out + len, tmp + sizeof tmp - n, (size_t)n);
	len += (size_t)n;
	out[len] = '\0';
	return len;
}

/* ---- JSON values -------------------------------------------------------- */

/* Formats straight into the buffer's spare room: no copy on the hot path. */
static void put_double(tb_buf *b, double v)
{
	if (tb_buf_grow(b, TB_FMT_DOUBLE_MAX) != 0)
		return;
	b->len += tb_fmt_double(b->data + b->len, v);
}

void tb_json_double(tb_buf *b, double v)
{
	if (isnan(v))
		tb_buf_append(b, "\"NaN\"", 5);
	else if (isinf(v))
		tb_buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		put_double(b, v);
}

void tb_csv_double(tb_buf *b, double v)
{
	put_double(b, v);
}

void tb_json_int(tb_buf *b, int64_t v)
{
	if (tb_buf_grow(b, 23) != 0)
		return;
	b->len += tb_fmt_int(b->data + b->len, v);
}

void tb_json_bool(tb_buf *b, bool v)
{
	if (v)
		tb_buf_append(b, "true", 4);
	else
		tb_buf_append(b, "false", 5);
}

void tb_json_null(tb_buf *b)
{
	tb_buf_append(b, "null", 4);
}

/* ---- strings ------------------------------------------------------------ */

static const char hex_lower[] = "0123456789abcdef";

static void put_u16(tb_buf *b, unsigned u)
{
	char e[6] = { '\\', 'u', hex_lower[u >> 12 & 15], hex_lower[u >> 8 & 15],
		      hex_lower[u >> 4 & 15], hex_lower[u & 15] };
	tb_buf_append(b, e, sizeof e);
}

/* Python's escape for an ASCII byte that is not ascii_plain(). */
static void put_ascii_escape(tb_buf *b, unsigned char c)
{
	const char *e;
	switch (c) {
	case '"': e = "\\\""; break;
	case '\\': e = "\\\\"; break;
	case '\n': e = "\\n"; break;
	case '\r': e = "\\r"; break;
	case '\t': e = "\\t"; break;
	case '\b': e = "\\b"; break;
	case '\f': e = "\\f"; break;
	default: put_u16(b, c); return;
	}
	tb_buf_append(b, e, 2);
}

/*
 * Code point of the well-formed UTF-8 sequence at s[0..n) and its length in
 * *len, or -1 if s[0] does not start one (stray continuation, overlong form,
 * encoded surrogate, beyond U+10FFFF, or cut short). s[0] is >= 0x80.
 */
static int32_t utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
	unsigned char b0 = s[0], lo = 0x80, hi = 0xbf;
	size_t need;
	int32_t cp;
	if (b0 < 0xc2 || b0 > 0xf4)
		return -1;
	if (b0 < 0xe0) {
		need = 1;
		cp = b0 & 0x1f;
	} else if (b0 < 0xf0) {
		need = 2;
		cp = b0 & 0x0f;
		lo = b0 == 0xe0 ? 0xa0 : 0x80; /* overlong */
		hi = b0 == 0xed ? 0x9f : 0xbf; /* surrogates */
	} else {
		need = 3;
		cp = b0 & 0x07;
		lo = b0 == 0xf0 ? 0x90 : 0x80; /* overlong */
		hi = b0 == 0xf4 ? 0x8f : 0xbf; /* > U+10FFFF */
	}
	if (n <= need || s[1] < lo || s[1] > hi)
		return -1;
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*len = need + 1;
	return cp;
}

static void put_code_point(tb_buf *b, int32_t cp)
{
	if (cp < 0x10000) {
		put_u16(b, (unsigned)cp);
		return;
	}
	cp -= 0x10000;
	put_u16(b, 0xd800u + ((unsigned)cp >> 10));
	put_u16(b, 0xdc00u + ((unsigned)cp & 0x3ff));
}

/* Python's set of bytes copied as-is: ' '..'~' except '"' and '\\'. DEL
 * (0x7f) is outside it and comes out as \u007f. */
static bool ascii_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void tb_json_str(tb_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	tb_buf_putc(b, '"');
	while (i < n) {
		size_t run = i;
		while (run < n && ascii_plain(u[run]))
			run++;
		tb_buf_append(b, u + i, run - i);
		if (run == n)
			break;
		i = run;
		if (u[i] < 0x80) {
			put_ascii_escape(b, u[i++]);
			continue;
		}
		size_t len;
		int32_t cp = utf8_decode(u + i, n - i, &len);
		if (cp < 0) {
			put_u16(b, 0xfffd);
			i++;
		} else {
			put_code_point(b, cp);
			i += len;
		}
	}
	tb_buf_putc(b, '"');
}

bool tb_json_shown_as(const char *raw, const char *shown)
{
	const unsigned char *u = (const unsigned char *)raw, *w = (const unsigned char *)shown;
	size_t n = strlen(raw), i = 0;
	while (i < n) {
		size_t len = 1;
		if (u[i] >= 0x80 && utf8_decode(u + i, n - i, &len) < 0) {
			if (strncmp((const char *)w, "\xef\xbf\xbd", 3))
				return false;
			w += 3;
			i++;
			continue;
		}
		if (strncmp((const char *)u + i, (const char *)w, len))
			return false;
		w += len;
		i += len;
	}
	return *w == '\0';
}

void tb_json_cstr(tb_buf *b, const char *s)
{
	tb_json_str(b, s, strlen(s));
}
