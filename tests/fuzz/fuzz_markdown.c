/*
 * fuzz_markdown.c - libFuzzer target: the text plugin's Markdown renderer
 * and sanitiser on arbitrary bytes. Built by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tb_buf b = TB_BUF_INIT;
	tb_markdown_to_safe_html((const char *)data, size, &b);
	tb_buf_release(&b);
	tb_buf c = TB_BUF_INIT;
	tb_html_sanitize((const char *)data, size, &c);
	tb_buf_release(&c);
	return 0;
}
