/*
 * test_s3.c - what the S3 client and the file sources decide without a
 * network (the gateway itself is tested by tests/s3/s3_test.py): XML
 * entity decoding of listing fields, s3:// URL and setting errors, and the
 * local source's walk, stat and positioned reads on a real fixture.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "s3.h"
#include "source.h"

static void test_xml_unescape(void **state)
{
	(void)state;
	char a[] = "run&amp;1/&lt;x&gt;/&quot;q&quot;&apos;";
	assert_true(tb_s3_xml_unescape(a));
	assert_string_equal(a, "run&1/<x>/\"q\"'");
	char b[] = "caf&#233;&#x1F600;&#47;";
	assert_true(tb_s3_xml_unescape(b));
	assert_string_equal(b, "caf\xc3\xa9\xf0\x9f\x98\x80/");
	char c[] = "bad&bogus;";
	assert_false(tb_s3_xml_unescape(c));
	char d[] = "&#0;";
	assert_false(tb_s3_xml_unescape(d));
	char e[] = "&#xD800;";
	assert_false(tb_s3_xml_unescape(e));
	char f[] = "&#1114112;";
	assert_false(tb_s3_xml_unescape(f));
	char g[] = "&#12";
	assert_false(tb_s3_xml_unescape(g));
}

static void test_bad_locations(void **state)
{
	(void)state;
	char err[256];
	assert_null(tb_source_new("s3://", err, sizeof err));
	assert_non_null(strstr(err, "expected s3://bucket"));
	assert_null(tb_source_new("s3:///prefix", err, sizeof err));
	setenv("S3_USE_PATH_STYLE", "maybe", 1);
	assert_null(tb_source_new("s3://b/p", err, sizeof err));
	assert_non_null(strstr(err, "S3_USE_PATH_STYLE"));
	unsetenv("S3_USE_PATH_STYLE");
	setenv("AWS_ENDPOINT_URL", "ftp://host", 1);
	assert_null(tb_source_new("s3://b/p", err, sizeof err));
	assert_non_null(strstr(err, "http://"));
	unsetenv("AWS_ENDPOINT_URL");
	tb_source *s = tb_source_new("s3://bucket/a/b/", err, sizeof err);
	assert_non_null(s);
	assert_true(tb_source_remote(s));
	assert_string_equal(tb_source_location(s), "s3://bucket/a/b");
	/* nothing listed yet: nothing exists, and nothing was sent */
	tb_source_info st;
	assert_int_equal(tb_source_stat(s, "s3://bucket/a/b/run/x.tfevents.1", &st), -ENOENT);
	assert_int_equal(tb_source_requests(s), 0);
	char msg[64];
	assert_int_equal(tb_source_status(s, msg, sizeof msg), 0);
	tb_source_free(s);
}

struct walked {
	char first_dir[4096];
	char first_file[512];
	size_t runs;
};

static int on_run(void *ctx, const char *run, const char *dir, char *const *files, size_t n)
{
	struct walked *w = ctx;
	if (!w->runs++ && n) {
		snprintf(w->first_dir, sizeof w->first_dir, "%s", dir);
		snprintf(w->first_file, sizeof w->first_file, "%s", files[0]);
	}
	(void)run;
	return 0;
}

static void test_local_source(void **state)
{
	(void)state;
	const char *data = getenv("TB_TEST_DATA");
	assert_non_null(data);
	char root[4096];
	snprintf(root, sizeof root, "%s/golden/logdir-small", data);
	char err[256];
	tb_source *s = tb_source_new(root, err, sizeof err);
	assert_non_null(s);
	assert_false(tb_source_remote(s));
	struct walked w = { 0 };
	assert_int_equal(tb_source_walk(s, on_run, NULL, &w), 0);
	assert_true(w.runs > 0);
	char path[8192];
	snprintf(path, sizeof path, "%s/%s", w.first_dir, w.first_file);
	tb_source_info st;
	assert_int_equal(tb_source_stat(s, path, &st), 0);
	assert_false(st.is_dir);
	assert_true(st.size > 16);
	assert_int_equal(tb_source_stat(s, w.first_dir, &st), 0);
	assert_true(st.is_dir);
	tb_source_file *f;
	assert_int_equal(tb_source_open(s, path, &f), 0);
	/* positioned reads agree with the file read whole */
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	unsigned char whole[64], part[16];
	size_t n = fread(whole, 1, sizeof whole, fp);
	fclose(fp);
	assert_true(n >= 32);
	assert_int_equal(tb_source_read(f, part, sizeof part, 8), sizeof part);
	assert_memory_equal(part, whole + 8, sizeof part);
	assert_int_equal(tb_source_read(f, part, sizeof part, tb_source_file_size(f)), 0);
	tb_source_close(f);
	tb_source_free(s);
	s = tb_source_new("/nonexistent/x", err, sizeof err);
	assert_non_null(s);
	assert_int_equal(tb_source_walk(s, on_run, NULL, &w), -ENOENT);
	tb_source_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_unescape),
		cmocka_unit_test(test_bad_locations),
		cmocka_unit_test(test_local_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
