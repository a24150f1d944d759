/*
 * log.c - stderr diagnostics (see log.h). One fputs per line so lines from
 * loader threads do not interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

int tb_log_level = TB_LOG_INFO;

size_t tb_escape_controls(char *out, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f) {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= cap)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (cap)
		out[o] = '\0';
	return o;
}

void tb_log(int level, const char *fmt, ...)
{
	if (level > tb_log_level)
		return;
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char msg[1024], line[1100];
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	int n = snprintf(line, sizeof line, "tbserve: %s: ", names[level]);
	/* run and file names come from the logdir: a name holding an escape
	 * sequence or a newline must not reach the terminal or fake a line */
	size_t len = (size_t)n + tb_escape_controls(line + n, sizeof line - (size_t)n - 1, msg,
						     (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1);
	line[len] = '\n';
	line[len + 1] = '\0';
	fputs(line, stderr);
}
