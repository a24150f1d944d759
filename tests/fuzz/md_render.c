/*
 * md_render.c - the text plugin's Markdown renderer as a filter, for the
 * differential check against Python-Markdown + bleach
 * (tests/fuzz/markdown_diff.py). Reads documents from stdin, each as a
 * little-endian u32 length and the bytes; writes for each an i32 return
 * code, a u32 length and the HTML tb_markdown_to_safe_html() gave.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "markdown.h"

static int read_u32(uint32_t *v)
{
	unsigned char b[4];
	if (fread(b, 1, 4, stdin) != 4)
		return -1;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

static void write_u32(uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };
	fwrite(b, 1, 4, stdout);
}

int main(void)
{
	uint32_t n;
	while (read_u32(&n) == 0) {
		char *doc = malloc(n ? n : 1);
		if (!doc || fread(doc, 1, n, stdin) != n)
			return 1;
		tb_buf out = TB_BUF_INIT;
		int rc = tb_markdown_to_safe_html(doc, n, &out);
		write_u32((uint32_t)rc);
		write_u32((uint32_t)out.len);
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
		tb_buf_release(&out);
		free(doc);
	}
	return fflush(stdout) ? 1 : 0;
}
