/*
 * log.h - one-line diagnostics on stderr.
 *
 * Every message is one line: "tbserve: LEVEL: text". Messages about a
 * particular file are logged once by their caller (a sticky flag per file),
 * never per record. tb_log_quiet silences info lines (tests, --inspect).
 */
#ifndef TB_LOG_H
#define TB_LOG_H

#include <stddef.h>

enum { TB_LOG_ERROR, TB_LOG_WARN, TB_LOG_INFO, TB_LOG_DEBUG };

extern int tb_log_level;

/* Every control byte of the message (names from the logdir can hold
 * terminal escapes and newlines) is written as \xNN. */
void tb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s[0..n) into out (cap bytes, NUL-terminated, truncated) with bytes below
 * 0x20 and 0x7f as \xNN: names printed for a terminal. Returns the length. */
size_t tb_escape_controls(char *out, size_t cap, const char *s, size_t n);

#endif
