/*
 * test_ptrmap.c - the pointer-keyed map (server/ptrmap.c) against a plain
 * array model: random puts, gets and deletes over keys that collide in
 * long probe runs, growth, and values kept across rehashes and deletes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ptrmap.h"

#define KEYS 3000

/* nkeys distinct keys: few keep the table small, so probe runs often wrap
 * around its end; many make it grow through several rehashes. */
static void against_model(size_t nkeys)
{
	static char base[KEYS];
	static uint64_t model[KEYS];     /* 0 = absent, else value */
	memset(model, 0, sizeof model);
	tb_ptrmap m = TB_PTRMAP_INIT(sizeof(uint64_t));
	uint64_t rng = 12345;
	size_t live = 0;
	for (int round = 0; round < 200000; round++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		size_t k = (size_t)(rng >> 33) % nkeys;
		int op = (int)(rng >> 20) % 3;
		const void *key = &base[k];
		if (op == 0) {
			uint64_t *v = tb_ptrmap_put(&m, key);
			assert_non_null(v);
			assert_true(*v == model[k]);     /* zeroed when new */
			live += model[k] == 0;
			*v = model[k] = (uint64_t)round + 1;
		} else if (op == 1) {
			uint64_t out = 0;
			bool had = tb_ptrmap_del(&m, key, &out);
			assert_int_equal(had, model[k] != 0);
			assert_true(out == model[k]);
			live -= had;
			model[k] = 0;
		} else {
			uint64_t *v = tb_ptrmap_get(&m, key);
			if (model[k])
				assert_true(v && *v == model[k]);
			else
				assert_null(v);
		}
		assert_int_equal(m.n, live);
	}
	for (size_t k = 0; k < nkeys; k++) {
		uint64_t *v = tb_ptrmap_get(&m, &base[k]);
		assert_true(model[k] ? v && *v == model[k] : v == NULL);
	}
	tb_ptrmap_release(&m);
	assert_null(tb_ptrmap_get(&m, &base[0]));
	assert_false(tb_ptrmap_del(&m, &base[0], NULL));
}

static void test_against_model(void **state)
{
	(void)state;
	against_model(5);
	against_model(12);
	against_model(40);
	against_model(KEYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
