/*
 * test_announce.c - live push's change notices (server/announce.c): one
 * "series" event per series changed since the last announcement, "reset"
 * when points were removed, nothing for what was marked announced, "runs"
 * when the run list changes, and a forgotten series announced afresh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "announce.h"

static tb_series *mk(tb_store *s, tb_run *r, const char *tag)
{
	tb_series_meta m = { "scalars", 1, tag, "", NULL, 0 };
	tb_run_wrlock(r);
	tb_series *se = tb_run_create(s, r, tag, strlen(tag), TB_KIND_SCALAR, &m);
	tb_run_unlock(r);
	assert_non_null(se);
	return se;
}

static void add(tb_store *s, tb_run *r, tb_series *se, int64_t step)
{
	tb_scalar v = { TB_NUM_F32, 1.0, 0 };
	tb_run_wrlock(r);
	assert_int_equal(tb_series_append_scalar(s, se, 10.0, step, &v), 0);
	tb_run_unlock(r);
}

static const char *events(tb_announce *a, tb_run *r)
{
	static tb_buf b;
	tb_buf_reset(&b);
	assert_int_equal(tb_announce_run(a, r, &b), 0);
	tb_buf_putc(&b, '\0');   /* "" when nothing was written */
	return b.data;
}

static void test_series_events(void **state)
{
	(void)state;
	tb_store s;
	tb_store_opts o = { .rule = TB_PURGE_STEP };
	tb_store_init(&s, &o);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *loss = mk(&s, r, "loss"), *acc = mk(&s, r, "acc");
	add(&s, r, loss, 1);
	tb_announce a;
	tb_announce_init(&a);
	assert_int_equal(tb_announce_mark_all(&a, &s), 0);
	assert_string_equal(events(&a, r), "");

	add(&s, r, loss, 2);
	add(&s, r, loss, 3);
	assert_string_equal(events(&a, r),
			    "event: series\ndata: {\"run\": \"run\", \"tag\": \"loss\", "
			    "\"plugin\": \"scalars\", \"step\": 3, \"points\": 3, \"version\": 3, "
			    "\"reset\": false}\n\n");
	assert_string_equal(events(&a, r), "");   /* announced once */

	/* a step going back purges (TB_PURGE_STEP): the client must refetch */
	add(&s, r, loss, 2);
	assert_non_null(strstr(events(&a, r), "\"points\": 2, \"version\": 4, \"reset\": true}"));
	add(&s, r, acc, 5);
	const char *e = events(&a, r);
	assert_non_null(strstr(e, "\"tag\": \"acc\""));
	assert_null(strstr(e, "\"tag\": \"loss\""));
	assert_non_null(strstr(e, "\"reset\": false"));

	/* forgotten (freed and its address perhaps reused): announced afresh */
	tb_announce_forget(&a, loss);
	assert_non_null(strstr(events(&a, r), "\"tag\": \"loss\""));

	tb_buf runs = TB_BUF_INIT;
	tb_announce_runs(&a, &s, &runs);
	assert_string_equal(runs.data, "event: runs\ndata: {\"version\": 1}\n\n");
	tb_buf_reset(&runs);
	tb_announce_runs(&a, &s, &runs);
	assert_int_equal(runs.len, 0);
	tb_store_add_run(&s, "other");
	tb_announce_runs(&a, &s, &runs);
	assert_string_equal(runs.data, "event: runs\ndata: {\"version\": 2}\n\n");
	tb_buf_release(&runs);
	tb_announce_release(&a);
	tb_store_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
