/*
 * api_text.c - the text plugin (reference §2.5, §4.6).
 *
 *   tags                          {run: [tag, ...]}
 *   text?run&tag[&markdown=false] [{"wall_time": w, "step": s, "text": html}, ...]
 *
 * Each point's string tensor becomes HTML through markdown.c's
 * tb_text_render (Markdown unless markdown is exactly "false"; sanitised
 * always). As in TensorBoard an unknown run or tag is an empty list, not a
 * 404, and text that is not UTF-8 fails the whole request with a 500.
 * Missing run or tag is a 400 (TensorBoard crashes with 500). The newest N
 * points are sent when --samples_per_plugin caps "text"; all otherwise.
 */
#include <errno.h>
#include <string.h>

#include "api.h"
#include "json.h"
#include "markdown.h"

void tb_api_text_tags(const tb_request *req, tb_response *resp)
{
	tb_store *s = &req->app->store;
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_putc(b, '{');
	bool first_run = true;
	tb_store_rdlock(s);
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = s->runs[i];
		tb_run_rdlock(r);
		bool first_tag = true;
		for (size_t k = 0; k < r->n_series; k++) {
			const tb_series *se = r->series[k];
			if (!tb_series_visible(se, TB_KIND_TEXT))
				continue;
			if (first_tag) {
				if (!first_run)
					tb_buf_puts(b, ", ");
				tb_json_cstr(b, r->name);
				tb_buf_puts(b, ": [");
				first_run = false;
			} else {
				tb_buf_puts(b, ", ");
			}
			first_tag = false;
			tb_json_str(b, se->tag, se->tag_len);
		}
		if (!first_tag)
			tb_buf_putc(b, ']');
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	tb_buf_putc(b, '}');
}

/* Appends the points [from, to) of se; returns 0 or tb_text_render's error. */
static int write_points(tb_buf *b, const tb_series *se, size_t from, size_t to, bool markdown)
{
	tb_buf html = TB_BUF_INIT;
	int rc = 0;
	tb_buf_putc(b, '[');
	for (size_t i = from; i < to && rc == 0; i++) {
		const tb_text *t = tb_series_text(se, i);
		tb_buf_reset(&html);
		rc = tb_text_render((const char *const *)t->strs, t->lens, t->count, t->dims,
				    t->rank, markdown, &html);
		if (rc == 0 && html.oom)
			rc = -ENOMEM;
		if (rc)
			break;
		if (i > from)
			tb_buf_puts(b, ", ");
		tb_buf_puts(b, "{\"wall_time\": ");
		tb_json_double(b, tb_series_wall(se, i));
		tb_buf_puts(b, ", \"step\": ");
		tb_json_int(b, tb_series_step(se, i));
		tb_buf_puts(b, ", \"text\": ");
		tb_json_str(b, html.data ? html.data : "", html.len);
		tb_buf_putc(b, '}');
	}
	tb_buf_putc(b, ']');
	tb_buf_release(&html);
	return rc;
}

void tb_api_text(const tb_request *req, tb_response *resp)
{
	const char *run = tb_req_arg(req, "run"), *tag = tb_req_arg(req, "tag");
	if (!run || !tag) {
		tb_resp_error(resp, 400, "Missing %s",
			      !run && !tag ? "'run' and 'tag' parameters" :
			      !run ? "'run' parameter" : "'tag' parameter");
		return;
	}
	const char *md = tb_req_arg(req, "markdown");
	bool markdown = !md || strcmp(md, "false");
	tb_resp_json(resp);
	tb_store *s = &req->app->store;
	tb_store_rdlock(s);
	tb_run *r = tb_store_find_run(s, run);
	if (!r) {
		tb_store_unlock(s);
		tb_buf_puts(&resp->body, "[]");
		return;
	}
	tb_run_rdlock(r);
	const tb_series *se = tb_run_find(r, tag, strlen(tag));
	int rc = 0;
	if (se && tb_series_visible(se, TB_KIND_TEXT)) {
		size_t from, to;
		tb_serve_range(req, se, "text", &from, &to);
		rc = write_points(&resp->body, se, from, to, markdown);
	} else {
		tb_buf_puts(&resp->body, "[]");
	}
	tb_run_unlock(r);
	tb_store_unlock(s);
	if (rc == -EILSEQ)
		tb_resp_error(resp, 500, "text is not valid UTF-8 (run '%s', tag '%s')", run, tag);
	else if (rc == -ENOMEM)
		tb_resp_error(resp, 503, "out of memory");
	else if (rc)
		tb_resp_error(resp, 500, "text tensor has an inconsistent shape (run '%s', tag '%s')",
			      run, tag);
}
