/*
 * test_pyre.c - server/pyre.c against Python 3.11's re.
 *
 * The table was produced by Python itself (re.compile(p).match(s): 1 a
 * match, 0 none, -1 re.error), so each row is what TensorBoard's custom
 * scalars would answer. Then the constructs pyre declines (-ENOTSUP), the
 * size limits, and a pattern that backtracks exponentially in Python
 * running in linear time here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pyre.h"

static const struct {
	const char *pattern;
	size_t plen;
	const char *subject;
	size_t slen;
	int expect;
} cases[] = {
	{ "loss.*", 6, "loss", 4, 1 },
	{ "loss.*", 6, "val_loss", 8, 0 },
	{ "loss", 4, "loss/train", 10, 1 },
	{ "loss$", 5, "loss/train", 10, 0 },
	{ "loss$", 5, "loss", 4, 1 },
	{ "loss$", 5, "loss\012", 5, 1 },
	{ "loss\\Z", 6, "loss\012", 5, 0 },
	{ "(train|val)/acc", 15, "val/accuracy", 12, 1 },
	{ "(train|val)/acc", 15, "test/acc", 8, 0 },
	{ "a|b|c", 5, "c", 1, 1 },
	{ "a{2,3}b", 7, "aab", 3, 1 },
	{ "a{2,3}b", 7, "ab", 2, 0 },
	{ "a{2}", 4, "a", 1, 0 },
	{ "a{,2}b", 6, "b", 1, 1 },
	{ "a{}", 3, "a{}", 3, 1 },
	{ "a{x}", 4, "a{x}", 4, 1 },
	{ "a{1,}b", 6, "aaab", 4, 1 },
	{ "a{3,1}", 6, "", 0, -1 },
	{ "[a-c]+x", 7, "abcx", 4, 1 },
	{ "[^a-c]", 6, "d", 1, 1 },
	{ "[^a-c]", 6, "a", 1, 0 },
	{ "[]a]", 4, "]", 1, 1 },
	{ "[a-]", 4, "-", 1, 1 },
	{ "[\\d-z]", 6, "1", 1, -1 },
	{ "\\d+", 3, "123", 3, 1 },
	{ "\\d+", 3, "x", 1, 0 },
	{ "\\w+/\\w+", 7, "ab/c_d", 6, 1 },
	{ "\\s", 2, "\011", 1, 1 },
	{ "\\bfoo\\b", 7, "foo bar", 7, 1 },
	{ "\\Bfoo", 5, "foo", 3, 0 },
	{ "(\077i)LOSS", 8, "loss", 4, 1 },
	{ "(\077i:L)oss", 9, "loss", 4, 1 },
	{ "(\077i:L)OSS", 9, "loss", 4, 0 },
	{ "a(\077i)b", 6, "aB", 2, -1 },
	{ "(\077x) l o s s # comment", 22, "loss", 4, 1 },
	{ "(\077s).", 5, "\012", 1, 1 },
	{ ".", 1, "\012", 1, 0 },
	{ "(\077m)^b", 6, "a\012b", 3, 0 },
	{ "^b", 2, "a\012b", 3, 0 },
	{ "*a", 2, "", 0, -1 },
	{ "a**", 3, "", 0, -1 },
	{ "a*\077b", 4, "aab", 3, 1 },
	{ "(a", 2, "", 0, -1 },
	{ "a)", 2, "", 0, -1 },
	{ "[a", 2, "", 0, -1 },
	{ "\\q", 2, "", 0, -1 },
	{ "\\x41", 4, "A", 1, 1 },
	{ "\\x4", 3, "A", 1, -1 },
	{ "\\u00e9", 6, "\303\251", 2, 1 },
	{ "\303\251+", 3, "\303\251\303\251\303\251", 6, 1 },
	{ "\303\274.*", 4, "\303\274n\303\257/tag", 9, 1 },
	{ "(\077P<n>a)b", 9, "ab", 2, 1 },
	{ "(\077P<1n>a)b", 10, "ab", 2, -1 },
	{ "(\077#c)a", 6, "a", 1, 1 },
	{ "\\101", 4, "A", 1, 1 },
	{ "\\0", 2, "\000", 1, 1 },
	{ "[\\b]", 4, "\010", 1, 1 },
	{ "a|", 2, "x", 1, 1 },
	{ "|a", 2, "x", 1, 1 },
	{ "()", 2, "x", 1, 1 },
	{ "(\077:)*", 5, "x", 1, 1 },
	{ "(a*)*b", 6, "aaaaaaaaaaaac", 13, 0 },
	{ "^*", 2, "", 0, -1 },
	{ "\\b*", 3, "", 0, -1 },
	{ "(\077i)[A-Z]", 9, "q", 1, 1 },
	{ "[[:alpha:]]", 11, "a", 1, 0 },
	{ "\\.", 2, ".", 1, 1 },
	{ "\\.", 2, "x", 1, 0 },
	{ "a.c", 3, "a\303\251c", 4, 1 },
	{ "\\W", 2, "\303\251", 2, 0 },
	{ "\\w", 2, "\303\251", 2, 1 },
	{ "(\077L)a", 5, "a", 1, -1 },
	{ "(\077au)a", 6, "a", 1, -1 },
	{ "(\077-i)a", 6, "a", 1, -1 },
	{ "(\077-i:a)", 7, "a", 1, 1 },
	{ "a(\077#", 4, "a", 1, -1 },
	{ "(\077<n>a)", 7, "a", 1, -1 },
	{ "x{2}{3}", 7, "xxxxxx", 6, -1 },
};

static void test_python_table(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		tb_pyre *re;
		int rc = tb_pyre_compile(cases[i].pattern, cases[i].plen, &re);
		int got = rc == -EINVAL ? -1 : rc ? -100 + rc :
			  tb_pyre_match(re, cases[i].subject, cases[i].slen);
		if (got != cases[i].expect) {
			print_message("pattern %s on %s: got %d, Python says %d\n", cases[i].pattern,
				      cases[i].subject, got, cases[i].expect);
			bad++;
		}
		tb_pyre_free(re);
	}
	assert_int_equal(bad, 0);
}

static void test_unsupported(void **state)
{
	(void)state;
	static const char *const nope[] = { "(?=a)a", "(a)\\1", "(?<=a)b", "(?<!a)b", "a*+",
					    "(?>a)", "(?(1)a|b)", "\\N{DIGIT ONE}", "(?P=n)" };
	for (size_t i = 0; i < sizeof nope / sizeof *nope; i++) {
		tb_pyre *re;
		assert_int_equal(tb_pyre_compile(nope[i], strlen(nope[i]), &re), -ENOTSUP);
		assert_null(re);
	}
}

static void test_limits(void **state)
{
	(void)state;
	tb_pyre *re;
	assert_int_equal(tb_pyre_compile("(a{1000}){1000}", 15, &re), -E2BIG);
	char deep[2 * 300 + 2];
	memset(deep, '(', 300);
	memset(deep + 300, ')', 300);
	assert_int_equal(tb_pyre_compile(deep, 600, &re), -E2BIG);
}

/* Python needs 2^n steps for (a*)*b on a...ac; the Pike VM is linear. */
static void test_linear_time(void **state)
{
	(void)state;
	size_t n = 200000;
	char *s = malloc(n + 1);
	memset(s, 'a', n);
	s[n] = 'c';
	tb_pyre *re;
	assert_int_equal(tb_pyre_compile("(a*)*b", 6, &re), 0);
	clock_t t0 = clock();
	assert_false(tb_pyre_match(re, s, n + 1));
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_true(secs < 2.0);
	s[n] = 'b';
	assert_true(tb_pyre_match(re, s, n + 1));
	tb_pyre_free(re);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_table),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_linear_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
