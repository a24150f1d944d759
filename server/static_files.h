/*
 * static_files.h - the web page: assets embedded at build time, or read from
 * --static_dir while working on the frontend.
 *
 * Embedded assets come with a gzip copy and an ETag; they are served as-is
 * (no template processing). Paths from --static_dir are canonicalised in one
 * function and must stay under the directory: "..", NUL and backslashes are
 * rejected before any file is opened.
 */
#ifndef TB_STATIC_FILES_H
#define TB_STATIC_FILES_H

#include <stddef.h>

typedef struct tb_static_file {
	const char *path;        /* URL path below the mount, e.g. "/index.html" */
	const char *mime;
	const unsigned char *raw;
	size_t raw_len;
	const unsigned char *gz;
	size_t gz_len;
	const char *etag;
} tb_static_file;

/* Generated table, terminated by an entry with path NULL. */
extern const tb_static_file tb_static_files[];

struct tb_request;
struct tb_response;

/* Serve req->route ("/" means "/index.html"). 404 "Not found" otherwise. */
void tb_static_serve(const struct tb_request *req, struct tb_response *resp);

/* Canonicalise a URL path below a root: returns 0 and a relative path in
 * out, or -EINVAL for "..", ".", empty segments' tricks, NUL or '\\'. */
int tb_static_clean_path(const char *url_path, char *out, size_t outlen);

#endif
