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
#include "query.h"
#include "writer.h"

static int tags_run(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	tb_write_sep(arg);
	tb_write_tag_list(arg, r->name, tags, n);
	return 0;
}

void tb_api_text_tags(const tb_request *req, tb_response *resp)
{
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_putc(b, '{');
	if (tb_query_tags(&req->app->store, TB_KIND_TEXT, tags_run, b))
		tb_resp_oom(resp);
	tb_buf_putc(b, '}');
}

/* Appends the view's points; returns 0 or tb_text_render's error. */
static int write_points(tb_buf *b, const tb_view *v, bool markdown)
{
	tb_buf html = TB_BUF_INIT;
	int rc = 0;
	tb_buf_putc(b, '[');
	for (size_t i = v->first; i < v->end && rc == 0; i++) {
		const tb_text *t = tb_series_text(v->se, i);
		tb_buf_reset(&html);
		rc = tb_text_render((const char *const *)t->strs, t->lens, t->n_strs, t->dims,
				    t->rank, markdown, &html);
		if (rc == 0 && html.oom)
			rc = -ENOMEM;
		if (rc)
			break;
		if (i > v->first)
			tb_buf_puts(b, ", ");
		tb_buf_puts(b, "{\"wall_time\": ");
		tb_json_double(b, tb_series_wall(v->se, i));
		tb_buf_puts(b, ", \"step\": ");
		tb_json_int(b, tb_series_step(v->se, i));
		tb_buf_puts(b, ", \"text\": ");
		tb_json_str(b, html.data ? html.data : "", html.len);
		tb_buf_putc(b, '}');
	}
	tb_buf_putc(b, ']');
	tb_buf_release(&html);
	return rc ? rc : b->oom ? -ENOMEM : 0;
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
	tb_view v;
	if (tb_view_open(&v, &req->app->store, run, tag, TB_KIND_TEXT)) {
		tb_buf_puts(&resp->body, "[]");
		return;
	}
	int rc = write_points(&resp->body, &v, markdown);
	tb_view_release(&v);
	if (rc == -EILSEQ)
		tb_resp_error(resp, 500, "text is not valid UTF-8 (run '%s', tag '%s')", run, tag);
	else if (rc == -ENOMEM)
		tb_resp_oom(resp);
	else if (rc)
		tb_resp_error(resp, 500, "text tensor has an inconsistent shape (run '%s', tag '%s')",
			      run, tag);
}
