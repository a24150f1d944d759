/*
 * test_logdir.c - finding runs and event files (server/logdir.c, reference
 * §1.1-1.3) in a temporary directory tree: nested runs, names that contain
 * "tfevents", directories named like event files, symlinked directories and
 * files, symlink loops, dangling links, sort order, depth limit, errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "logdir.h"
#include "tblimits.h"

/* ---- temp tree ---------------------------------------------------------------- */

static char root[64];

static const char *at(const char *rel)
{
	static char bufs[4][4096];
	static int k;
	char *b = bufs[k++ & 3];
	snprintf(b, sizeof bufs[0], "%s/%s", root, rel);
	return b;
}

static void mkdir_rel(const char *rel)
{
	assert_int_equal(mkdir(at(rel), 0755), 0);
}

static void touch_rel(const char *rel)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void symlink_rel(const char *target, const char *rel)
{
	assert_int_equal(symlink(target, at(rel)), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
	assert_int_equal(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	struct stat st;
	assert_int_equal(lstat(path, &st), -1);
}

static int setup_root(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/tbserve-test-logdir-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown_root(void **state)
{
	(void)state;
	rm_tree(root);
	return 0;
}

/* ---- walk recorder --------------------------------------------------------------- */

struct seen {
	char text[16384];   /* "run|dir|f1,f2\n" per call */
	size_t len;
	int calls;
	int stop_after;     /* return 7 after this many calls (0 = never) */
};

static int record_run(void *ctx, const char *run, const char *dir, char *const *files, size_t n)
{
	struct seen *s = ctx;
	s->calls++;
	size_t rl = strlen(root);
	/* dir relative to the root, to keep expectations short */
	const char *rel = !strncmp(dir, root, rl) ? dir + rl : dir;
	s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len, "%s|%s|", run,
				   *rel ? rel : "<root>");
	for (size_t i = 0; i < n; i++)
		s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len, "%s%s",
					   i ? "," : "", files[i]);
	s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len, "\n");
	assert_true(s->len < sizeof s->text - 1);
	return s->stop_after && s->calls >= s->stop_after ? 7 : 0;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_is_event_file(void **state)
{
	(void)state;
	assert_true(tb_logdir_is_event_file("events.out.tfevents.1700000000.host.1234.0.v2"));
	assert_true(tb_logdir_is_event_file("foo.tfevents"));
	assert_true(tb_logdir_is_event_file("tfevents"));
	assert_true(tb_logdir_is_event_file("xtfeventsx"));
	assert_true(tb_logdir_is_event_file("x.tfevents.dir"));
	assert_false(tb_logdir_is_event_file("tfevent"));
	assert_false(tb_logdir_is_event_file("TFEVENTS"));
	assert_false(tb_logdir_is_event_file("events.out"));
	assert_false(tb_logdir_is_event_file(""));
}

static void test_walk_tree(void **state)
{
	(void)state;
	/* the root itself is a run, files in byte order */
	touch_rel("events.out.tfevents.1");
	touch_rel("a.tfevents");
	touch_rel("Z.tfevents");
	touch_rel("tfevents");
	touch_rel("notes.txt");
	touch_rel("events.out");
	symlink_rel("/nonexistent/tbserve/target", "dangling.tfevents");
	/* nested runs */
	mkdir_rel("a");
	touch_rel("a/events.out.tfevents.200");
	touch_rel("a/events.out.tfevents.100");
	touch_rel("a/readme.md");
	mkdir_rel("a/b");
	touch_rel("a/b/foo.tfevents");
	/* a directory named like an event file is not one; its contents count */
	mkdir_rel("d");
	mkdir_rel("d/x.tfevents.dir");
	touch_rel("d/x.tfevents.dir/plain.txt");
	mkdir_rel("e");
	mkdir_rel("e/y.tfevents.dir");
	touch_rel("e/y.tfevents.dir/inner.tfevents");
	touch_rel("e/z.tfevents");
	/* a symlinked file counts; a symlinked directory is followed under
	 * its link name, unless the directory it names is walked already
	 * (as a is, under its real name, though "a" < "link" is no accident:
	 * real directories are walked first whatever their names) */
	mkdir_rel("f");
	symlink_rel("../a/events.out.tfevents.100", "f/linked.tfevents");
	symlink_rel("a", "link");
	symlink_rel("zz", "alias");
	mkdir_rel("zz");
	touch_rel("zz/z.tfevents");

	/* a link back to an ancestor is not followed: no endless walk */
	mkdir_rel("loopdir");
	touch_rel("loopdir/w.tfevents");
	symlink_rel("..", "loopdir/loop");
	symlink_rel(".", "loopdir/self");
	/* hidden and empty directories */
	mkdir_rel(".hidden");
	touch_rel(".hidden/h.tfevents");
	mkdir_rel("empty");

	struct seen s;
	memset(&s, 0, sizeof s);
	assert_int_equal(tb_logdir_walk(root, record_run, &s), 0);
	const char *want =
		".|<root>|Z.tfevents,a.tfevents,events.out.tfevents.1,tfevents\n"
		".hidden|/.hidden|h.tfevents\n"
		"a|/a|events.out.tfevents.100,events.out.tfevents.200\n"
		"a/b|/a/b|foo.tfevents\n"
		"e|/e|z.tfevents\n"
		"e/y.tfevents.dir|/e/y.tfevents.dir|inner.tfevents\n"
		"f|/f|linked.tfevents\n"
		"loopdir|/loopdir|w.tfevents\n"
		"zz|/zz|z.tfevents\n";
	if (strcmp(s.text, want))
		fail_msg("walk gave:\n%s\nwant:\n%s", s.text, want);

	/* a non-zero callback value stops the walk and is returned */
	memset(&s, 0, sizeof s);
	s.stop_after = 3;
	assert_int_equal(tb_logdir_walk(root, record_run, &s), 7);
	assert_int_equal(s.calls, 3);

	/* walking a subdirectory: run names are relative to it */
	memset(&s, 0, sizeof s);
	assert_int_equal(tb_logdir_walk(at("a"), record_run, &s), 0);
	const char *want_a =
		".|/a|events.out.tfevents.100,events.out.tfevents.200\n"
		"b|/a/b|foo.tfevents\n";
	if (strcmp(s.text, want_a))
		fail_msg("walk of a gave:\n%s\nwant:\n%s", s.text, want_a);

	/* the root given through a symlink */
	memset(&s, 0, sizeof s);
	assert_int_equal(tb_logdir_walk(at("link/b"), record_run, &s), 0);
	assert_int_equal(s.calls, 1);
	assert_true(!strncmp(s.text, ".|", 2));
}

static void test_loop_to_root_from_deep(void **state)
{
	(void)state;
	/* x/y/z/up -> ../../.. (the root) and x/y/z/mid -> .. (x/y) */
	mkdir_rel("x");
	mkdir_rel("x/y");
	mkdir_rel("x/y/z");
	touch_rel("x/y/z/t.tfevents");
	symlink_rel("../../..", "x/y/z/up");
	symlink_rel("..", "x/y/z/mid");
	/* two sibling links to each other's parents: still finite */
	mkdir_rel("p");
	mkdir_rel("q");
	symlink_rel("../q", "p/toq");
	symlink_rel("../p", "q/top");
	touch_rel("q/q.tfevents");
	struct seen s;
	memset(&s, 0, sizeof s);
	assert_int_equal(tb_logdir_walk(root, record_run, &s), 0);
	const char *want =
		"q|/q|q.tfevents\n"
		"x/y/z|/x/y/z|t.tfevents\n";
	if (strcmp(s.text, want))
		fail_msg("walk gave:\n%s\nwant:\n%s", s.text, want);
}

static void test_symlink_fanout(void **state)
{
	(void)state;
	/* each level holds an event file, its real child d and two links a, b
	 * to d: 2^14 paths reach the deepest level, 14 directories are real */
	char rel[4096] = "";
	for (int level = 0; level < 14; level++) {
		char p[4200];
		snprintf(p, sizeof p, "%s%sd", rel, level ? "/" : "");
		mkdir_rel(p);
		snprintf(p, sizeof p, "%s%sa", rel, level ? "/" : "");
		symlink_rel("d", p);
		snprintf(p, sizeof p, "%s%sb", rel, level ? "/" : "");
		symlink_rel("d", p);
		snprintf(p, sizeof p, "%s%sx.tfevents", rel, level ? "/" : "");
		touch_rel(p);
		strcat(rel, level ? "/d" : "d");
	}
	struct seen s;
	memset(&s, 0, sizeof s);
	assert_int_equal(tb_logdir_walk(root, record_run, &s), 0);
	assert_int_equal(s.calls, 14);
	assert_non_null(strstr(s.text, "d/d/d/d/d/d/d/d/d/d/d/d/d|"));
	assert_null(strstr(s.text, "a|"));
}

static void test_depth_limit(void **state)
{
	(void)state;
	/* a chain of TB_MAX_WALK_DEPTH + 3 directories, an event file in each */
	char rel[4096] = "";
	size_t len = 0;
	for (int d = 1; d <= TB_MAX_WALK_DEPTH + 3; d++) {
		len += (size_t)snprintf(rel + len, sizeof rel - len, "%sn", d > 1 ? "/" : "");
		mkdir_rel(rel);
		char f[4200];
		snprintf(f, sizeof f, "%s/e.tfevents", rel);
		touch_rel(f);
	}
	struct seen s;
	memset(&s, 0, sizeof s);
	assert_int_equal(tb_logdir_walk(root, record_run, &s), 0);
	/* the directories up to the limit are runs; deeper ones are not walked */
	assert_int_equal(s.calls, TB_MAX_WALK_DEPTH);
}

static void test_errors(void **state)
{
	(void)state;
	struct seen s;
	memset(&s, 0, sizeof s);
	assert_int_equal(tb_logdir_walk(at("missing"), record_run, &s), -ENOENT);
	touch_rel("plainfile");
	assert_int_equal(tb_logdir_walk(at("plainfile"), record_run, &s), -ENOTDIR);
	touch_rel("x.tfevents");
	assert_int_equal(tb_logdir_walk(at("x.tfevents"), record_run, &s), -ENOTDIR);
	symlink_rel("/nonexistent/tbserve", "dangling");
	assert_int_equal(tb_logdir_walk(at("dangling"), record_run, &s), -ENOENT);
	assert_int_equal(s.calls, 0);
	/* an empty directory: no runs, no error */
	mkdir_rel("empty");
	assert_int_equal(tb_logdir_walk(at("empty"), record_run, &s), 0);
	assert_int_equal(s.calls, 0);
}

int main(void)
{
	tb_log_level = TB_LOG_ERROR;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_event_file),
		cmocka_unit_test_setup_teardown(test_walk_tree, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_loop_to_root_from_deep, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_symlink_fanout, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_errors, setup_root, teardown_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
