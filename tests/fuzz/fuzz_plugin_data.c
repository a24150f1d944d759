/*
 * fuzz_plugin_data.c - the plugin-data "version" varint: the input is the
 * content of a scalar's plugin_data, wrapped in a real Event record and
 * ingested. Property: where the content is plain varint fields with one
 * field 1 (the shape every writer uses), the tag is visible exactly when
 * that version, as an int32, is <= 0 -- TensorBoard hides data from newer
 * plugin versions. Any other content must just not crash.
 */
#include <string.h>

#include "api.h"
#include "buf.h"
#include "fuzz.h"
#include "ingest.h"
#include "query.h"
#include "store.h"

static void put_varint(tb_buf *b, uint64_t v)
{
	do {
		unsigned char c = (unsigned char)(v & 0x7f);
		v >>= 7;
		tb_buf_putc(b, (char)(c | (v ? 0x80 : 0)));
	} while (v);
}

static void put_field(tb_buf *b, unsigned field, const void *p, size_t n)
{
	put_varint(b, field << 3 | 2);
	put_varint(b, n);
	tb_buf_append(b, p, n);
}

/* The version when content is only varint fields with exactly one field 1;
 * otherwise false. */
static bool plain_version(const uint8_t *p, size_t n, int32_t *version)
{
	int ones = 0;
	size_t i = 0;
	while (i < n) {
		/* one-byte keys only (fields 1-15), as every writer sends them */
		uint8_t key = p[i++];
		if ((key & 0x80) || (key & 7) != 0)
			return false;
		uint64_t v = 0;
		int shift = 0;
		do {
			if (i >= n || shift > 63)
				return false;
			v |= (uint64_t)(p[i] & 0x7f) << shift;
			shift += 7;
		} while (p[i++] & 0x80);
		if (key >> 3 == 1) {
			ones++;
			*version = (int32_t)v;
		}
	}
	return ones == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tb_buf pd = TB_BUF_INIT, md = TB_BUF_INIT, val = TB_BUF_INIT, sum = TB_BUF_INIT,
	       ev = TB_BUF_INIT;
	put_field(&pd, 1, "scalars", 7);
	put_field(&pd, 2, data, size);
	put_field(&md, 1, pd.data, pd.len);
	put_field(&val, 1, "loss", 4);
	tb_buf_append(&val, "\x15\x00\x00\x80\x3f", 5); /* simple_value 1.0 */
	put_field(&val, 9, md.data, md.len);
	put_field(&sum, 1, val.data, val.len);
	tb_buf_append(&ev, "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f\x10\x01", 11); /* wall 1.0, step 1 */
	put_field(&ev, 5, sum.data, sum.len);

	tb_store_opts o;
	memset(&o, 0, sizeof o);
	tb_store s;
	tb_store_init(&s, &o);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_ingest g;
	tb_ingest_init(&g, &s, r);
	if (!ev.oom && r && tb_ingest_record(&g, (const unsigned char *)ev.data, ev.len) == 0) {
		tb_series *se = tb_run_find(r, "loss", 4);
		FUZZ_CHECK(se != NULL);
		int32_t version;
		bool visible = tb_series_visible(se, TB_KIND_SCALAR);
		if (plain_version(data, size, &version))
			FUZZ_CHECK(visible == (version <= 0));
	}
	tb_ingest_release(&g);
	tb_store_release(&s);
	tb_buf_release(&pd);
	tb_buf_release(&md);
	tb_buf_release(&val);
	tb_buf_release(&sum);
	tb_buf_release(&ev);
	return 0;
}
