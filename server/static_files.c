/*
 * static_files.c - serving the web page (see static_files.h).
 */
#include "static_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "request.h"
#include "tblimits.h"

int tb_static_clean_path(const char *url_path, char *out, size_t outlen)
{
	const char *p = url_path;
	size_t n = 0;
	while (*p == '/')
		p++;
	if (!*p)
		p = "index.html";
	while (*p) {
		const char *seg = p;
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return -EINVAL;
		for (size_t i = 0; i < len; i++)
			if (seg[i] == '\\' || (unsigned char)seg[i] < 0x20)
				return -EINVAL;
		if (n + len + 2 > outlen)
			return -EINVAL;
		if (n)
			out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
		p += len;
		if (*p == '/')
			p++;
	}
	out[n] = '\0';
	return 0;
}

static const char *mime_of(const char *path)
{
	static const struct { const char *ext, *mime; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml; charset=utf-8" },
		{ ".png", "image/png" },
		{ ".json", "application/json" },
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].mime;
	return "application/octet-stream";
}

/* Open rel (already clean) below root, one component at a time with
 * O_NOFOLLOW, so no symlink -- a directory one included -- leads out. The
 * file itself is opened O_NONBLOCK: opening a FIFO (or a device) for
 * reading must not block a worker; the caller serves regular files only. */
static int open_below(const char *root, const char *rel)
{
	int dir = open(root, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	while (dir >= 0) {
		const char *slash = strchr(rel, '/');
		if (!slash) {
			int fd = openat(dir, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
			close(dir);
			return fd;
		}
		char seg[1024];
		size_t len = (size_t)(slash - rel);
		if (len >= sizeof seg)
			break;
		memcpy(seg, rel, len);
		seg[len] = '\0';
		int next = openat(dir, seg, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
		close(dir);
		dir = next;
		rel = slash + 1;
	}
	if (dir >= 0)
		close(dir);
	return -1;
}

static void serve_dir(const tb_request *req, tb_response *resp, const char *rel)
{
	int fd = open_below(req->app->flags->static_dir, rel);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > TB_STATIC_DIR_MAX_FILE) {
		if (fd >= 0)
			close(fd);
		tb_resp_not_found(resp);
		return;
	}
	tb_buf_grow(&resp->body, (size_t)st.st_size);
	ssize_t k;
	char tmp[65536];
	while ((k = read(fd, tmp, sizeof tmp)) > 0)
		tb_buf_append(&resp->body, tmp, (size_t)k);
	close(fd);
	resp->status = 200;
	resp->content_type = mime_of(rel);
}

void tb_static_serve(const tb_request *req, tb_response *resp)
{
	char rel[1024];
	if (tb_static_clean_path(req->route, rel, sizeof rel)) {
		tb_resp_not_found(resp);
		return;
	}
	if (req->app->flags->static_dir) {
		serve_dir(req, resp, rel);
		return;
	}
	for (const tb_static_file *f = tb_static_files; f->path; f++) {
		if (strcmp(f->path + 1, rel))
			continue;
		resp->status = 200;
		resp->content_type = f->mime;
		snprintf(resp->etag, sizeof resp->etag, "%s", f->etag);
		if (req->if_none_match && !strcmp(req->if_none_match, f->etag)) {
			resp->status = 304;
			return;
		}
		if (req->accept_gzip) {
			tb_resp_static(resp, f->gz, f->gz_len);
			resp->content_encoding = "gzip";
		} else {
			tb_resp_static(resp, f->raw, f->raw_len);
		}
		return;
	}
	tb_resp_not_found(resp);
}
