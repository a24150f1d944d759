/*
 * log.c - stderr diagnostics (see log.h). One fputs per line so lines from
 * loader threads do not interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

int tb_log_level = TB_LOG_INFO;

void tb_log(int level, const char *fmt, ...)
{
	if (level > tb_log_level)
		return;
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	int n = snprintf(line, sizeof line, "tbserve: %s: ", names[level]);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = 0;
	while (line[len])
		len++;
	line[len] = '\n';
	line[len + 1] = '\0';
	fputs(line, stderr);
}
