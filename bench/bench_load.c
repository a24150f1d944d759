/*
 * bench_load.c - cold-load throughput and memory of the real loader.
 *
 * Loads a logdir exactly as tb_app_load() does (tb_loader_scan,
 * tb_loader_read, tb_store_compact, malloc_trim) and times scan + read with
 * CLOCK_MONOTONIC. "Cold" means a fresh store, not an empty page cache: the
 * files are read once first so every timed pass reads from memory, which is
 * what the target (>= 1 GB/s per core) is about.
 *
 * To show where the time goes it also times passes that do less than a
 * load: read() alone, read() + one CRC32C over each chunk, and TFRecord
 * framing through tb_record_next() with and without the payload CRC (no
 * decoding, no store). Every configuration runs --reps times after one
 * untimed warm-up; best and median are reported.
 *
 * It measures, it does not judge: targets live in docs/PERFORMANCE.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "loader.h"
#include "log.h"
#include "record.h"
#include "store.h"

#define READ_CHUNK (4u << 20) /* as TB_READ_CHUNK */
#define MAX_REPS 100
#define MAX_THREAD_COUNTS 8

typedef struct file_list {
	char **paths;
	size_t n;
	uint64_t bytes;
} file_list;

/* One timed pass. Memory fields are filled by full loads only. */
typedef struct sample {
	double sec;
	double cpu;                   /* CPU seconds of the process, all threads */
	uint64_t bytes, records;
	long rss_before, rss_after;   /* kB */
	uint64_t scalar_points, hist_points;
	uint64_t scalar_bytes, hist_bytes; /* tb_series_bytes() sums */
	double compact_sec;
} sample;

typedef struct bench {
	const char *logdir;
	file_list files;
	int reps;
	int threads[MAX_THREAD_COUNTS];
	int n_threads;
	int with_nocrc;
	int fork_loads;  /* each load in a fresh child process */
	unsigned passes; /* PASS_* bits */
} bench;

enum { PASS_READ = 1, PASS_FRAME = 2, PASS_LOAD = 4 };

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6)) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return kb;
}

/* ---- the files, found by the loader's own scan ----------------------------- */

static int list_files(const char *logdir, file_list *fl)
{
	tb_store s;
	tb_store_opts o;
	tb_loader l;
	memset(&o, 0, sizeof o);
	tb_store_init(&s, &o);
	int rc = tb_loader_init(&l, &s, logdir, NULL);
	if (!rc)
		rc = tb_loader_scan(&l);
	memset(fl, 0, sizeof *fl);
	for (size_t i = 0; !rc && i < l.n_runs; i++) {
		for (size_t k = 0; !rc && k < l.runs[i]->n_files; k++) {
			char **p = realloc(fl->paths, (fl->n + 1) * sizeof *p);
			struct stat st;
			if (!p || !(p[fl->n] = strdup(l.runs[i]->files[k]->path))) {
				rc = -ENOMEM;
				if (p)
					fl->paths = p;
				break;
			}
			fl->paths = p;
			if (stat(p[fl->n], &st) == 0)
				fl->bytes += (uint64_t)st.st_size;
			fl->n++;
		}
	}
	tb_loader_release(&l);
	tb_store_release(&s);
	return rc ? rc : fl->n ? 0 : -ENOENT;
}

/* ---- passes that do less than a load ---------------------------------------- */

/* read() every file in READ_CHUNK pieces; with crc, one CRC32C per chunk
 * (the ceiling for CRC checking: no per-record overhead). */
static int pass_read(const bench *b, int crc, sample *out)
{
	unsigned char *buf = malloc(READ_CHUNK);
	uint32_t sink = 0;
	if (!buf)
		return -ENOMEM;
	double t0 = now(), c0 = cpu_now();
	for (size_t i = 0; i < b->files.n; i++) {
		int fd = open(b->files.paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			free(buf);
			return -errno;
		}
		ssize_t k;
		while ((k = read(fd, buf, READ_CHUNK)) > 0) {
			out->bytes += (uint64_t)k;
			if (crc)
				sink ^= tb_crc32c(0, buf, (size_t)k);
		}
		close(fd);
	}
	out->sec = now() - t0;
	out->cpu = cpu_now() - c0;
	out->records = sink & 0; /* keep the CRCs from being optimised away */
	free(buf);
	return 0;
}

/* TFRecord framing only: tb_record_next() to the end of every file. */
static int pass_frame(const bench *b, int verify, sample *out)
{
	double t0 = now(), c0 = cpu_now();
	for (size_t i = 0; i < b->files.n; i++) {
		tb_record_reader rd;
		int rc = tb_record_open(&rd, b->files.paths[i], 0);
		if (rc)
			return rc;
		rd.verify_payload_crc = verify;
		const unsigned char *p;
		size_t n;
		while ((rc = tb_record_next(&rd, &p, &n)) == 1) {
			out->records++;
			out->bytes += n + 16;
		}
		tb_record_close(&rd);
		if (rc < 0)
			return rc;
	}
	out->sec = now() - t0;
	out->cpu = cpu_now() - c0;
	return 0;
}

/* ---- the real load ------------------------------------------------------------ */

static void count_points(tb_store *s, sample *out)
{
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = s->runs[i];
		for (size_t k = 0; k < r->n_series; k++) {
			const tb_series *se = r->series[k];
			if (se->kind == TB_KIND_SCALAR) {
				out->scalar_points += se->n;
				out->scalar_bytes += tb_series_bytes(se);
			} else {
				out->hist_points += se->n;
				out->hist_bytes += tb_series_bytes(se);
			}
		}
	}
}

/* As tb_app_load() with the default flags (RustBoard's step purge rule,
 * every point kept): scan, read, compact, trim. */
static int pass_load(const bench *b, int threads, int verify, sample *out)
{
	tb_store s;
	tb_store_opts o;
	tb_loader l;
	memset(&o, 0, sizeof o);
	o.rule = TB_PURGE_STEP;
	malloc_trim(0);
	out->rss_before = rss_kb();
	tb_store_init(&s, &o);
	int rc = tb_loader_init(&l, &s, b->logdir, NULL);
	if (rc)
		return rc;
	l.threads = threads;
	l.verify_crc = verify;
	double t0 = now(), c0 = cpu_now();
	rc = tb_loader_scan(&l);
	if (!rc)
		rc = tb_loader_read(&l);
	out->sec = now() - t0;
	out->cpu = cpu_now() - c0;
	tb_store_compact(&s);
	malloc_trim(0);
	out->compact_sec = now() - t0 - out->sec;
	out->rss_after = rss_kb();
	out->bytes = l.bytes_read;
	out->records = l.records_read;
	count_points(&s, out);
	if (!rc && l.files_failed)
		rc = -EBADMSG;
	tb_loader_release(&l);
	tb_store_release(&s);
	malloc_trim(0);
	return rc;
}

/* ---- repetitions and report --------------------------------------------------- */

typedef enum kind { K_READ, K_READ_CRC, K_FRAME_CRC, K_FRAME, K_LOAD } kind;

typedef struct config {
	kind k;
	int threads, verify;
	char name[64];
} config;

/* A load runs in a child process so that every repetition starts from the
 * same heap: RSS before/after then measures this load alone, not what the
 * allocator kept from the previous one (thread arenas are not all
 * returned by malloc_trim). Timing is taken inside the child. */
static int load_in_child(const bench *b, const config *c, sample *out)
{
	int fds[2];
	if (pipe(fds))
		return -errno;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(fds[0]);
		sample s;
		memset(&s, 0, sizeof s);
		int rc = pass_load(b, c->threads, c->verify, &s);
		if (rc)
			s.sec = -(double)-rc; /* negative: the error code */
		_exit(write(fds[1], &s, sizeof s) == (ssize_t)sizeof s ? 0 : 1);
	}
	close(fds[1]);
	ssize_t k = read(fds[0], out, sizeof *out);
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	if (k != (ssize_t)sizeof *out || !WIFEXITED(status) || WEXITSTATUS(status))
		return -EIO;
	return out->sec < 0 ? (int)out->sec : 0;
}

static int run_once(const bench *b, const config *c, sample *out)
{
	memset(out, 0, sizeof *out);
	if (c->k == K_LOAD && b->fork_loads)
		return load_in_child(b, c, out);
	switch (c->k) {
	case K_READ: return pass_read(b, 0, out);
	case K_READ_CRC: return pass_read(b, 1, out);
	case K_FRAME_CRC: return pass_frame(b, 1, out);
	case K_FRAME: return pass_frame(b, 0, out);
	case K_LOAD: return pass_load(b, c->threads, c->verify, out);
	}
	return -EINVAL;
}

static int by_sec(const void *a, const void *b)
{
	double x = ((const sample *)a)->sec, y = ((const sample *)b)->sec;
	return x < y ? -1 : x > y;
}

/* Best and median wall time; throughput per CPU-second (the least CPU
 * time of any repetition) is what "per core" means, and it is less
 * disturbed than wall time when other processes share the machine. */
static void report(const config *c, sample *s, int n)
{
	double cpu = s[0].cpu;
	for (int i = 1; i < n; i++)
		cpu = s[i].cpu < cpu ? s[i].cpu : cpu;
	qsort(s, (size_t)n, sizeof *s, by_sec);
	const sample *best = &s[0], *med = &s[n / 2];
	double mb = (double)best->bytes / 1e6, ev = (double)best->records;
	printf("%-26s %2d  %7.3f %7.3f  %7.0f %7.0f  %7.0f", c->name, c->threads, best->sec,
	       med->sec, mb / best->sec, mb / med->sec, mb / cpu);
	if (best->records)
		printf("  %6.2f %6.2f  %6.2f\n", ev / best->sec / 1e6, ev / med->sec / 1e6,
		       ev / cpu / 1e6);
	else
		printf("  %6s %6s  %6s\n", "-", "-", "-"); /* read passes see no records */
	if (c->k != K_LOAD)
		return;
	double pts = (double)med->scalar_points;
	double delta = (double)(med->rss_after - med->rss_before) * 1024.0;
	printf("    %" PRIu64 " scalar + %" PRIu64 " histogram points; RSS %ld -> %ld kB; "
	       "%.2f resident bytes per scalar point (store's own count: %.2f scalar, "
	       "%.2f hist per scalar point); compact+trim %.3f s\n",
	       med->scalar_points, med->hist_points, med->rss_before, med->rss_after,
	       delta / pts, (double)med->scalar_bytes / pts, (double)med->hist_bytes / pts,
	       med->compact_sec);
}

static int run_config(const bench *b, const config *c)
{
	sample s[MAX_REPS + 1];
	for (int i = 0; i <= b->reps; i++) { /* i == 0: untimed warm-up */
		int rc = run_once(b, c, &s[i ? i - 1 : 0]);
		if (rc) {
			fprintf(stderr, "bench_load: %s: %s\n", c->name, strerror(-rc));
			return rc;
		}
	}
	report(c, s, b->reps);
	fflush(stdout);
	return 0;
}

static int run_all(const bench *b)
{
	config cs[4 + 2 * MAX_THREAD_COUNTS];
	int n = 0;
	if (b->passes & PASS_READ) {
		cs[n++] = (config){ K_READ, 1, 0, "read() only" };
		cs[n++] = (config){ K_READ_CRC, 1, 1, "read() + crc32c/4 MiB" };
	}
	if (b->passes & PASS_FRAME) {
		cs[n++] = (config){ K_FRAME_CRC, 1, 1, "framing, payload CRC on" };
		cs[n++] = (config){ K_FRAME, 1, 0, "framing, payload CRC off" };
	}
	for (int i = 0; (b->passes & PASS_LOAD) && i < b->n_threads; i++) {
		config c = { K_LOAD, b->threads[i], 1, "load, CRC on" };
		cs[n++] = c;
		if (b->with_nocrc) {
			c.verify = 0;
			snprintf(c.name, sizeof c.name, "load, CRC off");
			cs[n++] = c;
		}
	}
	printf("%-26s %2s  %7s %7s  %7s %7s  %7s  %6s %6s  %6s\n", "pass", "th", "best", "median",
	       "MB/s", "MB/s", "MB per", "Mev/s", "Mev/s", "Mev per");
	printf("%-26s %2s  %7s %7s  %7s %7s  %7s  %6s %6s  %6s\n", "", "", "s", "s", "best",
	       "median", "CPU-s", "best", "median", "CPU-s");
	for (int i = 0; i < n; i++) {
		int rc = run_config(b, &cs[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Other processes on a 2-core machine change wall times a lot; say so. */
static void print_loadavg(const char *when)
{
	char buf[128] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			snprintf(buf, sizeof buf, "?\n");
		fclose(f);
	}
	printf("%s: %s", when, buf);
}

/* ---- command line --------------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to, "usage: bench_load [options] LOGDIR\n"
		    "  --threads LIST  loader thread counts to time (default 1,2)\n"
		    "  --reps N        timed repetitions per pass after one warm-up (default 5)\n"
		    "  --passes LIST   any of read,frame,load (default all)\n"
		    "  --no-crc-off    skip the loads with payload CRC checking off\n"
		    "  --no-fork       run loads in this process (for profilers)\n");
}

static int parse_passes(const char *s, bench *b)
{
	b->passes = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n == 4 && !strncmp(s, "read", 4))
			b->passes |= PASS_READ;
		else if (n == 5 && !strncmp(s, "frame", 5))
			b->passes |= PASS_FRAME;
		else if (n == 4 && !strncmp(s, "load", 4))
			b->passes |= PASS_LOAD;
		else
			return -1;
		s += n + (s[n] == ',');
	}
	return b->passes ? 0 : -1;
}

static int parse_threads(const char *s, bench *b)
{
	b->n_threads = 0;
	while (*s && b->n_threads < MAX_THREAD_COUNTS) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v < 1 || v > 64 || (*end && *end != ','))
			return -1;
		b->threads[b->n_threads++] = (int)v;
		s = *end ? end + 1 : end;
	}
	return b->n_threads && !*s ? 0 : -1;
}

static int parse_args(int argc, char **argv, bench *b)
{
	static const struct option longs[] = {
		{ "threads", 1, NULL, 't' }, { "reps", 1, NULL, 'r' },
		{ "no-crc-off", 0, NULL, 'n' }, { "passes", 1, NULL, 'p' },
		{ "no-fork", 0, NULL, 'F' },    { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(b, 0, sizeof *b);
	b->reps = 5;
	b->with_nocrc = 1;
	b->fork_loads = 1;
	b->passes = PASS_READ | PASS_FRAME | PASS_LOAD;
	b->threads[0] = 1;
	b->threads[1] = 2;
	b->n_threads = 2;
	int c, bad = 0;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 't': bad |= parse_threads(optarg, b); break;
		case 'r': b->reps = atoi(optarg); bad |= b->reps < 1 || b->reps > MAX_REPS; break;
		case 'n': b->with_nocrc = 0; break;
		case 'p': bad |= parse_passes(optarg, b); break;
		case 'F': b->fork_loads = 0; break;
		case 'h': usage(stdout); exit(0);
		default: bad = 1;
		}
	}
	if (bad || optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	b->logdir = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	bench b;
	if (parse_args(argc, argv, &b))
		return 2;
	tb_log_level = TB_LOG_WARN;
	int rc = list_files(b.logdir, &b.files);
	if (rc) {
		fprintf(stderr, "bench_load: %s: %s\n", b.logdir, strerror(-rc));
		return 1;
	}
	printf("bench_load: %s: %zu event files, %" PRIu64 " bytes; crc32c %s; %d timed reps "
	       "after one warm-up; MB = 1e6 bytes\n", b.logdir, b.files.n, b.files.bytes,
	       tb_crc32c_have_hw() ? "SSE4.2" : "portable", b.reps);
	print_loadavg("load average before");
	rc = run_all(&b);
	print_loadavg("load average after");
	for (size_t i = 0; i < b.files.n; i++)
		free(b.files.paths[i]);
	free(b.files.paths);
	return rc ? 1 : 0;
}
