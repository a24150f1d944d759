/*
 * fuzz_event.c - libFuzzer target: one record payload applied to a run, by
 * the fast path and by protobuf-c, under every purge rule; the store is then
 * read back as the handlers read it (tests/fuzz/meson.build).
 */
#include <string.h>

#include "fuzz.h"
#include "ingest.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const tb_purge_rule rules[] = { TB_PURGE_STEP, TB_PURGE_SESSION, TB_PURGE_NONE };
	for (size_t k = 0; k < sizeof rules / sizeof *rules; k++) {
		tb_store_opts o;
		memset(&o, 0, sizeof o);
		o.rule = rules[k];
		tb_store s;
		tb_store_init(&s, &o);
		tb_run *r = tb_store_add_run(&s, "run");
		tb_ingest g;
		tb_ingest_init(&g, &s, r);
		g.use_fast = (int)(k != 1);
		/* the input twice: repeated steps and tags exercise the purge rules */
		tb_ingest_record(&g, data, size);
		tb_ingest_record(&g, data, size);
		for (size_t i = 0; i < r->n_series; i++) {
			const tb_series *se = r->series[i];
			for (size_t j = 0; j < se->n; j++) {
				volatile int64_t st = tb_series_step(se, j);
				volatile double w = tb_series_wall(se, j);
				(void)st;
				(void)w;
				if (se->kind == TB_KIND_SCALAR) {
					volatile tb_scalar v = tb_series_scalar(se, j);
					(void)v;
				}
			}
		}
		tb_ingest_release(&g);
		tb_store_release(&s);
	}
	return 0;
}
