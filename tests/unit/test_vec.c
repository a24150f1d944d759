/*
 * test_vec.c - the growable array (server/vec.h): pushes keep every element
 * through growth, grow reserves room, huge requests fail without touching
 * the array, and tb_array_grow works on separate fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vec.h"

static void test_push_and_grow(void **state)
{
	(void)state;
	TB_VEC(int) v = { 0 };
	int growths = 0;
	for (int i = 0; i < 1000; i++) {
		size_t cap0 = v.cap;
		assert_int_equal(tb_vec_push(&v, i * 3), 0);
		growths += v.cap != cap0;
	}
	assert_true(growths <= 10);   /* doubling: amortised O(1) pushes */
	assert_int_equal(v.n, 1000);
	assert_true(v.cap >= 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v.v[i], i * 3);
	int *before = v.v;
	size_t cap = v.cap;
	assert_int_equal(tb_vec_grow(&v, cap - v.n), 0);   /* fits: no move */
	assert_ptr_equal(v.v, before);
	assert_int_equal(tb_vec_grow(&v, SIZE_MAX / 2), -ENOMEM);
	assert_ptr_equal(v.v, before);
	assert_int_equal(v.cap, cap);
	assert_int_equal(tb_vec_grow(&v, 5000), 0);
	assert_true(v.cap >= v.n + 5000);
	assert_int_equal(v.v[999], 2997);
	tb_vec_release(&v);
	assert_null(v.v);
	assert_int_equal(v.n + v.cap, 0);
}

static void test_array_grow(void **state)
{
	(void)state;
	char **arr = NULL;
	size_t n = 0, cap = 0;
	static char x[100];
	for (int i = 0; i < 100; i++) {
		assert_int_equal(tb_array_grow(arr, cap, n), 0);
		assert_true(cap > n);
		arr[n++] = &x[i];
	}
	for (int i = 0; i < 100; i++)
		assert_ptr_equal(arr[i], &x[i]);
	free(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_and_grow),
		cmocka_unit_test(test_array_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
