/*
 * fuzz_markdown.c - the text plugin's renderer (markdown.c, md_preprocess.c
 * and the sanitiser after them) on arbitrary bytes: one document, and the
 * input cut at '\x1f' into the cells of a string tensor (the first byte
 * picks the rank). Property: whatever comes out is safe HTML
 * (fuzz_html.h); invalid UTF-8 is refused, never rendered.
 */
#include <errno.h>

#include "fuzz_html.h"
#include "markdown.h"

static void render_doc(const uint8_t *data, size_t size)
{
	tb_buf b = TB_BUF_INIT;
	int rc = tb_markdown_to_safe_html((const char *)data, size, &b);
	FUZZ_CHECK(rc == 0 || rc == -EILSEQ || rc == -ENOMEM);
	FUZZ_CHECK(rc == 0 || b.len == 0);
	if (rc == 0 && !b.oom)
		fuzz_check_safe_html(b.data ? b.data : "", b.len);
	tb_buf_release(&b);
}

static void render_table(const uint8_t *data, size_t size)
{
	if (size < 1)
		return;
	int rank = data[0] % 4;
	bool markdown = data[0] & 0x80;
	const char *strs[64];
	size_t lens[64], count = 0;
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	while (count < 64) {
		const char *sep = memchr(p, '\x1f', (size_t)(end - p));
		strs[count] = p;
		lens[count++] = (size_t)((sep ? sep : end) - p);
		if (!sep)
			break;
		p = sep + 1;
	}
	int64_t dims[3] = { (int64_t)count, 1, 1 };
	if (rank == 2 && count % 2 == 0)
		dims[0] = (int64_t)count / 2, dims[1] = 2;
	tb_buf b = TB_BUF_INIT;
	int rc = tb_text_render(strs, lens, rank ? count : 1, rank ? dims : NULL, rank, markdown, &b);
	if (rc == 0 && !b.oom)
		fuzz_check_safe_html(b.data ? b.data : "", b.len);
	tb_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	render_doc(data, size);
	render_table(data, size);
	return 0;
}
