/*
 * record.c - TFRecord framing (see record.h).
 *
 * Reads in large chunks (TB_READ_CHUNK) into one buffer, compacting it when
 * the consumed prefix dominates. Lengths are checked against
 * TB_MAX_RECORD_LEN and their CRC before any buffer grows for them, so a
 * garbage length cannot make us allocate gigabytes.
 */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "source.h"
#include "tblimits.h"

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v; /* little-endian host, as TFRecord */
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void reader_init(tb_record_reader *r)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	r->verify_payload_crc = 1;
}

int tb_record_open(tb_record_reader *r, const char *path, uint64_t offset)
{
	reader_init(r);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	r->fd = fd;
	r->file_pos = offset;
	return 0;
}

int tb_record_open_source(tb_record_reader *r, struct tb_source_file *f, uint64_t offset)
{
	reader_init(r);
	r->src = f;
	r->file_pos = offset;
	return 0;
}

int tb_record_open_mem(tb_record_reader *r, const void *data, size_t n)
{
	reader_init(r);
	r->buf = malloc(n ? n : 1);
	if (!r->buf)
		return -ENOMEM;
	if (n)
		memcpy(r->buf, data, n);
	r->buf_len = n;
	r->buf_cap = n ? n : 1;
	r->file_pos = n;
	return 0;
}

void tb_record_close(tb_record_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	tb_source_close(r->src);
	free(r->buf);
	reader_init(r);
}

static uint64_t file_size(tb_record_reader *r)
{
	if (r->src)
		return tb_source_file_size(r->src);
	struct stat st;
	return fstat(r->fd, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
}

/* Make room for at least `need` bytes from buf_pos on, then read what the
 * file has. Returns bytes added (0 at end of file) or a negative code. */
static ssize_t fill(tb_record_reader *r, size_t need)
{
	if (r->fd < 0 && !r->src)
		return 0;
	size_t held = r->buf_len - r->buf_pos;
	if (r->buf_pos && (r->buf_pos >= r->buf_cap / 2 || r->buf_cap - r->buf_pos < need)) {
		memmove(r->buf, r->buf + r->buf_pos, held);
		r->buf_pos = 0;
		r->buf_len = held;
	}
	/* Never grow past what the file can supply: a length field that
	 * passed its CRC can still promise more bytes than exist, and a
	 * partial record must not make us hold TB_MAX_RECORD_LEN for it. */
	if (need > TB_READ_CHUNK) {
		uint64_t size = file_size(r);
		if (size >= r->file_pos && size - r->file_pos < need - held)
			need = held + (size_t)(size - r->file_pos);
	}
	size_t cap = r->buf_cap;
	if (cap < r->buf_pos + need)
		cap = r->buf_pos + need;
	if (cap - r->buf_len < TB_READ_CHUNK / 2)
		cap = r->buf_len + TB_READ_CHUNK;
	if (cap != r->buf_cap) {
		unsigned char *p = realloc(r->buf, cap);
		if (!p)
			return -ENOMEM;
		r->buf = p;
		r->buf_cap = cap;
	}
	size_t added = 0;
	while (held + added < need) {
		ssize_t k = r->src ? tb_source_read(r->src, r->buf + r->buf_len, r->buf_cap - r->buf_len, r->file_pos)
				   : read(r->fd, r->buf + r->buf_len, r->buf_cap - r->buf_len);
		if (k < 0) {
			if (r->src)
				return k;
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		if (k == 0)
			break;
		r->buf_len += (size_t)k;
		r->file_pos += (uint64_t)k;
		added += (size_t)k;
	}
	return (ssize_t)added;
}

void tb_record_idle(tb_record_reader *r)
{
	if ((r->fd < 0 && !r->src) || r->buf_len != r->buf_pos)
		return;
	free(r->buf);
	r->buf = NULL;
	r->buf_pos = r->buf_len = r->buf_cap = 0;
}

int tb_record_next(tb_record_reader *r, const unsigned char **payload, size_t *len)
{
	if (r->error)
		return r->error;
	if (r->buf_len - r->buf_pos < TB_RECORD_HEADER_LEN) {
		ssize_t k = fill(r, TB_RECORD_HEADER_LEN);
		if (k < 0)
			return r->error = (int)k;
		if (r->buf_len - r->buf_pos < TB_RECORD_HEADER_LEN)
			return 0;
	}
	const unsigned char *h = r->buf + r->buf_pos;
	uint64_t n = get_u64(h);
	if (tb_crc32c_mask(tb_crc32c(0, h, 8)) != get_u32(h + 8))
		return r->error = -EBADMSG;
	if (n > TB_MAX_RECORD_LEN)
		return r->error = -EFBIG;
	size_t total = TB_RECORD_HEADER_LEN + (size_t)n + TB_RECORD_FOOTER_LEN;
	if (r->buf_len - r->buf_pos < total) {
		ssize_t k = fill(r, total);
		if (k < 0)
			return r->error = (int)k;
		if (r->buf_len - r->buf_pos < total)
			return 0;
	}
	const unsigned char *p = r->buf + r->buf_pos + TB_RECORD_HEADER_LEN;
	if (r->verify_payload_crc &&
	    tb_crc32c_mask(tb_crc32c(0, p, (size_t)n)) != get_u32(p + n))
		return r->error = -EBADMSG;
	r->buf_pos += total;
	*payload = p;
	*len = (size_t)n;
	return 1;
}

void tb_record_frame(unsigned char *out, const void *payload, uint64_t len)
{
	memcpy(out, &len, 8);
	uint32_t c = tb_crc32c_mask(tb_crc32c(0, out, 8));
	memcpy(out + 8, &c, 4);
	memcpy(out + TB_RECORD_HEADER_LEN, payload, (size_t)len);
	c = tb_crc32c_mask(tb_crc32c(0, payload, (size_t)len));
	memcpy(out + TB_RECORD_HEADER_LEN + len, &c, 4);
}
