/*
 * test_form.c - query and form decoding: '+' and %XX, malformed escapes
 * kept literally, repeated keys in order, the field limit, multipart parts
 * (with file parts and quoted boundaries) and malformed multipart bodies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "tblimits.h"

static void test_urlencoded(void **state)
{
	(void)state;
	tb_params p = { 0 };
	const char *s = "run=run+with+space&tag=%C3%BCn%C3%AF%2Ftag&bad=%ZZ%4&runs=a&runs=b&flag&=v&&";
	assert_int_equal(tb_form_parse_urlencoded(s, strlen(s), &p), 0);
	assert_int_equal(p.n, 7);
	assert_string_equal(p.v[0].value, "run with space");
	assert_string_equal(p.v[1].value, "\xc3\xbcn\xc3\xaf/tag");
	assert_string_equal(p.v[2].value, "%ZZ%4");
	assert_string_equal(p.v[3].value, "a");
	assert_string_equal(p.v[4].value, "b");
	assert_string_equal(p.v[5].key, "flag");
	assert_string_equal(p.v[5].value, "");
	assert_string_equal(p.v[6].key, "");
	tb_params_release(&p);

	/* %00 keeps its NUL: the value length says so */
	assert_int_equal(tb_form_parse_urlencoded("a=x%00y", 7, &p), 0);
	assert_int_equal(p.v[0].value_len, 3);
	tb_params_release(&p);
}

static void test_limit(void **state)
{
	(void)state;
	size_t n = (TB_HTTP_MAX_PARAMS + 10) * 4;
	char *s = malloc(n + 1);
	size_t len = 0;
	for (int i = 0; i < TB_HTTP_MAX_PARAMS + 10; i++)
		len += (size_t)sprintf(s + len, "a=%d&", i % 10);
	tb_params p = { 0 };
	assert_int_equal(tb_form_parse_urlencoded(s, len, &p), -E2BIG);
	assert_int_equal(p.n, TB_HTTP_MAX_PARAMS);
	tb_params_release(&p);
	free(s);
}

static void test_multipart(void **state)
{
	(void)state;
	const char *body =
		"--XyZ\r\nContent-Disposition: form-data; name=\"tag\"\r\n\r\nloss\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"runs\"\r\n\r\na\r\nb\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n"
		"Content-Type: text/plain\r\n\r\n--X not a boundary\r\n"
		"--XyZ--\r\n";
	tb_params p = { 0 };
	assert_int_equal(tb_form_parse_multipart(body, strlen(body), "multipart/form-data; boundary=\"XyZ\"", &p), 0);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.v[0].key, "tag");
	assert_string_equal(p.v[0].value, "loss");
	assert_string_equal(p.v[1].value, "a\r\nb");
	assert_string_equal(p.v[2].key, "f");
	assert_string_equal(p.v[2].value, "--X not a boundary");
	tb_params_release(&p);
}

static void test_multipart_malformed(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"--XyZ",
		"--XyZ\r\nContent-Disposition: form-data; name=\"tag\"\r\n\r\nno end",
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\nx\r\n--XyZ--",
		"garbage before\r\n--XyZ junk",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		tb_params p = { 0 };
		assert_int_equal(tb_form_parse_multipart(bad[i], strlen(bad[i]),
							 "multipart/form-data; boundary=XyZ", &p), -EINVAL);
		tb_params_release(&p);
	}
	tb_params p = { 0 };
	assert_int_equal(tb_form_parse_multipart("x", 1, "multipart/form-data", &p), -EINVAL);
	assert_int_equal(tb_form_parse_multipart("x", 1, "multipart/form-data; boundary=", &p), -EINVAL);
	tb_params_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urlencoded),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_multipart_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
