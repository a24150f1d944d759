/*
 * gen_logdir.c - writes a large, realistic logdir the way PyTorch does.
 *
 * One directory per run, one event file per run named like
 * torch.utils.tensorboard.SummaryWriter names it, holding what SummaryWriter
 * writes: a first Event{wall_time, file_version "brain.Event:2",
 * source_metadata{writer "pytorch"}}, then per step one
 * Event{wall_time, step, summary{value{tag, simple_value}}} per scalar tag
 * (add_scalar writes one event per call) and, every N steps, one
 * Event{wall_time, step, summary{value{tag, histo}}} per histogram tag as
 * add_histogram(tag, w, step, bins=B) writes it (B equal-width bins plus the
 * leading empty bin torch adds, limits from the data's min to its max).
 *
 * Protobuf is encoded by hand, in field-number order and omitting proto3
 * defaults (step 0, zero doubles) exactly as Python's protobuf serializes;
 * at start-up the encoder is checked byte for byte against protobuf-c's
 * packer. Framing and CRCs come from tb_record_frame().
 *
 * It does not simulate training: values follow plausible curves (decaying
 * loss with noise, warm-up + cosine learning rate, ...) from a seeded PRNG,
 * so the same arguments always give the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "tensorboard.pb-c.h"

#define OUT_BUF (8u << 20)     /* bytes buffered per write() */
#define MAX_TAG 128
#define MAX_BUCKETS 100000

typedef struct gen_opts {
	const char *dir;
	int runs, tags, steps, hist_tags, hist_every, buckets;
	uint64_t seed;
} gen_opts;

/* ---- deterministic randomness -------------------------------------------- */

typedef struct rng {
	uint64_t s;
	int have_spare;
	double spare;
} rng;

static uint64_t rng_u64(rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rng_unit(rng *r) /* (0, 1) */
{
	return ((double)(rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

static double rng_range(rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

static double rng_gauss(rng *r)
{
	if (r->have_spare) {
		r->have_spare = 0;
		return r->spare;
	}
	double u = rng_unit(r), v = rng_unit(r);
	double m = sqrt(-2.0 * log(u));
	r->spare = m * sin(2 * M_PI * v);
	r->have_spare = 1;
	return m * cos(2 * M_PI * v);
}

/* ---- protobuf wire encoding ---------------------------------------------- */

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static unsigned char *put_key(unsigned char *p, unsigned field, unsigned wire)
{
	return put_varint(p, (uint64_t)field << 3 | wire);
}

static unsigned char *put_double(unsigned char *p, unsigned field, double v)
{
	p = put_key(p, field, 1);
	memcpy(p, &v, 8);
	return p + 8;
}

/* A proto3 double without presence: omitted when zero (any bit set counts,
 * as in Python's protobuf, so -0.0 is written). */
static unsigned char *put_double3(unsigned char *p, unsigned field, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, 8);
	return bits ? put_double(p, field, v) : p;
}

static unsigned char *put_bytes(unsigned char *p, unsigned field, const void *s, size_t n)
{
	p = put_key(p, field, 2);
	p = put_varint(p, n);
	memcpy(p, s, n);
	return p + n;
}

static unsigned char *put_packed_doubles(unsigned char *p, unsigned field, const double *v,
					 size_t n)
{
	if (!n)
		return p;
	p = put_key(p, field, 2);
	p = put_varint(p, n * 8);
	memcpy(p, v, n * 8);
	return p + n * 8;
}

/* Event header fields every summary event has: wall_time, step (omitted at
 * step 0, a proto3 default). */
static unsigned char *put_event_head(unsigned char *p, double wall, int64_t step)
{
	p = put_double(p, 1, wall);
	if (step)
		p = put_varint(put_key(p, 2, 0), (uint64_t)step);
	return p;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Event{wall_time, step, summary{value{<value>}}}, value already encoded. */
static size_t enc_summary_event(unsigned char *out, double wall, int64_t step,
				const unsigned char *value, size_t vlen)
{
	unsigned char *p = put_event_head(out, wall, step);
	p = put_varint(put_key(p, 5, 2), 1 + varint_len(vlen) + vlen);
	p = put_varint(put_key(p, 1, 2), vlen);
	memcpy(p, value, vlen);
	return (size_t)(p + vlen - out);
}

static size_t enc_first_event(unsigned char *out, double wall)
{
	unsigned char sm[32];
	size_t smlen = (size_t)(put_bytes(sm, 1, "pytorch", 7) - sm);
	unsigned char *p = put_double(out, 1, wall);
	p = put_bytes(p, 3, "brain.Event:2", 13);
	p = put_bytes(p, 10, sm, smlen);
	return (size_t)(p - out);
}

static size_t enc_scalar_event(unsigned char *out, double wall, int64_t step, const char *tag,
			       float v)
{
	unsigned char val[MAX_TAG + 16];
	unsigned char *p = put_bytes(val, 1, tag, strlen(tag));
	p = put_key(p, 2, 5);
	memcpy(p, &v, 4);
	p += 4;
	return enc_summary_event(out, wall, step, val, (size_t)(p - val));
}

typedef struct histo {
	double min, max, num, sum, sum_squares;
	size_t n;             /* entries in limit[] and count[] */
	double *limit, *count;
} histo;

/* scratch must hold 64 + 16 * h->n + MAX_TAG bytes. */
static size_t enc_histo_event(unsigned char *out, unsigned char *scratch, double wall,
			      int64_t step, const char *tag, const histo *h)
{
	unsigned char *hp = scratch + MAX_TAG + 32; /* HistogramProto body */
	unsigned char *q = hp;
	q = put_double3(q, 1, h->min);
	q = put_double3(q, 2, h->max);
	q = put_double3(q, 3, h->num);
	q = put_double3(q, 4, h->sum);
	q = put_double3(q, 5, h->sum_squares);
	q = put_packed_doubles(q, 6, h->limit, h->n);
	q = put_packed_doubles(q, 7, h->count, h->n);
	size_t hlen = (size_t)(q - hp);
	/* value = tag, then field 5 (histo); assembled right before hp */
	unsigned char pre[MAX_TAG + 32];
	unsigned char *v = put_bytes(pre, 1, tag, strlen(tag));
	v = put_varint(put_key(v, 5, 2), hlen);
	size_t plen = (size_t)(v - pre);
	memcpy(hp - plen, pre, plen);
	return enc_summary_event(out, wall, step, hp - plen, plen + hlen);
}

/* ---- the encoder checked against protobuf-c ------------------------------- */

static int same_as_protobuf_c(const char *what, const unsigned char *mine, size_t n,
			      const Tensorboard__Event *ev)
{
	size_t want = tensorboard__event__get_packed_size(ev);
	unsigned char *ref = malloc(want ? want : 1);
	if (!ref)
		return 0;
	tensorboard__event__pack(ev, ref);
	int ok = want == n && !memcmp(ref, mine, n);
	if (!ok)
		fprintf(stderr, "gen_logdir: %s: hand encoding differs from protobuf-c "
			"(%zu vs %zu bytes)\n", what, n, want);
	free(ref);
	return ok;
}

static int check_first_event(void)
{
	unsigned char buf[128];
	size_t n = enc_first_event(buf, 1700000000.123456);
	Tensorboard__SourceMetadata sm = TENSORBOARD__SOURCE_METADATA__INIT;
	sm.writer = "pytorch";
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = 1700000000.123456;
	ev.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION;
	ev.file_version = "brain.Event:2";
	ev.source_metadata = &sm;
	return same_as_protobuf_c("first event", buf, n, &ev);
}

static int check_summary_event(int64_t step, float sv, const histo *h)
{
	unsigned char buf[4096], scratch[4096];
	const char *tag = h ? "weights/layer0" : "train/loss";
	size_t n = h ? enc_histo_event(buf, scratch, 1700000001.5, step, tag, h) :
		       enc_scalar_event(buf, 1700000001.5, step, tag, sv);
	Tensorboard__HistogramProto hp = TENSORBOARD__HISTOGRAM_PROTO__INIT;
	Tensorboard__Summary__Value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	Tensorboard__Summary__Value *vs[1] = { &v };
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	v.tag = (char *)tag;
	if (h) {
		hp.min = h->min, hp.max = h->max, hp.num = h->num;
		hp.sum = h->sum, hp.sum_squares = h->sum_squares;
		hp.n_bucket_limit = hp.n_bucket = h->n;
		hp.bucket_limit = h->limit, hp.bucket = h->count;
		v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO;
		v.histo = &hp;
	} else {
		v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
		v.simple_value = sv;
	}
	sum.n_value = 1;
	sum.value = vs;
	ev.wall_time = 1700000001.5;
	ev.step = step;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	return same_as_protobuf_c(h ? "histogram event" : "scalar event", buf, n, &ev);
}

static int check_encoder(void)
{
	double lim[4] = { -0.5, -0.25, 0.0, 0.5 }, cnt[4] = { 0, 3, 0, 7 };
	histo h = { -0.5, 0.5, 10, 0.0, 1.25, 4, lim, cnt }; /* sum 0.0 is omitted */
	return check_first_event() && check_summary_event(0, 0.0f, NULL) &&
	       check_summary_event(1, -1.5f, NULL) && check_summary_event(300000, 2.5f, NULL) &&
	       check_summary_event(0, 0, &h) && check_summary_event(20000, 0, &h);
}

/* ---- plausible training curves -------------------------------------------- */

typedef enum curve {
	C_LOSS, C_ACC, C_PPL, C_LR, C_MOMENTUM, C_GRAD_NORM, C_MEM, C_THROUGHPUT,
	C_STEP_TIME, C_DATA_TIME, C_EPOCH, C_LOSS_SCALE, C_WEIGHT_NORM, C_CLIP_FRAC,
} curve;

/* What a typical image/LM training script logs with add_scalar. Tags
 * beyond this list are "metrics/extra_NN" loss-like curves. */
static const struct {
	const char *tag;
	curve c;
} scalar_tags[] = {
	{ "train/loss", C_LOSS },         { "train/accuracy", C_ACC },
	{ "train/perplexity", C_PPL },    { "val/loss", C_LOSS },
	{ "val/accuracy", C_ACC },        { "lr", C_LR },
	{ "momentum", C_MOMENTUM },       { "grad_norm", C_GRAD_NORM },
	{ "gpu/mem_allocated", C_MEM },   { "gpu/mem_reserved", C_MEM },
	{ "throughput/samples_per_sec", C_THROUGHPUT },
	{ "time/step", C_STEP_TIME },     { "time/data", C_DATA_TIME },
	{ "epoch", C_EPOCH },             { "amp/loss_scale", C_LOSS_SCALE },
	{ "weights/global_norm", C_WEIGHT_NORM },
	{ "grad/clip_fraction", C_CLIP_FRAC },
	{ "train/loss_ce", C_LOSS },      { "train/loss_aux", C_LOSS },
	{ "train/top5_accuracy", C_ACC },
};
#define N_NAMED (sizeof scalar_tags / sizeof *scalar_tags)

/* Per run: hyper-parameters drawn from the seed. */
typedef struct run_params {
	double loss0, loss_floor, tau, lr_peak, warmup, noise, samples_per_sec, mem;
	int steps, steps_per_epoch;
} run_params;

/* Per tag: its own offsets so two loss curves are not identical. */
typedef struct tag_state {
	char name[MAX_TAG];
	curve c;
	double scale, shift;
	double loss_scale;
} tag_state;

static double loss_at(const run_params *p, const tag_state *t, int step)
{
	double x = step / (p->tau * t->scale);
	return p->loss_floor * t->scale + (p->loss0 + t->shift) * exp(-x) +
	       0.15 * (p->loss0 + t->shift) / (1.0 + x);
}

static double lr_at(const run_params *p, int step)
{
	if (step < p->warmup)
		return p->lr_peak * (step + 1) / p->warmup;
	double f = (step - p->warmup) / (p->steps - p->warmup + 1.0);
	return p->lr_peak * 0.5 * (1.0 + cos(M_PI * f));
}

static double clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

static float value_at(const run_params *p, tag_state *t, int step, rng *r)
{
	double g = rng_gauss(r);
	switch (t->c) {
	case C_LOSS: return (float)(loss_at(p, t, step) * (1 + p->noise * g));
	case C_PPL: return (float)exp(loss_at(p, t, step) * (1 + p->noise * g));
	case C_ACC:
		return (float)clamp01(t->shift * (1 - exp(-step / (p->tau * t->scale))) + 0.01 * g);
	case C_LR: return (float)lr_at(p, step);
	case C_MOMENTUM: return 0.9f;
	case C_GRAD_NORM: return (float)((0.5 + 4 * exp(-step / p->tau)) * exp(0.3 * g));
	case C_MEM: return (float)(p->mem * t->scale + (double)(rng_u64(r) % 64) * 2097152.0);
	case C_THROUGHPUT: return (float)(p->samples_per_sec * (1 + 0.03 * g));
	case C_STEP_TIME: return (float)(256.0 / p->samples_per_sec * (1 + 0.03 * g));
	case C_DATA_TIME: return (float)(0.004 * exp(0.5 * g));
	case C_EPOCH: return (float)(step / p->steps_per_epoch);
	case C_LOSS_SCALE:
		if (rng_u64(r) % 2000 == 0)
			t->loss_scale /= 2; /* an overflow */
		else if (step % 2000 == 1999 && t->loss_scale < 65536)
			t->loss_scale *= 2;
		return (float)t->loss_scale;
	case C_WEIGHT_NORM: return (float)(40 + 12 * sqrt(step / 1000.0) + 0.05 * g);
	case C_CLIP_FRAC: return (float)clamp01(0.6 * exp(-step / p->tau) + 0.02 * fabs(g));
	}
	return 0;
}

static void run_params_draw(run_params *p, const gen_opts *o, rng *r)
{
	p->loss0 = rng_range(r, 2.0, 7.0);
	p->loss_floor = rng_range(r, 0.05, 0.6);
	p->tau = o->steps * rng_range(r, 0.05, 0.3) + 1;
	p->lr_peak = pow(10, rng_range(r, -4.5, -2.5));
	p->warmup = o->steps * 0.02 + 1;
	p->noise = rng_range(r, 0.02, 0.1);
	p->samples_per_sec = rng_range(r, 800, 4000);
	p->mem = rng_range(r, 4e9, 3e10);
	p->steps = o->steps;
	p->steps_per_epoch = 500 + (int)(rng_u64(r) % 2000);
}

static void tag_init(tag_state *t, int i, rng *r)
{
	if ((size_t)i < N_NAMED) {
		snprintf(t->name, sizeof t->name, "%s", scalar_tags[i].tag);
		t->c = scalar_tags[i].c;
	} else {
		snprintf(t->name, sizeof t->name, "metrics/extra_%02d", i - (int)N_NAMED);
		t->c = C_LOSS;
	}
	t->scale = rng_range(r, 0.8, 1.25);
	t->shift = t->c == C_ACC ? rng_range(r, 0.7, 0.99) : rng_range(r, -0.5, 0.5);
	t->loss_scale = 65536;
}

/* Weights of a layer ~ N(mu, sigma) drifting with training, binned like
 * np.histogram(w, bins=B) and trimmed like torch's make_histogram: a
 * leading empty bucket, limits from min to max. Counts come from the
 * normal CDF (no sampling), so a million-weight layer costs B erf() calls. */
static void histo_fill(histo *h, int buckets, int layer, int step, int steps, rng *r)
{
	double num = (double)(65536 << (layer % 5));
	double sigma = (0.02 + 0.01 * layer) * (1 + 0.5 * step / (steps + 1.0));
	double mu = 0.002 * sin(step * 1e-3 + layer);
	double lo = mu - sigma * rng_range(r, 4.3, 5.0), hi = mu + sigma * rng_range(r, 4.3, 5.0);
	double w = (hi - lo) / buckets, prev = 0.5 * erfc(-(lo - mu) / (sigma * M_SQRT2));
	double total = 0;
	size_t big = 1;
	h->limit[0] = lo;
	h->count[0] = 0;
	for (int i = 1; i <= buckets; i++) {
		double e = i == buckets ? hi : lo + w * i;
		double cdf = 0.5 * erfc(-(e - mu) / (sigma * M_SQRT2));
		double c = nearbyint(num * (cdf - prev));
		if ((i == 1 || i == buckets) && c < 1)
			c = 1; /* the min and the max are in the outer bins */
		prev = cdf;
		h->limit[i] = e;
		h->count[i] = c;
		total += c;
		if (c > h->count[big])
			big = (size_t)i;
	}
	h->count[big] += num - total; /* make the counts add up to num */
	h->n = (size_t)buckets + 1;
	h->min = lo;
	h->max = hi;
	h->num = num;
	h->sum = num * mu + sigma * sqrt(num) * rng_gauss(r);
	h->sum_squares = num * (sigma * sigma + mu * mu);
}

/* ---- output ---------------------------------------------------------------- */

typedef struct out_file {
	int fd;
	unsigned char *buf;
	size_t len;
	uint64_t bytes, events;
} out_file;

static int out_flush(out_file *f)
{
	size_t off = 0;
	while (off < f->len) {
		ssize_t k = write(f->fd, f->buf + off, f->len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	f->len = 0;
	return 0;
}

/* Frame one payload; the caller guarantees room for it (see max_event). */
static int out_record(out_file *f, const unsigned char *payload, size_t n, size_t max_event)
{
	if (OUT_BUF - f->len < max_event + 16 && out_flush(f))
		return -1;
	tb_record_frame(f->buf + f->len, payload, n);
	f->len += n + 16;
	f->bytes += n + 16;
	f->events++;
	return 0;
}

typedef struct run_out {
	char path[4096];
	uint64_t bytes, events;
} run_out;

/* Run directory names like SummaryWriter's default "runs/<date>_<host>". */
static void run_name(char *out, size_t n, int i, int64_t start, int host)
{
	time_t t = (time_t)start;
	struct tm tm;
	gmtime_r(&t, &tm);
	char date[32];
	strftime(date, sizeof date, "%b%d_%H-%M-%S", &tm);
	static const char *const lrs[] = { "1e-3", "3e-4", "1e-4", "5e-4" };
	snprintf(out, n, "%s_gpu-node-%02d_lr%s_bs%d_seed%d", date, host, lrs[i % 4],
		 32 << (i % 4), i);
}

static int write_run(const gen_opts *o, int index, unsigned char *ev, unsigned char *scratch,
		     size_t max_event, histo *h, run_out *res)
{
	rng r = { o->seed * 0x2545f4914f6cdd1dull + (uint64_t)index * 0x9e3779b97f4a7c15ull, 0, 0 };
	int64_t us = (int64_t)1700000000 * 1000000 + index * (int64_t)7777 * 1000000 +
		     (int64_t)(rng_u64(&r) % 1000000);
	char name[256], dir[4096 - 128];
	int host = (int)(rng_u64(&r) % 32);
	run_name(name, sizeof name, index, us / 1000000, host);
	snprintf(dir, sizeof dir, "%s/%s", o->dir, name);
	snprintf(res->path, sizeof res->path, "%s", dir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(res->path, sizeof res->path, "%s/events.out.tfevents.%010" PRId64 ".gpu-node-%02d.%d.0",
		 dir, us / 1000000, host, 10000 + (int)(rng_u64(&r) % 50000));
	out_file f = { open(res->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), NULL, 0, 0, 0 };
	if (f.fd < 0 || !(f.buf = malloc(OUT_BUF))) {
		if (f.fd >= 0)
			close(f.fd);
		return -1;
	}
	run_params p;
	run_params_draw(&p, o, &r);
	tag_state *tags = calloc((size_t)o->tags, sizeof *tags);
	int rc = tags ? 0 : -1;
	for (int i = 0; !rc && i < o->tags; i++)
		tag_init(&tags[i], i, &r);
	double step_s = 256.0 / p.samples_per_sec;
	if (!rc)
		rc = out_record(&f, ev, enc_first_event(ev, us / 1e6), max_event);
	for (int step = 0; !rc && step < o->steps; step++) {
		us += (int64_t)(step_s * 1e6 * (1 + 0.05 * rng_gauss(&r)));
		for (int i = 0; !rc && i < o->tags; i++) {
			us += 15 + (int64_t)(rng_u64(&r) % 40); /* Python overhead of add_scalar */
			float v = value_at(&p, &tags[i], step, &r);
			rc = out_record(&f, ev, enc_scalar_event(ev, us / 1e6, step, tags[i].name, v),
					max_event);
		}
		for (int k = 0; !rc && o->hist_every > 0 && step % o->hist_every == 0 &&
				k < o->hist_tags; k++) {
			char tag[64];
			snprintf(tag, sizeof tag, "weights/layer%d", k);
			histo_fill(h, o->buckets, k, step, o->steps, &r);
			us += 800 + (int64_t)(rng_u64(&r) % 3000); /* add_histogram of a tensor */
			rc = out_record(&f, ev, enc_histo_event(ev, scratch, us / 1e6, step, tag, h),
					max_event);
		}
	}
	if (!rc)
		rc = out_flush(&f);
	if (close(f.fd))
		rc = -1;
	free(f.buf);
	free(tags);
	res->bytes = f.bytes;
	res->events = f.events;
	return rc;
}

/* ---- command line ---------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: gen_logdir [options] OUTDIR\n"
		"  --runs N        runs (default 50)\n"
		"  --tags N        scalar tags per run (default 20)\n"
		"  --steps N       steps per run (default 20000)\n"
		"  --hist-tags N   histogram tags per run (default 2)\n"
		"  --hist-every N  steps between histograms (default 100; 0 = none)\n"
		"  --buckets N     histogram bins (default 64)\n"
		"  --seed N        PRNG seed (default 1)\n"
		"OUTDIR must not exist or be empty. Same arguments, same bytes.\n");
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_args(int argc, char **argv, gen_opts *o)
{
	static const struct option longs[] = {
		{ "runs", 1, NULL, 'r' },      { "tags", 1, NULL, 't' },
		{ "steps", 1, NULL, 's' },     { "hist-tags", 1, NULL, 'H' },
		{ "hist-every", 1, NULL, 'e' }, { "buckets", 1, NULL, 'b' },
		{ "seed", 1, NULL, 'S' },      { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (gen_opts){ NULL, 50, 20, 20000, 2, 100, 64, 1 };
	int c, seed = 1, bad = 0;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'r': bad |= parse_int(optarg, 1, 100000, &o->runs); break;
		case 't': bad |= parse_int(optarg, 0, 100000, &o->tags); break;
		case 's': bad |= parse_int(optarg, 1, 1 << 30, &o->steps); break;
		case 'H': bad |= parse_int(optarg, 0, 1000, &o->hist_tags); break;
		case 'e': bad |= parse_int(optarg, 0, 1 << 30, &o->hist_every); break;
		case 'b': bad |= parse_int(optarg, 1, MAX_BUCKETS, &o->buckets); break;
		case 'S': bad |= parse_int(optarg, 0, 1 << 30, &seed); break;
		case 'h': usage(stdout); exit(0);
		default: bad = 1;
		}
	}
	o->seed = (uint64_t)seed;
	if (bad || optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	o->dir = argv[optind];
	return 0;
}

static int make_outdir(const char *dir)
{
	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (rmdir(dir) == 0 && mkdir(dir, 0755) == 0) /* existed, but empty */
		return 0;
	errno = EEXIST;
	return -1;
}

int main(int argc, char **argv)
{
	gen_opts o;
	if (parse_args(argc, argv, &o))
		return 2;
	if (!check_encoder())
		return 1;
	if (make_outdir(o.dir)) {
		fprintf(stderr, "gen_logdir: %s: %s (must not exist or be empty)\n", o.dir,
			strerror(errno));
		return 1;
	}
	size_t max_event = 256 + MAX_TAG + 16 * ((size_t)o.buckets + 1);
	unsigned char *ev = malloc(max_event), *scratch = malloc(max_event + MAX_TAG + 64);
	histo h = { 0, 0, 0, 0, 0, 0, malloc(((size_t)o.buckets + 1) * sizeof(double)),
		    malloc(((size_t)o.buckets + 1) * sizeof(double)) };
	if (!ev || !scratch || !h.limit || !h.count)
		return 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t bytes = 0, events = 0;
	for (int i = 0; i < o.runs; i++) {
		run_out res;
		if (write_run(&o, i, ev, scratch, max_event, &h, &res)) {
			fprintf(stderr, "gen_logdir: %s: %s\n", res.path, strerror(errno));
			return 1;
		}
		bytes += res.bytes;
		events += res.events;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	printf("gen_logdir: %s: %d runs x %d scalar tags x %d steps, %d histogram tags every %d "
	       "steps (%d bins), seed %" PRIu64 "\n",
	       o.dir, o.runs, o.tags, o.steps, o.hist_tags, o.hist_every, o.buckets, o.seed);
	printf("gen_logdir: wrote %" PRIu64 " bytes, %" PRIu64 " events in %d files, %.1f s "
	       "(%.0f MB/s)\n", bytes, events, o.runs, s, bytes / 1e6 / s);
	free(ev);
	free(scratch);
	free(h.limit);
	free(h.count);
	return 0;
}
