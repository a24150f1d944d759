/*
 * fuzz_sanitize.c - the bleach-equivalent sanitiser (html_sanitize.c) alone,
 * as markdown=false uses it, on arbitrary bytes. Property: the output is
 * safe HTML (fuzz_html.h), whatever the input.
 */
#include "fuzz_html.h"
#include "html_sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tb_buf b = TB_BUF_INIT;
	tb_html_sanitize((const char *)data, size, &b);
	if (!b.oom)
		fuzz_check_safe_html(b.data ? b.data : "", b.len);
	tb_buf_release(&b);
	return 0;
}
