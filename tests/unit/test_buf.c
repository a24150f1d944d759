/*
 * test_buf.c - the growable buffer (server/buf.c): growth keeps every byte
 * and the NUL terminator, printf of short and long output, detach hands the
 * data over and leaves an empty buffer, reset keeps capacity.
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

#include "buf.h"

static void test_init_empty(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.oom, 0);
	tb_buf c;
	memset(&c, 0xab, sizeof c);
	tb_buf_init(&c);
	assert_null(c.data);
	assert_int_equal(c.len, 0);
	assert_int_equal(c.cap, 0);
	assert_int_equal(c.oom, 0);
	/* appending nothing still gives a terminated string */
	tb_buf_append(&b, "", 0);
	assert_non_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	tb_buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void test_growth(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	/* one byte at a time across many doublings */
	for (size_t i = 0; i < 100000; i++) {
		tb_buf_putc(&b, (char)('a' + i % 26));
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[b.len], '\0');
	}
	assert_int_equal(b.len, 100000);
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] != (char)('a' + i % 26))
			fail_msg("byte %zu is %c", i, b.data[i]);
	/* a large append in one go */
	size_t big = 3 * 1024 * 1024 + 7;
	char *src = malloc(big);
	assert_non_null(src);
	for (size_t i = 0; i < big; i++)
		src[i] = (char)(i * 31 + 7);
	tb_buf_append(&b, src, big);
	assert_int_equal(b.len, 100000 + big);
	assert_memory_equal(b.data + 100000, src, big);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.oom, 0);
	free(src);
	tb_buf_release(&b);
}

static void test_grow_reserves(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	assert_int_equal(tb_buf_grow(&b, 1000), 0);
	assert_true(b.cap >= 1001); /* room for the terminator too */
	size_t cap = b.cap;
	char *data = b.data;
	tb_buf_append(&b, "0123456789", 10);
	for (int i = 0; i < 99; i++)
		tb_buf_append(&b, "0123456789", 10);
	assert_int_equal(b.len, 1000);
	assert_int_equal(b.cap, cap);     /* no regrowth inside the reservation */
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.data[1000], '\0');
	/* an impossible request fails, sets oom, and sticks */
	assert_int_equal(tb_buf_grow(&b, (size_t)-1 - 4), -ENOMEM);
	assert_int_equal(b.oom, 1);
	tb_buf_append(&b, "x", 1);
	assert_int_equal(b.len, 1000);
	assert_int_equal(tb_buf_grow(&b, 1), -ENOMEM);
	tb_buf_release(&b);
	assert_int_equal(b.oom, 0);
}

static void test_puts_and_binary(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	tb_buf_puts(&b, "hello");
	tb_buf_putc(&b, ' ');
	tb_buf_puts(&b, "world");
	assert_string_equal(b.data, "hello world");
	assert_int_equal(b.len, 11);
	/* embedded NUL bytes are data, counted in len */
	tb_buf_append(&b, "a\0b", 3);
	assert_int_equal(b.len, 14);
	assert_memory_equal(b.data + 11, "a\0b", 4);
	tb_buf_release(&b);
}

static void test_printf(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	tb_buf_printf(&b, "%d-%s-%.3f", 42, "x", 1.5);
	assert_string_equal(b.data, "42-x-1.500");
	assert_int_equal(b.len, strlen("42-x-1.500"));
	tb_buf_printf(&b, "%s", "");
	assert_int_equal(b.len, strlen("42-x-1.500"));
	/* output longer than any internal scratch: exactly 10,000 chars */
	char *longs = malloc(10001);
	assert_non_null(longs);
	for (int i = 0; i < 10000; i++)
		longs[i] = (char)('A' + i % 26);
	longs[10000] = '\0';
	tb_buf_printf(&b, "[%s]", longs);
	assert_int_equal(b.len, 10 + 10002);
	assert_memory_equal(b.data + 10, "[", 1);
	assert_memory_equal(b.data + 11, longs, 10000);
	assert_string_equal(b.data + 10011, "]");
	/* output of exactly 255, 256 and 257 bytes, around scratch sizes */
	for (int n = 250; n < 270; n++) {
		tb_buf c = TB_BUF_INIT;
		tb_buf_puts(&c, "pre:");
		tb_buf_printf(&c, "%.*s|%d", n, longs, n);
		char want[400];
		snprintf(want, sizeof want, "pre:%.*s|%d", n, longs, n);
		assert_string_equal(c.data, want);
		assert_int_equal(c.len, strlen(want));
		tb_buf_release(&c);
	}
	free(longs);
	tb_buf_release(&b);
}

static void test_detach(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	tb_buf_puts(&b, "owned by the caller");
	size_t len = 0;
	char *p = tb_buf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, strlen("owned by the caller"));
	assert_string_equal(p, "owned by the caller");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	/* the buffer is reusable and independent of the detached data */
	tb_buf_puts(&b, "again");
	assert_string_equal(b.data, "again");
	assert_string_equal(p, "owned by the caller");
	free(p);
	p = tb_buf_detach(&b, NULL);
	assert_string_equal(p, "again");
	free(p);
	/* detaching an empty buffer */
	p = tb_buf_detach(&b, &len);
	assert_null(p);
	assert_int_equal(len, 0);
	tb_buf_release(&b);
}

static void test_reset(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	tb_buf_reset(&b); /* on an empty buffer: harmless */
	assert_int_equal(b.len, 0);
	for (int i = 0; i < 1000; i++)
		tb_buf_puts(&b, "abcdefgh");
	size_t cap = b.cap;
	char *data = b.data;
	tb_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_ptr_equal(b.data, data);
	assert_string_equal(b.data, "");
	tb_buf_puts(&b, "xy");
	assert_string_equal(b.data, "xy");
	assert_int_equal(b.len, 2);
	assert_int_equal(b.cap, cap);
	tb_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_grow_reserves),
		cmocka_unit_test(test_puts_and_binary),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
