/*
 * fuzz_writers.c - the JSON and binary writers, round-trip: what is written
 * is read back and compared with what went in.
 *
 *  - json.c: the input as a JSON string (cJSON reads it back: the same
 *    bytes when the input is NUL-free UTF-8, and valid ASCII JSON always);
 *    every 8 bytes as a double (Python repr: reads back to the same bits
 *    and uses the fewest significant digits that do) and as an int64.
 *  - scalars_multirun, binary and JSON: the input cut into 20-byte points
 *    (wall f64, step i64, value f32) ingested as scalar events; both bodies
 *    decoded and compared point by point with the store.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_api.h"
#include "fuzz_html.h"
#include "ingest.h"
#include "json.h"

static void check_string(const uint8_t *data, size_t size)
{
	tb_buf b = TB_BUF_INIT;
	tb_json_str(&b, (const char *)data, size);
	if (b.oom)
		goto done;
	for (size_t i = 0; i < b.len; i++)
		FUZZ_CHECK((unsigned char)b.data[i] >= 0x20 && (unsigned char)b.data[i] < 0x7f);
	cJSON *j = cJSON_ParseWithLength(b.data, b.len);
	FUZZ_CHECK(j && cJSON_IsString(j));
	if (!memchr(data, 0, size) && fh_utf8_valid(data, size))
		FUZZ_CHECK(strlen(j->valuestring) == size && !memcmp(j->valuestring, data, size));
	cJSON_Delete(j);
done:
	tb_buf_release(&b);
}

/* Significant digits of a number written by tb_fmt_double. */
static int significant_digits(const char *out)
{
	const char *p = out + (out[0] == '-');
	bool leading = true;
	int k = 0, last_nz = 0;
	for (; *p && *p != 'e'; p++) {
		if (*p == '.' || (leading && *p == '0'))
			continue;
		leading = false;
		k++;
		if (*p != '0')
			last_nz = k;
	}
	return last_nz ? last_nz : 1;
}

/* Does some decimal with k significant digits read back to d? Only the
 * k-digit neighbours of d can: the nearest one and one unit either side. */
static bool reads_back_with(double d, int k)
{
	char near[64], cand[64];
	snprintf(near, sizeof near, "%.*e", k - 1, fabs(d));
	long long m = 0;
	const char *p = near;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			m = m * 10 + (*p - '0');
	int exp = atoi(p + 1) - (k - 1);
	for (long long delta = -1; delta <= 1; delta++) {
		snprintf(cand, sizeof cand, "%lld.0e%d", m + delta, exp);
		if (strtod(cand, NULL) == fabs(d))
			return true;
	}
	return false;
}

static void check_numbers(const uint8_t *data, size_t size)
{
	for (size_t off = 0; off + 8 <= size; off += 8) {
		double d;
		int64_t v;
		memcpy(&d, data + off, 8);
		memcpy(&v, data + off, 8);
		char out[TB_FMT_DOUBLE_MAX + 1];
		size_t n = tb_fmt_double(out, d);
		FUZZ_CHECK(n == strlen(out) && n <= TB_FMT_DOUBLE_MAX);
		if (isfinite(d)) {
			double back = strtod(out, NULL);
			FUZZ_CHECK(!memcmp(&back, &d, 8));
			/* the fewest significant digits: no decimal one digit
			   shorter reads back to d */
			int got = significant_digits(out);
			if (got > 1)
				FUZZ_CHECK(!reads_back_with(d, got - 1));
		}
		char iv[24];
		tb_fmt_int(iv, v);
		FUZZ_CHECK(strtoll(iv, NULL, 10) == v);
	}
}

static void put_varint(tb_buf *b, uint64_t v)
{
	do {
		unsigned char c = (unsigned char)(v & 0x7f);
		v >>= 7;
		tb_buf_putc(b, (char)(c | (v ? 0x80 : 0)));
	} while (v);
}

/* One scalar Event: wall_time, step, summary { value { tag "t", simple_value } }. */
static void scalar_event(tb_buf *ev, double wall, int64_t step, float value)
{
	tb_buf_reset(ev);
	tb_buf_putc(ev, 0x09);
	tb_buf_append(ev, &wall, 8);
	tb_buf_putc(ev, 0x10);
	put_varint(ev, (uint64_t)step);
	tb_buf_append(ev, "\x2a\x0a\x0a\x08\x0a\x01t\x15", 8);
	tb_buf_append(ev, &value, 4);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool same_double(double a, double b)
{
	return (isnan(a) && isnan(b)) || !memcmp(&a, &b, 8);
}

static void check_binary(const char *body, size_t n, const tb_series *se)
{
	const unsigned char *p = (const unsigned char *)body;
	FUZZ_CHECK(n >= 8 && !memcmp(p, "TBS1", 4) && get_u32(p + 4) == 1);
	size_t at = 8;
	FUZZ_CHECK(n >= at + 4 && get_u32(p + at) == 3 && n >= at + 8 && !memcmp(p + at + 4, "run", 3));
	at += 8; /* 4 + "run" padded to 8 */
	FUZZ_CHECK(n >= at + 8);
	uint32_t count = get_u32(p + at), width = get_u32(p + at + 4);
	at += 8;
	FUZZ_CHECK(count == se->n && (width == 4 || width == 8));
	FUZZ_CHECK(n == at + (size_t)count * 16 + ((size_t)count * width + 7) / 8 * 8);
	for (size_t i = 0; i < count; i++) {
		double w, st;
		memcpy(&w, p + at + 8 * i, 8);
		memcpy(&st, p + at + 8 * ((size_t)count + i), 8);
		FUZZ_CHECK(same_double(w, tb_series_wall(se, i)));
		FUZZ_CHECK(st == (double)tb_series_step(se, i));
		tb_scalar v = tb_series_scalar(se, i);
		const unsigned char *vp = p + at + 16 * (size_t)count + width * i;
		double got;
		if (width == 4) {
			float f;
			memcpy(&f, vp, 4);
			got = f;
		} else {
			memcpy(&got, vp, 8);
		}
		FUZZ_CHECK(same_double(got, v.type == TB_NUM_I64 || v.type == TB_NUM_BOOL ? (double)v.i : v.f));
	}
}

static double json_number(const cJSON *j)
{
	if (cJSON_IsNumber(j))
		return j->valuedouble;
	FUZZ_CHECK(cJSON_IsString(j));
	if (!strcmp(j->valuestring, "NaN"))
		return NAN;
	if (!strcmp(j->valuestring, "Infinity"))
		return INFINITY;
	FUZZ_CHECK(!strcmp(j->valuestring, "-Infinity"));
	return -INFINITY;
}

static void check_json(const char *body, size_t n, const tb_series *se)
{
	cJSON *j = cJSON_ParseWithLength(body, n);
	FUZZ_CHECK(j && cJSON_IsObject(j));
	cJSON *pts = cJSON_GetObjectItemCaseSensitive(j, "run");
	FUZZ_CHECK(cJSON_IsArray(pts) && (size_t)cJSON_GetArraySize(pts) == se->n);
	size_t i = 0;
	for (cJSON *pt = pts->child; pt; pt = pt->next, i++) {
		FUZZ_CHECK(cJSON_GetArraySize(pt) == 3);
		FUZZ_CHECK(same_double(json_number(cJSON_GetArrayItem(pt, 0)), tb_series_wall(se, i)));
		FUZZ_CHECK(json_number(cJSON_GetArrayItem(pt, 1)) == (double)tb_series_step(se, i));
		tb_scalar v = tb_series_scalar(se, i);
		double want = v.type == TB_NUM_I64 || v.type == TB_NUM_BOOL ? (double)v.i : v.f;
		FUZZ_CHECK(same_double(json_number(cJSON_GetArrayItem(pt, 2)), want));
	}
	cJSON_Delete(j);
}

static void check_multirun(const uint8_t *data, size_t size)
{
	tb_app *app = fuzz_app(false);
	tb_store *s = &app->store;
	tb_run *r = tb_store_add_run(s, "run");
	if (!r)
		return;
	tb_ingest g;
	tb_ingest_init(&g, s, r);
	tb_buf ev = TB_BUF_INIT;
	for (size_t off = 0; off + 20 <= size; off += 20) {
		double wall;
		int64_t step;
		float value;
		memcpy(&wall, data + off, 8);
		memcpy(&step, data + off + 8, 8);
		memcpy(&value, data + off + 16, 4);
		scalar_event(&ev, wall, step, value);
		tb_run_wrlock(r);
		tb_ingest_record(&g, (const unsigned char *)ev.data, ev.len);
		tb_run_unlock(r);
	}
	tb_buf_release(&ev);
	tb_ingest_release(&g);
	tb_series *se = tb_run_find(r, "t", 1);
	char k_runs[] = "runs", v_run[] = "run", k_tag[] = "tag", v_tag[] = "t";
	char k_fmt[] = "format", v_bin[] = "binary";
	tb_param form[] = { { k_runs, v_run, 3 }, { k_tag, v_tag, 1 } };
	tb_param query[] = { { k_fmt, v_bin, 6 } };
	for (int binary = 0; se && binary < 2; binary++) {
		tb_response resp;
		fuzz_api_call(app, "POST", "/data/plugin/scalars/scalars_multirun", query,
			      (size_t)binary, form, 2, &resp);
		FUZZ_CHECK(resp.status == 200);
		size_t n;
		const char *body = fuzz_body(&resp, &n);
		if (body) {
			if (binary)
				check_binary(body, n, se);
			else
				check_json(body, n, se);
		}
		tb_response_release(&resp);
	}
	tb_store_remove_run(s, "run");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_string(data, size);
	check_numbers(data, size);
	check_multirun(data, size);
	return 0;
}
