/*
 * fuzz_wandb.c - libFuzzer target: W&B .wandb logs (server/wandb_log.c
 * framing, server/wandb.c record decoding, JSON values, console). The input
 * is a whole file applied to a run of a fresh store. Built by
 * tests/fuzz/run.sh; seeds are the real files of tests/data/wandb.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "wandb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tb_log_level = TB_LOG_ERROR - 1;
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
