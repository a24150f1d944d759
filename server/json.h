/*
 * json.h - number formatting and escaping JSON writers.
 *
 * Every number and string tbserve sends is written here, in exactly the form
 * Python's json.dumps(ensure_ascii=True) gives, because responses are compared
 * byte for byte with the real TensorBoard's. This module writes single values
 * only; it does not build objects or arrays (callers put the brackets, commas
 * and keys) and it never parses JSON.
 *
 * Invariant: whatever bytes a string holds, the output is valid ASCII JSON.
 * Invalid UTF-8 becomes \ufffd, one per offending byte, and nothing is read
 * outside s[0..n).
 *
 * The writers append to a caller-owned tb_buf and inherit its sticky oom
 * flag; the tb_fmt_* functions write into a caller array and cannot fail.
 * All functions are thread-safe.
 */
#ifndef TB_JSON_H
#define TB_JSON_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest output of tb_fmt_double, without the NUL. */
#define TB_FMT_DOUBLE_MAX 32

/*
 * Python repr() of a double: the shortest digits that read back as v (the
 * closest such string when several tie for shortest), positional for decimal
 * exponents -4..15 with ".0" on integral values, else "1e-05" style.
 * Non-finite values give "nan", "inf", "-inf" (also exactly the CSV form).
 * Writes NUL-terminated text to out and returns its length.
 */
size_t tb_fmt_double(char out[TB_FMT_DOUBLE_MAX + 1], double v);

/* Decimal int64, NUL-terminated. Returns the length (at most 20). */
size_t tb_fmt_int(char out[24], int64_t v);

/*
 * JSON values appended to b. tb_json_double writes finite values as
 * tb_fmt_double does and non-finite ones as the JSON strings "NaN",
 * "Infinity" and "-Infinity" (quotes included), as TensorBoard's json_util
 * does. tb_json_str quotes and escapes s[0..n) as Python does (bytes below
 * 0x20 and DEL as \u00XX or \n-style, non-ASCII as lowercase \uXXXX or a
 * surrogate pair, '/' left alone); s need not be NUL-terminated and may
 * contain NUL bytes. tb_json_cstr does the same for a non-NULL
 * C string.
 */
void tb_json_double(tb_buf *b, double v);
void tb_json_int(tb_buf *b, int64_t v);
void tb_json_bool(tb_buf *b, bool v);
void tb_json_null(tb_buf *b);
void tb_json_str(tb_buf *b, const char *s, size_t n);

/* Is shown (UTF-8) what tb_json_str makes of raw: raw with each byte that
 * is not part of well-formed UTF-8 replaced by U+FFFD? Lets a client ask
 * for a run by the name it was shown. */
bool tb_json_shown_as(const char *raw, const char *shown);
void tb_json_cstr(tb_buf *b, const char *s);

/* CSV form of a double (tb_fmt_double) appended to b. */
void tb_csv_double(tb_buf *b, double v);

#endif
