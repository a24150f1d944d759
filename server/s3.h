/*
 * s3.h - a small S3 client: list a prefix, read a byte range.
 *
 * libcurl does the HTTP and the AWS Signature Version 4 (CURLOPT_AWS_SIGV4);
 * this module builds URLs (path-style or virtual-host), parses the few
 * ListObjectsV2 fields it needs, classifies failures and retries the
 * transient ones (network errors, timeouts, 5xx, 503 SlowDown) with
 * exponential backoff and full jitter.
 *
 * Configuration comes from the environment, as the AWS tools read it:
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION or
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL or TensorBoard's S3_ENDPOINT,
 * S3_USE_PATH_STYLE, S3_VERIFY_SSL, AWS_CA_BUNDLE; no key (or
 * AWS_NO_SIGN_REQUEST) means anonymous requests. Credentials are never
 * logged or put in an error text.
 *
 * Concurrency: a tb_s3 may be used from many threads. It keeps at most
 * TB_S3_MAX_PARALLEL curl handles (each keeping its connection alive) and
 * shares DNS and connections between them; a request waits for a free one,
 * which bounds the requests in flight. A throttled answer (503 SlowDown,
 * 429) halves the requests allowed at once; calm answers raise it again.
 */
#ifndef TB_S3_H
#define TB_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct tb_s3 tb_s3;

/* Failure classes, as negative errno codes:
 *   -ENOENT   no such bucket (or key, for a read)
 *   -EACCES   credentials refused (unknown key, bad signature, denied)
 *   -EINVAL   the request was refused as malformed (e.g. wrong region)
 *   -EIO      network or server failure still there after the retries
 *   -EAGAIN   the object changed under a read (If-Match failed)
 *   -ENOMEM   out of memory
 * Each call that fails fills err with one line fit for a log and a banner. */

/* From the environment. NULL on OOM or a bad setting (message in err). */
tb_s3 *tb_s3_new(char *err, size_t errlen);
void tb_s3_free(tb_s3 *s);

/* Where requests go, for messages: "http://127.0.0.1:8000" or "AWS". */
const char *tb_s3_endpoint(const tb_s3 *s);

typedef struct tb_s3_object {
	const char *key;
	uint64_t size;
	const char *etag;       /* as the server sent it, quotes removed */
} tb_s3_object;

/* Called per object; a non-zero return stops the listing and is returned. */
typedef int (*tb_s3_list_fn)(void *ctx, const tb_s3_object *o);

/* Every object under prefix (ListObjectsV2, all pages). Returns 0 or a
 * negative code. */
int tb_s3_list(tb_s3 *s, const char *bucket, const char *prefix, tb_s3_list_fn fn, void *ctx,
	       char *err, size_t errlen);

/* Up to n bytes of key from offset, into buf; etag (if not NULL) must
 * still match. Returns bytes read (0 at or past the end) or a negative
 * code. */
ssize_t tb_s3_read(tb_s3 *s, const char *bucket, const char *key, const char *etag,
		   uint64_t offset, void *buf, size_t n, char *err, size_t errlen);

/* Requests sent so far (retries included), and how many of them were
 * retries of a transient failure: for benchmarks and status. */
uint64_t tb_s3_requests(const tb_s3 *s);
uint64_t tb_s3_retries(const tb_s3 *s);

/* Decode the five XML entities and numeric references in place (exposed
 * for tests). Returns false on a malformed reference. */
bool tb_s3_xml_unescape(char *s);

#endif
