/*
 * log.h - one-line diagnostics on stderr.
 *
 * Every message is one line: "tbserve: LEVEL: text". Messages about a
 * particular file are logged once by their caller (a sticky flag per file),
 * never per record. tb_log_quiet silences info lines (tests, --inspect).
 */
#ifndef TB_LOG_H
#define TB_LOG_H

enum { TB_LOG_ERROR, TB_LOG_WARN, TB_LOG_INFO, TB_LOG_DEBUG };

extern int tb_log_level;

void tb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
