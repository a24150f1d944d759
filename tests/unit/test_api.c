/*
 * test_api.c - the router (server/api.c) and the response helpers
 * (server/request.c): the method column (405 with Allow, HEAD with GET,
 * TensorBoard's routes taking GET, HEAD and POST), prefix stripping and the
 * trailing slash, the body source union, and out of memory staying out of
 * memory (the transport's 503) instead of becoming a 200.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cache.h"
#include "testutil.h"

static tb_flags flags;
static tb_app app;

static int setup(void **state)
{
	(void)state;
	char a0[] = "tbserve", a1[] = "--logdir", a2[256], a3[] = "--path_prefix=/tb";
	snprintf(a2, sizeof a2, "%s", tu_path("golden/logdir-small"));
	char *argv[] = { a0, a1, a2, a3, NULL };
	char err[512];
	assert_int_equal(tb_flags_parse(&flags, 4, argv, err, sizeof err), 0);
	assert_int_equal(tb_app_init(&app, &flags, err, sizeof err), 0);
	tb_log_level = TB_LOG_WARN;
	assert_int_equal(tb_app_load(&app), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tb_app_release(&app);
	tb_flags_release(&flags);
	return 0;
}

static void call(const char *method, const char *path, tb_response *resp)
{
	tb_request req = { .app = &app, .method = method, .path = path };
	tb_response_init(resp);
	tb_api_handle(&req, resp);
}

static void expect(const char *method, const char *path, int status, const char *allow)
{
	tb_response r;
	call(method, path, &r);
	if (r.status != status || (allow ? !r.allow || strcmp(r.allow, allow) : r.allow != NULL))
		fail_msg("%s %s: %d Allow %s, want %d Allow %s", method, path, r.status,
			 r.allow ? r.allow : "-", status, allow ? allow : "-");
	tb_response_release(&r);
}

static void test_methods(void **state)
{
	(void)state;
	expect("GET", "/tb/data/runs", 200, NULL);
	expect("HEAD", "/tb/data/runs", 200, NULL);
	expect("POST", "/tb/data/runs", 200, NULL);
	expect("PUT", "/tb/data/runs", 405, "GET, HEAD, POST");
	expect("DELETE", "/tb/data/plugin/scalars/tags", 405, "GET, HEAD, POST");
	expect("GET", "/tb/data/plugin/scalars/scalars_multirun", 405, "POST");
	expect("HEAD", "/tb/data/plugin/scalars/scalars_multirun", 405, "POST");
	expect("POST", "/tb/data/export", 405, "GET, HEAD");
	expect("GET", "/tb/data/export", 200, NULL);
	expect("HEAD", "/tb/data/export", 200, NULL);
	/* the web page, with any method TensorBoard takes */
	expect("GET", "/tb/", 200, NULL);
	expect("POST", "/tb/index.html", 200, NULL);
	expect("BREW", "/tb/index.html", 405, "GET, HEAD, POST");
	/* unknown data paths are the page's 404, whatever the method */
	expect("GET", "/tb/data/nope", 404, NULL);
}

static void test_405_page(void **state)
{
	(void)state;
	tb_response r;
	call("GET", "/tb/data/plugin/scalars/scalars_multirun/", &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.content_type, "text/html; charset=utf-8");
	assert_true(r.html);
	assert_non_null(strstr(r.body.data, "<title>405 Method Not Allowed</title>"));
	tb_response_release(&r);
}

static void test_prefix(void **state)
{
	(void)state;
	tb_response r;
	call("GET", "/tb", &r);
	assert_int_equal(r.status, 301);
	assert_string_equal(r.location, "/tb/");
	tb_response_release(&r);
	expect("GET", "/data/runs", 404, NULL);          /* outside the prefix */
	expect("GET", "/tbx/data/runs", 404, NULL);
	expect("GET", "/tb/experiment/abc/data/runs/", 200, NULL);
	call("GET", "/tb/data/notifications", &r);
	assert_int_equal(r.status, 302);
	assert_string_equal(r.location, "../notifications_note.json");
	tb_response_release(&r);
}

/* The body is one source at a time: switching drops the previous one (a
 * stream's free runs once), and an error after a cached body answers the
 * error, not the body. */
static int freed;
static void count_free(void *state)
{
	(void)state;
	freed++;
}

static void test_body_sources(void **state)
{
	(void)state;
	tb_response r;
	tb_response_init(&r);
	assert_int_equal(r.src, TB_BODY_BUF);
	tb_resp_stream(&r, &(tb_stream){ &r, NULL, count_free, NULL });
	assert_int_equal(r.src, TB_BODY_STREAM);
	tb_resp_static(&r, "abc", 3);
	assert_int_equal(freed, 1);
	assert_int_equal(r.src, TB_BODY_STATIC);
	assert_int_equal(r.u.fixed.len, 3);
	tb_body *b = tb_body_new("xyz", 3, 1);
	tb_resp_shared(&r, b);
	assert_int_equal(r.src, TB_BODY_SHARED);
	tb_body_ref(b);                    /* watch the response's reference go */
	tb_resp_error(&r, 404, "gone");
	assert_int_equal(r.src, TB_BODY_BUF);
	assert_int_equal(atomic_load(&b->refs), 1);
	assert_string_equal(r.body.data, "Not found: gone");
	tb_body_unref(b);
	tb_resp_stream(&r, &(tb_stream){ &r, NULL, count_free, NULL });
	tb_response_release(&r);
	assert_int_equal(freed, 2);
}

/* Out of memory is reported, not answered as a partial 200: tb_resp_oom
 * sets the sticky flag the transport turns into a 503, and a handler that
 * goes on formatting (tb_resp_json resets the buffer) cannot clear it. */
static void test_oom(void **state)
{
	(void)state;
	tb_response r;
	tb_response_init(&r);
	tb_buf_puts(&r.body, "[1, 2");
	tb_resp_oom(&r);
	assert_true(r.body.oom);
	tb_resp_json(&r);
	tb_buf_puts(&r.body, "[]");
	assert_true(r.body.oom);
	tb_response_release(&r);
	assert_false(r.body.oom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_405_page),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_body_sources),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
