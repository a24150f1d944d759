/*
 * bench_wandb.c - load speed and memory of W&B logs against TensorBoard
 * event files holding the same number of scalar points.
 *
 * Generates, in DIR, a W&B run (wandb/run-20990101_000000-bench/
 * run-bench.wandb: ROWS history rows of KEYS metrics, float values written
 * as Python's json.dumps writes them, plus the SDK's _step, _timestamp and
 * _runtime) and a TensorBoard run (tb/events.out.tfevents.*: one
 * simple_value event per point, the same points). Then loads each through
 * the real loader (tb_loader_scan + tb_loader_read + tb_store_compact, in a
 * forked child so memory starts clean), A/B interleaved REPS times, and
 * prints MB/s, points/s and resident bytes per point (RSS after the load
 * minus RSS before, after malloc_trim).
 *
 *   bench_wandb DIR [ROWS=1000000] [KEYS=20] [REPS=3]
 *
 * It measures, it does not judge: numbers go to docs/PERFORMANCE.md.
 */
#include <errno.h>
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
#include "store.h"
#include "../tests/unit/wandb_writer.h"

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

static long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, res = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * sysconf(_SC_PAGESIZE);
}

static void flush_to(FILE *out, tb_buf *b)
{
	if (fwrite(b->data, 1, b->len, out) != b->len) {
		perror("write");
		exit(1);
	}
	b->len = 0;
}

/* A value as Python's repr writes a float: 17 significant digits at most. */
static void py_float(char *out, size_t n, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static uint64_t gen_wandb(const char *path, long rows, int keys)
{
	FILE *out = fopen(path, "wb");
	if (!out) {
		perror(path);
		exit(1);
	}
	tb_buf b = TB_BUF_INIT, h = TB_BUF_INIT, rec = TB_BUF_INIT;
	uint64_t off = 0;
	ww_file_header(&b);
	char names[64][32], val[64], num[64];
	for (int k = 0; k < keys; k++)
		snprintf(names[k], sizeof names[k], "train/metric_%02d", k);
	for (long r = 0; r < rows; r++) {
		tb_buf_reset(&h);
		tb_buf_reset(&rec);
		for (int k = 0; k < keys; k++) {
			py_float(val, sizeof val, (double)(float)(1.0 / (1.0 + (double)r * 0.001 + k)));
			ww_item(&h, 1, names[k], val);
		}
		snprintf(num, sizeof num, "%ld", r);
		ww_item(&h, 1, "_step", num);
		py_float(num, sizeof num, 1.7e9 + (double)r * 0.25);
		ww_item(&h, 1, "_timestamp", num);
		py_float(num, sizeof num, (double)r * 0.25);
		ww_item(&h, 1, "_runtime", num);
		ww_record(&rec, 2, &h);
		ww_frame_at(&b, off, rec.data, rec.len);
		if (b.len > (4u << 20)) {
			off += b.len;
			flush_to(out, &b);
		}
	}
	off += b.len;
	flush_to(out, &b);
	fclose(out);
	tb_buf_release(&b);
	tb_buf_release(&h);
	tb_buf_release(&rec);
	return off;
}

static uint32_t masked(uint32_t crc)
{
	return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

static void tfrecord(tb_buf *b, const tb_buf *payload)
{
	unsigned char len[8];
	uint64_t n = payload->len;
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	uint32_t c = masked(tb_crc32c(0, len, 8));
	tb_buf_append(b, len, 8);
	tb_buf_append(b, &c, 4);
	tb_buf_append(b, payload->data, payload->len);
	c = masked(tb_crc32c(0, payload->data, payload->len));
	tb_buf_append(b, &c, 4);
}

/* One Event{wall_time, step, summary{value{tag, simple_value}}} per point. */
static uint64_t gen_tb(const char *path, long rows, int keys)
{
	FILE *out = fopen(path, "wb");
	if (!out) {
		perror(path);
		exit(1);
	}
	tb_buf b = TB_BUF_INIT, ev = TB_BUF_INIT, sum = TB_BUF_INIT, v = TB_BUF_INIT;
	uint64_t total = 0;
	char names[64][32];
	for (int k = 0; k < keys + 3; k++)
		snprintf(names[k], sizeof names[k], "train/metric_%02d", k);
	for (long r = 0; r < rows; r++) {
		double wall = 1.7e9 + (double)r * 0.25;
		for (int k = 0; k < keys + 3; k++) {
			float f = (float)(1.0 / (1.0 + (double)r * 0.001 + k));
			tb_buf_reset(&v);
			tb_buf_reset(&sum);
			tb_buf_reset(&ev);
			ww_str(&v, 1, names[k]);
			tb_buf_putc(&v, 0x15); /* field 2, fixed32 */
			tb_buf_append(&v, &f, 4);
			ww_bytes(&sum, 1, v.data, v.len);
			tb_buf_putc(&ev, 0x09); /* field 1, fixed64 */
			tb_buf_append(&ev, &wall, 8);
			ww_uint(&ev, 2, (uint64_t)r);
			ww_bytes(&ev, 5, sum.data, sum.len);
			tfrecord(&b, &ev);
		}
		if (b.len > (4u << 20)) {
			total += b.len;
			flush_to(out, &b);
		}
	}
	total += b.len;
	flush_to(out, &b);
	fclose(out);
	tb_buf_release(&b);
	tb_buf_release(&ev);
	tb_buf_release(&sum);
	tb_buf_release(&v);
	return total;
}

/* mkdir -p */
static void make_dirs(const char *path)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

struct result {
	double sec;
	double points;
	double rss;
	double store;   /* tb_series_bytes() of every series */
	double cpu;     /* CPU seconds of the load */
};

/* Load logdir in a child; the result comes back through a pipe. */
static struct result load(const char *logdir)
{
	int fds[2];
	struct result res = { 0, 0, 0, 0, 0 };
	if (pipe(fds))
		return res;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		malloc_trim(0);
		long before = rss_bytes();
		tb_store s;
		tb_store_opts o;
		memset(&o, 0, sizeof o);
		tb_store_init(&s, &o);
		tb_loader l;
		tb_loader_init(&l, &s, logdir, NULL);
		l.threads = 1;
		double t0 = now(), c0 = cpu_now();
		tb_loader_scan(&l);
		tb_loader_read(&l);
		tb_store_compact(&s);
		res.sec = now() - t0;
		res.cpu = cpu_now() - c0;
		malloc_trim(0);
		res.rss = (double)(rss_bytes() - before);
		for (size_t i = 0; i < s.n_runs; i++)
			for (size_t k = 0; k < s.runs[i]->n_series; k++) {
				res.points += (double)s.runs[i]->series[k]->n;
				res.store += (double)tb_series_bytes(s.runs[i]->series[k]);
			}
		if (write(fds[1], &res, sizeof res) != sizeof res)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &res, sizeof res) != sizeof res)
		memset(&res, 0, sizeof res);
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return res;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [ROWS] [KEYS] [REPS]\n", argv[0]);
		return 2;
	}
	const char *dir = argv[1];
	long rows = argc > 2 ? atol(argv[2]) : 1000000;
	int keys = argc > 3 ? atoi(argv[3]) : 20;
	int reps = argc > 4 ? atoi(argv[4]) : 3;
	if (keys < 1 || keys > 60 || rows < 1 || reps < 1)
		return 2;
	tb_log_level = TB_LOG_ERROR;
	char wdir[4096], tdir[4096], path[4200];
	snprintf(wdir, sizeof wdir, "%s/w", dir);
	snprintf(tdir, sizeof tdir, "%s/t", dir);
	make_dirs(dir);
	mkdir(wdir, 0755);
	mkdir(tdir, 0755);
	snprintf(path, sizeof path, "%s/run-20990101_000000-bench", wdir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/run-20990101_000000-bench/run-bench.wandb", wdir);
	uint64_t wbytes = gen_wandb(path, rows, keys);
	snprintf(path, sizeof path, "%s/events.out.tfevents.1.bench", tdir);
	uint64_t tbytes = gen_tb(path, rows, keys);
	printf("rows %ld, keys %d (+ _step, _timestamp, _runtime): %.1f M points each\n", rows, keys,
	       (double)rows * (keys + 3) / 1e6);
	printf("files: W&B %.1f MB, TensorBoard %.1f MB\n", wbytes / 1e6, tbytes / 1e6);
	struct result best[2] = { { 1e9, 0, 0, 0, 0 }, { 1e9, 0, 0, 0, 0 } };
	for (int r = 0; r < reps + 1; r++) {
		for (int k = 0; k < 2; k++) { /* A/B interleaved; the first pass warms */
			struct result x = load(k ? tdir : wdir);
			if (r && x.sec < best[k].sec)
				best[k] = x;
		}
	}
	const char *names[2] = { "W&B", "TensorBoard" };
	uint64_t bytes[2] = { wbytes, tbytes };
	for (int k = 0; k < 2; k++)
		printf("%-12s best of %d: %.3f s (%.3f CPU s), %.0f MB/s (%.0f per CPU s), "
		       "%.1f M points/s, %.0f points, %.1f resident bytes/point (%.1f in columns)\n",
		       names[k], reps, best[k].sec, best[k].cpu, bytes[k] / 1e6 / best[k].sec,
		       bytes[k] / 1e6 / best[k].cpu, best[k].points / 1e6 / best[k].sec,
		       best[k].points, best[k].rss / best[k].points, best[k].store / best[k].points);
	return 0;
}
