/*
 * ingest.c - Event -> run semantics (see ingest.h).
 */
#include "ingest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "tblimits.h"

void tb_ingest_init(tb_ingest *g, tb_store *s, tb_run *r)
{
	memset(g, 0, sizeof *g);
	g->store = s;
	g->run = r;
	g->use_fast = 1;
	g->file = TB_BLOB_NO_FILE;
	tb_arena_init(&g->arena);
}

void tb_ingest_release(tb_ingest *g)
{
	tb_arena_release(&g->arena);
	tb_vec_release(&g->next_hint);
}

/* "brain.Event:2" -> 2; anything unparsable -> 0 (treated as old). */
static double parse_file_version(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (!colon)
		return 0;
	char *end;
	double v = strtod(colon + 1, &end);
	return end != colon + 1 ? v : 0;
}

static void note_event(tb_run *r, double wall)
{
	r->events++;
	if (!r->has_start) {
		r->has_start = true;
		r->start_time = wall;
	}
}

/* The Python loader's rules for a run whose files predate file_version 2:
 * a summary step below the previous one purges the event's own tags. */
static bool old_style_purge_due(const tb_ingest *g, int64_t step)
{
	return g->store->opts.rule == TB_PURGE_SESSION && g->file_version < 2 &&
	       g->has_prev_step && step < g->prev_step;
}

static void purge_old_style(tb_ingest *g, int64_t step, const char *const *tags, size_t n)
{
	if (old_style_purge_due(g, step))
		tb_run_purge(g->run, step, tags, n);
}

/* tb_run_find(), trying first the series that followed the previous one
 * last time: one tag compare instead of a hash for a writer that repeats
 * its tag order every step (nearly all do). */
static tb_series *find_series(tb_ingest *g, const char *tag, size_t len)
{
	tb_run *r = g->run;
	uint32_t *hint = g->last && g->last <= g->next_hint.n ? &g->next_hint.v[g->last - 1] : NULL;
	if (hint && *hint && *hint <= r->n_series) {
		tb_series *se = r->series[*hint - 1];
		if (se->tag_len == len && !memcmp(se->tag, tag, len)) {
			g->last = se->slot + 1;
			return se;
		}
	}
	tb_series *se = tb_run_find(r, tag, len);
	if (se) {
		if (hint)
			*hint = se->slot + 1;
		g->last = se->slot + 1;
	}
	return se;
}

/* Room for the hint of every series of the run (a new one was made). */
static tb_series *made(tb_ingest *g, tb_series *se)
{
	if (se && tb_vec_grow(&g->next_hint, g->run->n_series - g->next_hint.n) == 0)
		while (g->next_hint.n < g->run->n_series)
			g->next_hint.v[g->next_hint.n++] = 0;
	return se;
}

static int fast_scalar(tb_ingest *g, const tb_fast_scalar *f)
{
	tb_run *r = g->run;
	note_event(r, f->wall);
	/* purge state advances for every summary event, as on the general path;
	 * the tag is copied (NUL-terminated) only when the old-style rule can
	 * apply or a new series is made */
	char tagbuf[TB_MAX_NAME_LEN + 1];
	if (old_style_purge_due(g, f->step)) {
		size_t len = f->tag_len > TB_MAX_NAME_LEN ? TB_MAX_NAME_LEN : f->tag_len;
		memcpy(tagbuf, f->tag, len);
		tagbuf[len] = '\0';
		const char *tags[1] = { tagbuf };
		purge_old_style(g, f->step, tags, f->tag_len > TB_MAX_NAME_LEN ? 0 : 1);
	}
	g->prev_step = f->step;
	g->has_prev_step = true;
	if (f->tag_len > TB_MAX_NAME_LEN) {
		r->bad_values++;
		return 0;
	}

	tb_series *se = find_series(g, f->tag, f->tag_len);
	if (!se) {
		memcpy(tagbuf, f->tag, f->tag_len);
		tagbuf[f->tag_len] = '\0';
		tb_series_meta m = { "scalars", TB_CLASS_SCALAR, tagbuf, "", NULL, 0 };
		se = made(g, tb_run_create(g->store, r, f->tag, f->tag_len, TB_KIND_SCALAR, &m));
		if (!se)
			return -ENOMEM;
	}
	if (se->kind != TB_KIND_SCALAR) {
		se->dropped++;
		r->bad_values++;
		return 0;
	}
	tb_scalar v = { TB_NUM_F32, f->value, 0 };
	return tb_series_append_scalar(g->store, se, f->wall, f->step, &v);
}

static int is_legacy_kind(const tb_pb_value *v)
{
	switch (v->value_case) {
	case TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE:
	case TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO:
	case TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE:
	case TENSORBOARD__SUMMARY__VALUE__VALUE_AUDIO:
		return 1;
	default:
		return 0;
	}
}

static tb_series *series_for(tb_ingest *g, const char *tag, const tb_pb_value *v)
{
	size_t len = strlen(tag);
	tb_series *se = find_series(g, tag, len);
	if (se)
		return se;
	const char *plugin;
	int cls;
	tb_value_plugin(v, &plugin, &cls);
	const Tensorboard__SummaryMetadata *md = v->metadata;
	tb_series_meta m = { plugin, cls, "", "", NULL, 0 };
	if (md) {
		m.display_name = md->display_name ? md->display_name : "";
		m.description = md->summary_description ? md->summary_description : "";
		if (md->plugin_data) {
			m.content = md->plugin_data->content.data;
			m.content_len = md->plugin_data->content.len;
		}
	}
	/* The Python loader names legacy values after their tag. */
	if (!m.display_name[0] && is_legacy_kind(v))
		m.display_name = tag;
	se = made(g, tb_run_create(g->store, g->run, tag, len, tb_kind_for(plugin, cls), &m));
	if (se)
		se->too_new = tb_plugin_content_version(m.content, m.content_len) > 0;
	return se;
}

/* Where the current record lies, for a blob of n bytes that is value elem
 * of the Event; false when the blob is kept inline (store.h's rule). */
static bool blob_ref(tb_ingest *g, uint32_t elem, size_t len, size_t rec_len,
		     uint32_t count, tb_blob_ref *ref)
{
	if (!g->file_path || len < TB_BLOB_INLINE_MAX || rec_len > TB_MAX_RECORD_LEN)
		return false;
	/* the file's first blob registers it (run write lock held); out of
	 * memory there: this blob is kept inline */
	if (g->file == TB_BLOB_NO_FILE &&
	    tb_run_blob_file(g->run, g->file_src, g->file_path, &g->file))
		return false;
	*ref = (tb_blob_ref){ .file = g->file, .elem = elem, .rec_crc = g->rec_crc,
			      .rec_len = (uint32_t)rec_len, .count = count,
			      .offset = g->rec_offset };
	return true;
}

static int add_value(tb_ingest *g, const tb_pb_event *ev, const tb_pb_value *v, size_t elem)
{
	tb_run *r = g->run;
	const char *tag = tb_value_tag(v);
	if (!tag[0] || strlen(tag) > TB_MAX_NAME_LEN) {
		r->bad_values++;
		return 0;
	}
	tb_series *se = series_for(g, tag, v);
	if (!se)
		return -ENOMEM;
	tb_store *s = g->store;
	int rc;
	switch (se->kind) {
	case TB_KIND_SCALAR: {
		tb_scalar x;
		if ((rc = tb_value_scalar(v, &x)))
			break;
		return tb_series_append_scalar(s, se, ev->wall_time, ev->step, &x);
	}
	case TB_KIND_HISTOGRAM: {
		double *b;
		size_t n;
		if ((rc = tb_value_histogram(&g->arena, v, &b, &n)))
			break;
		return tb_series_append_hist(s, se, ev->wall_time, ev->step, b, n);
	}
	case TB_KIND_TEXT: {
		tb_text_view t;
		if ((rc = tb_value_text(&g->arena, v, &t)))
			break;
		return tb_series_append_text(s, se, ev->wall_time, ev->step, &t);
	}
	default: {
		tb_blob_type type;
		unsigned char *data;
		size_t len;
		uint32_t count;
		tb_blob_ref ref;
		tb_value_blob_info(v, &type, &len, &count);
		if (g->media_len && elem < g->n_media_len && g->media_len[elem])
			len = g->media_len[elem]; /* its bytes were left in the file */
		if (elem < TB_BLOB_ELEM_RUN_METADATA &&
		    blob_ref(g, (uint32_t)elem, len, g->rec_len, count, &ref))
			return tb_series_append_blob_ref(s, se, ev->wall_time, ev->step, type, len,
							 &ref);
		if ((rc = tb_value_blob(&g->arena, v, &type, &data, &len)))
			break;
		rc = tb_series_append_blob(s, se, ev->wall_time, ev->step, type, data, len);
		if (rc == 0)
			((tb_blob *)se->heavy[se->n - 1])->count = count;
		return rc;
	}
	}
	if (rc == -ENOMEM)
		return rc;
	se->dropped++;
	r->bad_values++;
	return 0;
}

static int add_summary(tb_ingest *g, const tb_pb_event *ev)
{
	const Tensorboard__Summary *sum = ev->summary;
	if (g->store->opts.rule == TB_PURGE_SESSION && g->file_version < 2 && sum->n_value) {
		const char **tags = tb_arena_alloc(&g->arena, sum->n_value * sizeof *tags);
		if (!tags)
			return -ENOMEM;
		for (size_t i = 0; i < sum->n_value; i++)
			tags[i] = tb_value_tag(sum->value[i]);
		purge_old_style(g, ev->step, tags, sum->n_value);
	}
	g->prev_step = ev->step;
	g->has_prev_step = true;
	for (size_t i = 0; i < sum->n_value; i++) {
		int rc = add_value(g, ev, sum->value[i], i);
		if (rc)
			return rc;
	}
	return 0;
}

/* graph_def and tagged_run_metadata events become blob series (§2.1). */
static int add_raw(tb_ingest *g, const tb_pb_event *ev, const char *tag, const char *plugin,
		   const ProtobufCBinaryData *bytes, uint32_t elem)
{
	tb_run *r = g->run;
	size_t len = strlen(tag);
	tb_series *se = tb_run_find(r, tag, len);
	if (!se) {
		tb_series_meta m = { plugin, TB_CLASS_BLOB_SEQUENCE, "", "", NULL, 0 };
		se = made(g, tb_run_create(g->store, r, tag, len, TB_KIND_GRAPH, &m));
		if (!se)
			return -ENOMEM;
	}
	if (se->kind != TB_KIND_GRAPH) {
		se->dropped++;
		return 0;
	}
	tb_blob_ref ref;
	if (blob_ref(g, elem, bytes->len, g->rec_len, 1, &ref))
		return tb_series_append_blob_ref(g->store, se, ev->wall_time, ev->step, TB_BLOB_RAW,
						 bytes->len, &ref);
	return tb_series_append_blob(g->store, se, ev->wall_time, ev->step, TB_BLOB_RAW,
				     bytes->data, bytes->len);
}

static int slow_event(tb_ingest *g, const tb_pb_event *ev)
{
	tb_run *r = g->run;
	note_event(r, ev->wall_time);
	switch (ev->what_case) {
	case TENSORBOARD__EVENT__WHAT_FILE_VERSION:
		g->file_version = parse_file_version(ev->file_version);
		return 0;
	case TENSORBOARD__EVENT__WHAT_SESSION_LOG:
		r->session_logs++;
		if (ev->session_log->status == TENSORBOARD__SESSION_LOG__SESSION_STATUS__START &&
		    ++g->starts > 1 && g->store->opts.rule == TB_PURGE_SESSION &&
		    g->file_version >= 2)
			tb_run_purge(r, ev->step, NULL, 0);
		return 0;
	case TENSORBOARD__EVENT__WHAT_SUMMARY:
		return add_summary(g, ev);
	case TENSORBOARD__EVENT__WHAT_GRAPH_DEF:
		r->graphs++;
		return add_raw(g, ev, "__run_graph__", "graphs", &ev->graph_def,
			       TB_BLOB_ELEM_GRAPH_DEF);
	case TENSORBOARD__EVENT__WHAT_META_GRAPH_DEF:
		r->meta_graphs++;
		return 0;
	case TENSORBOARD__EVENT__WHAT_TAGGED_RUN_METADATA: {
		const Tensorboard__TaggedRunMetadata *t = ev->tagged_run_metadata;
		if (!t->tag || !t->tag[0])
			return 0;
		return add_raw(g, ev, t->tag, "graph_tagged_run_metadata", &t->run_metadata,
			       TB_BLOB_ELEM_RUN_METADATA);
	}
	default:
		return 0;
	}
}

int tb_ingest_record(tb_ingest *g, const unsigned char *p, size_t n)
{
	g->records++;
	g->rec_len = n;
	tb_fast_scalar f;
	if (g->use_fast && tb_event_fast_scalar(p, n, &f)) {
		g->fast++;
		return fast_scalar(g, &f);
	}
	size_t *media_len = NULL, n_media = 0;
	tb_pb_event *ev = g->file_path && n >= TB_LEAN_RECORD ?
				  tb_event_decode_lean(&g->arena, p, n, TB_LEAN_MEDIA, &media_len,
						       &n_media) :
				  tb_event_decode(&g->arena, p, n);
	if (!ev) {
		int oom = g->arena.oom;
		tb_arena_reset(&g->arena);
		return oom ? -ENOMEM : -EBADMSG;
	}
	g->media_len = media_len;
	g->n_media_len = n_media;
	int rc = slow_event(g, ev);
	g->media_len = NULL;
	g->n_media_len = 0;
	tb_arena_reset(&g->arena);
	return rc;
}
