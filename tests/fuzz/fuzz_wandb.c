/*
 * fuzz_wandb.c - W&B .wandb logs (wandb_log.c framing, wandb.c records,
 * wandb_value.c values, wandb_console.c) on arbitrary bytes.
 * Properties: the framing only moves forward and never past the input, and
 * every record it hands out is whole (a FULL chunk, or FIRST..LAST); the
 * whole input then applied to a run of a fresh store neither crashes nor
 * leaks, whatever the damage.
 */
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "store.h"
#include "wandb.h"
#include "wandb_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tb_log_level = TB_LOG_ERROR - 1;
	tb_wandb_log lg;
	if (tb_wandb_log_open_mem(&lg, data, size))
		return 0;
	uint64_t done = 0;
	for (int k = 0; k < 1000000; k++) {
		const unsigned char *rec;
		size_t len;
		int rc = tb_wandb_log_next(&lg, &rec, &len);
		if (rc == 0 || (rc < 0 && tb_wandb_log_fatal(rc)))
			break;
		FUZZ_CHECK(lg.done >= done && lg.done <= size);
		if (rc == 1)
			FUZZ_CHECK(len <= size && !lg.assembling);
		done = lg.done;
	}
	tb_wandb_log_release(&lg);

	tb_store_opts o;
	memset(&o, 0, sizeof o);
	tb_store s;
	tb_store_init(&s, &o);
	tb_run *r = tb_store_add_run(&s, "fuzz");
	if (r)
		tb_wandb_read_mem(&s, r, "/nonexistent", data, size);
	tb_store_release(&s);
	return 0;
}
