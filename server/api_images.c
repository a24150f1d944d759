/*
 * api_images.c - the images and audio plugins (reference §2.6, §4.7,
 * TensorBoard's images_plugin.py and audio_plugin.py) and their blob keys.
 *
 *   images/tags                  {run: {tag: {displayName, description, samples}}}
 *   images/images?run&tag[&sample=N]
 *                                [{"wall_time", "step", "query": "blob_key=K"}, ...]
 *   images/individualImage?blob_key=K     the image's bytes, MIME type sniffed
 *   timeseries/imageData?imageId=K        the same
 *   audio/tags                   as images/tags
 *   audio/audio?run&tag[&sample=N]
 *                                [{"wall_time", "label", "step", "contentType", "query"}, ...]
 *   audio/individualAudio?blob_key=K      the clip's bytes, its recorded type
 *
 * A series is a blob sequence per step: images [width, height, img_0, ...]
 * (a legacy Summary.Image is [width, height, img]), audio [clip_0, ...]
 * (a TF2 tensor is [k, 2]: clip and label). "samples" is the most blobs of
 * one step (images: minus the two dimensions); a step is listed when it
 * has more than `sample`, and, as TensorBoard's Python loader does, only
 * the first event of each step is served.
 *
 * Blob keys are TensorBoard's exactly: unpadded URL-safe base64 of the
 * compact JSON [experiment, plugin, run, tag, step, index] (index: the
 * blob's place in the sequence, sample + 2 for images). A key coming back
 * is hostile input: bounded, decoded, parsed and checked field by field
 * (400 with the reason); a run, tag or step that is not there is a 404; a
 * blob whose event file changed or went away is a 404 saying so, never
 * stale bytes. Bytes are read through tb_view_blob and served from that one
 * buffer, cut in place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "blob.h"
#include "json.h"
#include "query.h"
#include "tblimits.h"
#include "writer.h"

/* ---- what a blob point holds ------------------------------------------------- */

static int64_t audio_samples(const tb_blob *b)
{
	if (b->type == TB_BLOB_AUDIO)
		return 1;
	return b->type == TB_BLOB_TENSOR ? b->count : 0;
}

static int64_t kind_samples(tb_kind kind, const tb_blob *b)
{
	return kind == TB_KIND_IMAGE ? tb_image_samples(b) : audio_samples(b);
}

/* ---- blob keys ----------------------------------------------------------------- */

static int b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* Decoded key text (NUL-terminated, malloc'd) or NULL: not base64url. */
static char *b64_decode(const char *s, size_t *out_len)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return NULL;
	char *out = malloc(n / 4 * 3 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val((unsigned char)s[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

typedef struct blob_key {
	cJSON *json;          /* owns the strings below */
	const char *plugin, *run, *tag;
	int64_t step, index;
} blob_key;

static bool json_int(const cJSON *v)
{
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	return d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d;
}

/* The key's last two members from its text (cJSON's doubles lose steps
 * past 2^53): after the tag's closing quote come ", step, index ]". */
static bool tail_ints(const char *raw, int64_t *step, int64_t *index)
{
	const char *q = strrchr(raw, '"');
	int64_t v[2];
	if (!q)
		return false;
	q++;
	for (int i = 0; i < 2; i++) {
		q += strspn(q, " \t\r\n");
		if (*q++ != ',')
			return false;
		q += strspn(q, " \t\r\n");
		if (*q != '-' && (*q < '0' || *q > '9'))
			return false;
		char *end;
		errno = 0;
		long long x = strtoll(q, &end, 10);
		if (end == q || errno)
			return false;
		v[i] = x;
		q = end;
	}
	q += strspn(q, " \t\r\n");
	if (*q != ']')
		return false;
	*step = v[0];
	*index = v[1];
	return true;
}

/* NULL when the key is sound, else why not (for a 400). */
static const char *key_parse(const char *text, blob_key *k)
{
	memset(k, 0, sizeof *k);
	if (strlen(text) > TB_MAX_BLOB_KEY)
		return "blob key too long";
	size_t n;
	char *raw = b64_decode(text, &n);
	if (!raw)
		return "blob key is not URL-safe base64";
	k->json = cJSON_ParseWithLength(raw, n);
	bool ints = strlen(raw) == n && tail_ints(raw, &k->step, &k->index);
	free(raw);
	const cJSON *a = k->json;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 6)
		return "blob key is not a [experiment, plugin, run, tag, step, index] list";
	const cJSON *f[6];
	for (int i = 0; i < 6; i++)
		f[i] = cJSON_GetArrayItem(a, i);
	if (!cJSON_IsString(f[0]) || !cJSON_IsString(f[1]) || !cJSON_IsString(f[2]) ||
	    !cJSON_IsString(f[3]))
		return "blob key's experiment, plugin, run and tag must be strings";
	if (!json_int(f[4]) || !json_int(f[5]) || !ints)
		return "blob key's step and index must be integers";
	k->plugin = f[1]->valuestring;
	k->run = f[2]->valuestring;
	k->tag = f[3]->valuestring;
	return NULL;
}

/* ---- tags ---------------------------------------------------------------------- */

struct tags_arg {
	tb_buf *b;
	tb_kind kind;
};

static int tags_run(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	struct tags_arg *a = arg;
	tb_buf *b = a->b;
	tb_write_sep(b);
	tb_json_cstr(b, r->name);
	tb_buf_puts(b, ": {");
	for (size_t k = 0; k < n; k++) {
		const tb_series *se = tags[k];
		int64_t samples = 0;
		for (size_t i = 0; i < se->n; i++) {
			int64_t s = kind_samples(a->kind, tb_series_blob(se, i));
			if (s > samples)
				samples = s;
		}
		if (k)
			tb_buf_puts(b, ", ");
		tb_json_str(b, se->tag, se->tag_len);
		tb_buf_puts(b, ": {\"displayName\": ");
		tb_json_cstr(b, se->display_name);
		tb_buf_puts(b, ", \"description\": ");
		tb_write_description_json(b, se);
		tb_buf_puts(b, ", \"samples\": ");
		tb_json_int(b, samples);
		tb_buf_putc(b, '}');
	}
	tb_buf_putc(b, '}');
	return 0;
}

static void blob_tags(const tb_request *req, tb_response *resp, tb_kind kind)
{
	struct tags_arg a = { &resp->body, kind };
	tb_resp_json(resp);
	tb_buf_putc(a.b, '{');
	if (tb_query_tags(&req->app->store, kind, tags_run, &a))
		tb_resp_oom(resp);
	tb_buf_putc(a.b, '}');
}

void tb_api_images_tags(const tb_request *req, tb_response *resp)
{
	blob_tags(req, resp, TB_KIND_IMAGE);
}

void tb_api_audio_tags(const tb_request *req, tb_response *resp)
{
	blob_tags(req, resp, TB_KIND_AUDIO);
}

/* ---- listings ----------------------------------------------------------------- */

/* AudioPluginData.encoding (field 2): WAV (11) is audio/wav; a legacy
 * Summary.Audio series was migrated as WAV by TensorBoard. */
static const char *audio_type(const tb_series *se)
{
	if (se->n && tb_series_blob(se, 0)->type == TB_BLOB_AUDIO)
		return "audio/wav";
	uint64_t enc = 0;
	if (se->content_len && tb_pb_varint(se->content, se->content_len, 2, &enc) == 0 &&
	    enc == 11)
		return "audio/wav";
	return "application/octet-stream";
}

/* run, tag and sample of a listing request; false after answering. */
static bool listing_args(const tb_request *req, tb_response *resp, const char **run,
			 const char **tag, int64_t *sample)
{
	*run = tb_req_arg(req, "run");
	*tag = tb_req_arg(req, "tag");
	if (!*run || !*tag) {
		tb_resp_error(resp, 400, "Missing %s",
			      !*run && !*tag ? "'run' and 'tag' parameters" :
			      !*run ? "'run' parameter" : "'tag' parameter");
		return false;
	}
	const char *s = tb_req_arg(req, "sample");
	*sample = 0;
	if (s) {
		char *end;
		errno = 0;
		long long x = strtoll(s, &end, 10);
		if (!*s || *end || errno || x < 0) {
			tb_resp_error(resp, 400, "sample must be a non-negative integer, not '%s'", s);
			return false;
		}
		*sample = x;
	}
	return true;
}

static void blob_listing(const tb_request *req, tb_response *resp, tb_kind kind)
{
	const char *run, *tag;
	int64_t sample;
	if (!listing_args(req, resp, &run, &tag, &sample))
		return;
	tb_view v;
	if (tb_view_open(&v, &req->app->store, run, tag, kind)) {
		tb_resp_error(resp, 404, "No %s data for run='%s', tag='%s'",
			      kind == TB_KIND_IMAGE ? "image" : "audio", run, tag);
		return;
	}
	tb_resp_json(resp);
	tb_buf *b = &resp->body;
	const char *plugin = kind == TB_KIND_IMAGE ? "images" : "audio";
	const char *ctype = kind == TB_KIND_AUDIO ? audio_type(v.se) : NULL;
	size_t written = 0;
	tb_buf_putc(b, '[');
	for (size_t i = v.first; i < v.end; i++) {
		const tb_blob *bl = tb_series_blob(v.se, i);
		if (kind_samples(kind, bl) <= sample || !tb_blob_first_at_step(v.se, v.first, i))
			continue;
		int64_t step = tb_series_step(v.se, i);
		if (written++)
			tb_buf_puts(b, ", ");
		tb_buf_puts(b, "{\"wall_time\": ");
		tb_json_double(b, tb_series_wall(v.se, i));
		if (kind == TB_KIND_AUDIO)
			tb_buf_puts(b, ", \"label\": \"\"");
		tb_buf_puts(b, ", \"step\": ");
		tb_json_int(b, step);
		if (kind == TB_KIND_AUDIO) {
			tb_buf_puts(b, ", \"contentType\": ");
			tb_json_cstr(b, ctype);
		}
		tb_buf_puts(b, ", \"query\": \"blob_key=");
		tb_write_blob_key(b, plugin, v.run->name, v.se->tag, v.se->tag_len, step,
				  kind == TB_KIND_IMAGE ? sample + 2 : sample);
		if (kind == TB_KIND_AUDIO) {
			/* TensorBoard's urlencode of the type: only '/' needs it */
			tb_buf_puts(b, "&content_type=");
			for (const char *c = ctype; *c; c++)
				*c == '/' ? tb_buf_puts(b, "%2F") : tb_buf_putc(b, *c);
		}
		tb_buf_puts(b, "\"}");
	}
	tb_buf_putc(b, ']');
	tb_view_release(&v);
	if (b->oom)
		tb_resp_oom(resp);
}

void tb_api_images_images(const tb_request *req, tb_response *resp)
{
	blob_listing(req, resp, TB_KIND_IMAGE);
}

void tb_api_audio_audio(const tb_request *req, tb_response *resp)
{
	blob_listing(req, resp, TB_KIND_AUDIO);
}

/* ---- individual blobs ------------------------------------------------------ */

/* TensorBoard's img_mime_type_detector. */
static const char *image_type(const unsigned char *p, size_t n)
{
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 3 && !memcmp(p, "\xff\xd8\xff", 3))
		return "image/jpeg";
	if (n >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
		return "image/gif";
	if (n >= 2 && !memcmp(p, "BM", 2))
		return "image/bmp";
	return "application/octet-stream";
}

/* Strings a TensorProto's string_val holds. */
static size_t string_vals(const unsigned char *p, size_t n)
{
	size_t k = 0, off, len;
	while (tb_pb_find(p, n, 8, k, &off, &len) == 0)
		k++;
	return k;
}

/* The bytes of element `index` of the blob sequence in p[0..n) (a
 * serialized value of type t, count elements): *off / *len, or the
 * decimal text of a legacy image's dimension in num. */
static int element(tb_kind kind, const tb_blob *b, tb_blob_type t, const unsigned char *p,
		   size_t n, int64_t index, size_t *off, size_t *len, char *num, size_t numcap)
{
	if (t == TB_BLOB_TENSOR) {
		/* audio [k, 2]: the clip is column 0 */
		size_t at = (size_t)index;
		if (kind == TB_KIND_AUDIO && string_vals(p, n) == 2 * (size_t)b->count)
			at = (size_t)index * 2;
		return tb_pb_find(p, n, 8, at, off, len);
	}
	if (t == TB_BLOB_IMAGE && index < 2) {
		/* [width, height, image]: Summary.Image width 2, height 1 */
		uint64_t v = 0;
		tb_pb_varint(p, n, index == 0 ? 2 : 1, &v);
		snprintf(num, numcap, "%llu", (unsigned long long)v);
		*off = 0;
		*len = strlen(num);
		return 1;
	}
	/* Summary.Image encoded_image_string 4; Summary.Audio encoded_audio_string 4 */
	int rc = tb_pb_find(p, n, 4, SIZE_MAX, off, len);
	if (rc == -ENOENT) {
		*off = *len = 0;
		return 0;
	}
	return rc;
}

/* The answer for a blob that could not be read (tb_view_blob's code). */
static void read_error(tb_response *resp, int rc, tb_kind kind, const blob_key *k)
{
	if (rc == -ENOENT)
		tb_resp_error(resp, 404, "the event file holding this %s (run '%s', tag '%s', "
			      "step %lld) changed or was removed since it was read",
			      kind == TB_KIND_IMAGE ? "image" : "clip", k->run, k->tag,
			      (long long)k->step);
	else if (rc == -EBUSY)
		tb_resp_error(resp, 503, "too many large blobs being read at once; retry");
	else if (rc == -EREMOTEIO)
		tb_resp_error(resp, 503, "the object store holding this %s (run '%s', tag '%s', "
			      "step %lld) does not answer; retry when it is reachable again "
			      "(/data/environment says why)",
			      kind == TB_KIND_IMAGE ? "image" : "clip", k->run, k->tag,
			      (long long)k->step);
	else if (rc == -ENOMEM)
		tb_resp_oom(resp);
	else
		tb_resp_error(resp, 500, "cannot read %s data of run '%s', tag '%s': %s",
			      k->plugin, k->run, k->tag, strerror(-rc));
}

/* Element k->index of point i, cut out of the blob's buffer, which
 * becomes the body (no copy). Releases the view: a blob in a file is read
 * from its copied place after the locks are dropped (a large clip, or a
 * slow object store, must not hold the run meanwhile); an inline one
 * through tb_view_blob. */
static void send_element(tb_response *resp, tb_view *v, size_t i, tb_kind kind,
			 const blob_key *k)
{
	const tb_blob *bl = tb_series_blob(v->se, i);
	tb_blob_type t = bl->type;
	tb_blob copy = *bl;
	const char *ctype = kind == TB_KIND_IMAGE ? NULL : t == TB_BLOB_AUDIO ? "audio/wav" :
			    audio_type(v->se);
	unsigned char *data = NULL;
	size_t len, off, n;
	char num[24];
	tb_blob_place place;
	int rc = tb_blob_place_get(v->run, bl, &place);
	if (rc == -ENOENT)
		rc = tb_view_blob(v, i, &t, &data, &len);
	tb_view_release(v);
	if (rc == 0 && place.file.path)
		rc = tb_blob_place_read(&place, &data, &len);
	tb_blob_place_release(&place);
	if (rc) {
		read_error(resp, rc, kind, k);
		return;
	}
	int e = element(kind, &copy, t, data, len, k->index, &off, &n, num, sizeof num);
	if (e < 0) {
		tb_resp_error(resp, 500, "%s data of run '%s', tag '%s', step %lld is malformed",
			      k->plugin, k->run, k->tag, (long long)k->step);
		free(data);
		return;
	}
	if (e == 1)
		memcpy(data, num, n + 1);
	else
		memmove(data, data + off, n);
	data[n] = '\0';
	resp->status = 200;
	resp->content_type = kind == TB_KIND_IMAGE ? image_type(data, n) : ctype;
	resp->no_gzip = true;
	tb_buf_release(&resp->body);
	resp->body.data = (char *)data;
	resp->body.len = n;
	resp->body.cap = n + 1;
}

/* individualImage, imageData, individualAudio: the key (param) checked,
 * its run, tag, step and index found, the element sent. */
static void serve_blob(const tb_request *req, tb_response *resp, tb_kind kind, const char *param)
{
	const char *text = tb_req_arg(req, param);
	if (!text) {
		tb_resp_error(resp, 400, "Missing '%s' parameter", param);
		return;
	}
	blob_key k;
	const char *bad = key_parse(text, &k);
	if (!bad && strcmp(k.plugin, kind == TB_KIND_IMAGE ? "images" : "audio"))
		bad = "blob key names another plugin";
	tb_view v;
	if (bad) {
		tb_resp_error(resp, 400, "%s", bad);
	} else if (tb_view_open(&v, &req->app->store, k.run, k.tag, kind)) {
		tb_resp_error(resp, 404, "No %s data for run='%s', tag='%s'",
			      kind == TB_KIND_IMAGE ? "image" : "audio", k.run, k.tag);
	} else {
		/* the first event of the step, as the listings */
		size_t i = v.first;
		while (i < v.end && tb_series_step(v.se, i) != k.step)
			i++;
		int64_t have = i == v.end ? 0 : kind_samples(kind, tb_series_blob(v.se, i)) +
							(kind == TB_KIND_IMAGE ? 2 : 0);
		if (i == v.end)
			tb_resp_error(resp, 404, "No such step: %lld (run '%s', tag '%s')",
				      (long long)k.step, k.run, k.tag);
		else if (k.index < 0 || k.index >= have)
			tb_resp_error(resp, 400, "blob index %lld out of range: step %lld has %lld",
				      (long long)k.index, (long long)k.step, (long long)have);
		if (i == v.end || k.index < 0 || k.index >= have)
			tb_view_release(&v);
		else
			send_element(resp, &v, i, kind, &k);
	}
	cJSON_Delete(k.json);
}

void tb_api_images_individual(const tb_request *req, tb_response *resp)
{
	serve_blob(req, resp, TB_KIND_IMAGE, "blob_key");
}

void tb_api_timeseries_image_data(const tb_request *req, tb_response *resp)
{
	serve_blob(req, resp, TB_KIND_IMAGE, "imageId");
}

void tb_api_audio_individual(const tb_request *req, tb_response *resp)
{
	serve_blob(req, resp, TB_KIND_AUDIO, "blob_key");
}
