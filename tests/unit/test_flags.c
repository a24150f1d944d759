/*
 * test_flags.c - the command line (server/flags.c) against TensorBoard's
 * flags (reference §5; core_plugin.py define_flags / fix_flags): defaults,
 * both value syntaxes, unambiguous prefixes, value checks (exit 2),
 * cross-flag rules (exit 1), derived purge rule and samples, ~ expansion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"

/* Parse a NULL-terminated argument list (argv[0] added). */
static int parse_v(tb_flags *f, char *err, const char *const *args)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)"tbserve";
	while (*args) {
		assert_true(argc < 63);
		argv[argc++] = (char *)*args++;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	return tb_flags_parse(f, argc, argv, err, 512);
}

#define PARSE(f, err, ...) parse_v((f), (err), (const char *const[]){ __VA_ARGS__, NULL })

/* Expect exit code rc for the arguments; the flags are released. */
#define EXPECT_RC(rc, ...)                                                          \
	do {                                                                        \
		tb_flags f_;                                                        \
		char e_[512];                                                       \
		int r_ = tb_flags_exit_code(PARSE(&f_, e_, __VA_ARGS__));           \
		tb_flags_release(&f_);                                              \
		if (r_ != (rc))                                                     \
			fail_msg("%s: rc %d (%s), want %d", #__VA_ARGS__, r_, e_, (rc)); \
		if (r_)                                                             \
			assert_true(e_[0] != '\0');                                 \
	} while (0)

static void test_defaults(void **state)
{
	(void)state;
	tb_flags f;
	char err[512];
	assert_int_equal(PARSE(&f, err, "--logdir", "runs"), 0);
	assert_int_equal(f.cmd, TB_CMD_SERVE);
	assert_string_equal(f.logdir, "runs");
	assert_string_equal(f.logdir_path, "runs");
	assert_string_equal(f.logdir_spec, "");
	assert_string_equal(f.host, "localhost");
	assert_false(f.bind_all);
	assert_int_equal(f.port, 6006);
	assert_false(f.port_given);
	assert_string_equal(f.path_prefix, "");
	assert_string_equal(f.window_title, "");
	assert_int_equal(f.load_fast, -1);
	assert_true(f.purge_orphaned_data);
	assert_true(f.reload_interval == 5.0);
	assert_string_equal(f.watch, "auto");
	assert_string_equal(f.format, "jsonl");
	assert_int_equal(f.threads, 0);
	assert_int_equal(f.store.rule, TB_PURGE_STEP);
	assert_int_equal(f.store.n_samples, 0);
	tb_flags_release(&f);
}

static void test_syntax(void **state)
{
	(void)state;
	tb_flags f;
	char err[512];
	/* --flag=value, --flag value, subcommands, the last repeat wins */
	assert_int_equal(PARSE(&f, err, "serve", "--logdir=a=b", "--port", "7000", "--port=7001",
			       "--window_title", "My runs", "--host=0.0.0.0"), 0);
	assert_int_equal(f.cmd, TB_CMD_SERVE);
	assert_string_equal(f.logdir, "a=b");
	assert_int_equal(f.port, 7001);
	assert_true(f.port_given);
	assert_string_equal(f.window_title, "My runs");
	assert_string_equal(f.host, "0.0.0.0");
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "export", "--logdir", "x", "--format", "csv", "--run", "r",
			       "--tag", "t"), 0);
	assert_int_equal(f.cmd, TB_CMD_EXPORT);
	assert_string_equal(f.format, "csv");
	assert_string_equal(f.run, "r");
	assert_string_equal(f.tag, "t");
	tb_flags_release(&f);
	/* an empty value with = */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--window_title="), 0);
	assert_string_equal(f.window_title, "");
	tb_flags_release(&f);

	EXPECT_RC(2, "--logdir", "x", "positional");
	EXPECT_RC(2, "--logdir", "x", "-p", "7000");
	EXPECT_RC(2, "--logdir", "x", "--");
	EXPECT_RC(2, "--logdir");                       /* value missing */
	EXPECT_RC(2, "--logdir", "x", "--no_such_flag", "1");
	EXPECT_RC(2, "--logdir", "x", "--bind_all=true");  /* a switch takes no value */
	EXPECT_RC(2, "--logdir", "x", "--inspect=1");
	EXPECT_RC(2, "--logdir", "x", "--db_import=1");
}

static void test_prefixes(void **state)
{
	(void)state;
	tb_flags f;
	char err[512];
	/* unambiguous prefixes, as argparse allows */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--por=7000", "--bind", "--path_p", "/p",
			       "--samples", "images=3"), 0);
	assert_int_equal(f.port, 7000);
	assert_true(f.bind_all);
	assert_string_equal(f.host, "::");
	assert_string_equal(f.path_prefix, "/p");
	assert_int_equal(f.store.n_samples, 1);
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--version"), 0);
	assert_int_equal(f.cmd, TB_CMD_VERSION);
	tb_flags_release(&f);
	/* '-' in a flag name stands for '_': --static-dir is --static_dir */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--static-dir", "/s", "--path-prefix", "/q",
			       "--reload-interval", "2"), 0);
	assert_string_equal(f.path_prefix, "/q");
	assert_string_equal(f.static_dir, "/s");
	tb_flags_release(&f);
	/* an exact name wins over a longer flag it prefixes */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--reload_multifile", "true"), 0);
	tb_flags_release(&f);
	/* ambiguous prefixes are usage errors */
	EXPECT_RC(2, "--log", "x");
	EXPECT_RC(2, "--logd", "x");
	EXPECT_RC(2, "--logdir", "x", "--p", "1");
	EXPECT_RC(2, "--logdir", "x", "--reload", "1");
	{
		tb_flags g;
		char e[512];
		assert_int_equal(PARSE(&g, e, "--logdir", "x", "--reload", "1"), -EINVAL);
		assert_non_null(strstr(e, "ambiguous"));
		tb_flags_release(&g);
		assert_int_equal(PARSE(&g, e, "--logdir", "x", "--nope"), -EINVAL);
		assert_non_null(strstr(e, "unknown"));
		tb_flags_release(&g);
	}
}

static void test_values(void **state)
{
	(void)state;
	tb_flags f;
	char err[512];
	/* port */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--port", "0"), 0);
	assert_int_equal(f.port, 0);
	assert_true(f.port_given);
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--port", "65535"), 0);
	assert_int_equal(f.port, 65535);
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--port", "7000", "--port", "default"), 0);
	assert_int_equal(f.port, 6006);
	assert_false(f.port_given);
	tb_flags_release(&f);
	EXPECT_RC(2, "--logdir", "x", "--port", "65536");
	EXPECT_RC(2, "--logdir", "x", "--port", "-1");
	EXPECT_RC(2, "--logdir", "x", "--port", "80a");
	EXPECT_RC(2, "--logdir", "x", "--port", "");

	/* booleans are true/false in any case */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--purge_orphaned_data", "False"), 0);
	assert_false(f.purge_orphaned_data);
	assert_int_equal(f.store.rule, TB_PURGE_NONE);
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--purge_orphaned_data=TRUE"), 0);
	assert_true(f.purge_orphaned_data);
	tb_flags_release(&f);
	EXPECT_RC(2, "--logdir", "x", "--purge_orphaned_data", "maybe");

	/* load_fast selects the purge rule */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--load_fast", "false"), 0);
	assert_int_equal(f.load_fast, 0);
	assert_int_equal(f.store.rule, TB_PURGE_SESSION);
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--load_fast=true"), 0);
	assert_int_equal(f.load_fast, 1);
	assert_int_equal(f.store.rule, TB_PURGE_STEP);
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--load_fast=auto"), 0);
	assert_int_equal(f.load_fast, -1);
	tb_flags_release(&f);
	/* purging off wins over load_fast=false */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--load_fast=false",
			       "--purge_orphaned_data=false"), 0);
	assert_int_equal(f.store.rule, TB_PURGE_NONE);
	tb_flags_release(&f);
	EXPECT_RC(2, "--logdir", "x", "--load_fast", "fast");

	/* reload_interval: non-negative seconds */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--reload_interval", "0"), 0);
	assert_true(f.reload_interval == 0.0);
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--reload_interval=2.5"), 0);
	assert_true(f.reload_interval == 2.5);
	tb_flags_release(&f);
	EXPECT_RC(2, "--logdir", "x", "--reload_interval", "-1");
	EXPECT_RC(2, "--logdir", "x", "--reload_interval", "nan");
	EXPECT_RC(2, "--logdir", "x", "--reload_interval", "soon");
	EXPECT_RC(2, "--logdir", "x", "--reload_interval", "");

	/* tbserve's own */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--threads", "64", "--watch", "poll",
			       "--static_dir", "/s"), 0);
	assert_int_equal(f.threads, 64);
	assert_string_equal(f.watch, "poll");
	assert_string_equal(f.static_dir, "/s");
	tb_flags_release(&f);
	EXPECT_RC(2, "--logdir", "x", "--threads", "65");
	EXPECT_RC(2, "--logdir", "x", "--threads", "-1");
	EXPECT_RC(2, "--logdir", "x", "--watch", "fsevents");
	EXPECT_RC(2, "export", "--logdir", "x", "--format", "xml");

	/* TensorBoard flags accepted and ignored */
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--reload_multifile", "true",
			       "--max_reload_threads", "4", "--db_import", "--verbosity", "0",
			       "--detect_file_replacement=false", "--reuse_port", "true"), 0);
	tb_flags_release(&f);
}

static void test_samples(void **state)
{
	(void)state;
	tb_store_opts o;
	memset(&o, 0, sizeof o);
	assert_int_equal(tb_flags_parse_samples("images=10,scalars=0", &o), 0);
	assert_int_equal(o.n_samples, 2);
	assert_string_equal(o.samples[0].plugin, "images");
	assert_int_equal(o.samples[0].keep, 10);
	assert_string_equal(o.samples[1].plugin, "scalars");
	assert_int_equal(o.samples[1].keep, 0);
	assert_int_equal(tb_flags_parse_samples("", &o), 0);
	assert_int_equal(o.n_samples, 0);
	/* empty tokens are skipped, as in TensorBoard's parser */
	assert_int_equal(tb_flags_parse_samples(",,text=5,,", &o), 0);
	assert_int_equal(o.n_samples, 1);
	assert_string_equal(o.samples[0].plugin, "text");
	assert_int_equal(o.samples[0].keep, 5);
	assert_int_equal(tb_flags_parse_samples("histograms=18446744073", &o), 0);
	assert_int_equal(o.samples[0].keep, 18446744073ull);
	/* not plugin=integer */
	assert_int_equal(tb_flags_parse_samples("images", &o), -EINVAL);
	assert_int_equal(tb_flags_parse_samples("images=", &o), -EINVAL);
	assert_int_equal(tb_flags_parse_samples("=5", &o), -EINVAL);
	assert_int_equal(tb_flags_parse_samples("images=ten", &o), -EINVAL);
	assert_int_equal(tb_flags_parse_samples("images=1.5", &o), -EINVAL);
	assert_int_equal(tb_flags_parse_samples("images=-1", &o), -EINVAL);
	assert_int_equal(tb_flags_parse_samples("images=99999999999999999999999", &o), -EINVAL);
	/* a plugin name longer than the table holds */
	char longname[200];
	memset(longname, 'p', 100);
	snprintf(longname + 100, sizeof longname - 100, "=1");
	assert_int_equal(tb_flags_parse_samples(longname, &o), -EINVAL);
	/* more rules than the table holds */
	char many[2048];
	size_t len = 0;
	for (int i = 0; i <= TB_MAX_SAMPLE_RULES; i++)
		len += (size_t)snprintf(many + len, sizeof many - len, "p%d=%d,", i, i);
	assert_int_equal(tb_flags_parse_samples(many, &o), -EINVAL);

	/* through the command line; a bad list is a usage error */
	tb_flags f;
	char err[512];
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--samples_per_plugin", "images=1"), 0);
	assert_string_equal(f.samples_per_plugin, "images=1");
	assert_int_equal(f.store.n_samples, 1);
	assert_int_equal(f.store.samples[0].keep, 1);
	tb_flags_release(&f);
	EXPECT_RC(2, "--logdir", "x", "--samples_per_plugin", "images:1");
}

/* TensorBoard strips each token: "images=10, scalars=5" sets scalars. */
static void test_samples_whitespace(void **state)
{
	(void)state;
	tb_store_opts o;
	memset(&o, 0, sizeof o);
	assert_int_equal(tb_flags_parse_samples("images=10, scalars=5", &o), 0);
	assert_int_equal(o.n_samples, 2);
	assert_string_equal(o.samples[1].plugin, "scalars");
	assert_int_equal(o.samples[1].keep, 5);
}

/* A plugin named twice: TensorBoard builds a dict, so the last value wins. */
static void test_samples_repeated_plugin(void **state)
{
	(void)state;
	tb_flags f;
	char err[512];
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--samples_per_plugin",
			       "scalars=5,scalars=7"), 0);
	tb_store s;
	tb_store_init(&s, &f.store);
	tb_run *r = tb_store_add_run(&s, "r");
	tb_series_meta m = { "scalars", TB_CLASS_SCALAR, "", "", NULL, 0 };
	tb_series *se = tb_run_create(&s, r, "t", 1, TB_KIND_SCALAR, &m);
	assert_non_null(se);
	uint64_t keep = se->keep;
	tb_store_release(&s);
	tb_flags_release(&f);
	if (keep != 7)
		fail_msg("scalars=5,scalars=7 keeps %llu points, want 7", (unsigned long long)keep);
}

static void test_consistency(void **state)
{
	(void)state;
	tb_flags f;
	char err[512];
	/* a logdir is required (unless asking for help or the version) */
	EXPECT_RC(1, "--port", "7000");
	EXPECT_RC(1, "serve");
	assert_int_equal(PARSE(&f, err, "--help"), 0);
	assert_int_equal(f.cmd, TB_CMD_HELP);
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--version_tb"), 0);
	assert_int_equal(f.cmd, TB_CMD_VERSION);
	tb_flags_release(&f);
	/* logdir_spec instead of logdir; not both */
	assert_int_equal(PARSE(&f, err, "--logdir_spec", "a:/x,b:/y"), 0);
	assert_string_equal(f.logdir_spec, "a:/x,b:/y");
	tb_flags_release(&f);
	EXPECT_RC(1, "--logdir", "x", "--logdir_spec", "a:/x");
	/* host and bind_all */
	EXPECT_RC(1, "--logdir", "x", "--host", "::1", "--bind_all");
	/* path prefix: must start with '/', trailing '/' stripped */
	EXPECT_RC(1, "--logdir", "x", "--path_prefix", "tb");
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--path_prefix", "/tb//"), 0);
	assert_string_equal(f.path_prefix, "/tb");
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--path_prefix", "/"), 0);
	assert_string_equal(f.path_prefix, "");
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--path_prefix", "/a/b"), 0);
	assert_string_equal(f.path_prefix, "/a/b");
	tb_flags_release(&f);
}

static void test_inspect(void **state)
{
	(void)state;
	tb_flags f;
	char err[512];
	assert_int_equal(PARSE(&f, err, "--logdir", "x", "--inspect", "--tag", "loss"), 0);
	assert_int_equal(f.cmd, TB_CMD_INSPECT);
	assert_string_equal(f.tag, "loss");
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--inspect", "--event_file", "/e/events.out.tfevents.1"), 0);
	assert_int_equal(f.cmd, TB_CMD_INSPECT);
	assert_string_equal(f.event_file, "/e/events.out.tfevents.1");
	tb_flags_release(&f);
	/* exactly one of --logdir and --event_file */
	EXPECT_RC(1, "--inspect", "--event_file", "e", "--logdir", "x");
	EXPECT_RC(1, "--inspect");
	/* --inspect does not turn export into inspect */
	assert_int_equal(PARSE(&f, err, "export", "--logdir", "x", "--inspect"), 0);
	assert_int_equal(f.cmd, TB_CMD_EXPORT);
	tb_flags_release(&f);
}

/* fix_flags: "--logdir_spec is not supported with --inspect." */
static void test_inspect_logdir_spec(void **state)
{
	(void)state;
	EXPECT_RC(1, "--inspect", "--logdir_spec", "a:/x");
	EXPECT_RC(1, "--inspect", "--logdir_spec", "a:/x", "--event_file", "e");
}

static void test_home_expansion(void **state)
{
	(void)state;
	const char *old = getenv("HOME");
	char *saved = old ? strdup(old) : NULL;
	setenv("HOME", "/home/u", 1);
	tb_flags f;
	char err[512];
	assert_int_equal(PARSE(&f, err, "--logdir", "~/runs"), 0);
	assert_string_equal(f.logdir, "~/runs");       /* reported as given */
	assert_string_equal(f.logdir_path, "/home/u/runs");
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "~"), 0);
	assert_string_equal(f.logdir_path, "/home/u");
	tb_flags_release(&f);
	/* only a leading ~ or ~/ is the home directory */
	assert_int_equal(PARSE(&f, err, "--logdir", "~other/runs"), 0);
	assert_string_equal(f.logdir_path, "~other/runs");
	tb_flags_release(&f);
	assert_int_equal(PARSE(&f, err, "--logdir", "runs/~"), 0);
	assert_string_equal(f.logdir_path, "runs/~");
	tb_flags_release(&f);
	if (saved) {
		setenv("HOME", saved, 1);
		free(saved);
	} else {
		unsetenv("HOME");
	}
}

static void test_usage(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	tb_flags_usage(out);
	fclose(out);
	assert_non_null(strstr(text, "--logdir"));
	assert_non_null(strstr(text, "--samples_per_plugin"));
	assert_non_null(strstr(text, "--path_prefix"));
	/* ignored TensorBoard flags are not advertised */
	assert_null(strstr(text, "--db_import"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_samples_whitespace),
		cmocka_unit_test(test_samples_repeated_plugin),
		cmocka_unit_test(test_consistency),
		cmocka_unit_test(test_inspect),
		cmocka_unit_test(test_inspect_logdir_spec),
		cmocka_unit_test(test_home_expansion),
		cmocka_unit_test(test_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
