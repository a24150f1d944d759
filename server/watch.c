/*
 * watch.c - inotify and polling behind tb_watch (see watch.h).
 *
 * Watch descriptors map to directory paths through a small table. Events
 * are read in one buffer per wait; a directory that sees several writes in
 * one wait is reported once.
 */
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "log.h"
#include "logdir.h"
#include "vec.h"

struct dir_entry {
	int wd;
	char *path;
};

struct tb_watch {
	int ifd;                   /* inotify fd, -1 when polling */
	int wake[2];               /* self-pipe for tb_watch_wake */
	bool polling;
	bool limit_logged;
	struct dir_entry *dirs;    /* sorted by wd: 20,000 runs are 20,000 watches */
	size_t n_dirs, cap_dirs;
	char **dirty;              /* returned to the caller */
	size_t n_dirty, cap_dirty;
};

/* statfs magic numbers of filesystems where inotify misses remote writes */
static const unsigned long remote_magic[] = {
	0x6969,      /* NFS */
	0x517B,      /* SMB */
	0xFF534D42,  /* CIFS */
	0xFE534D42,  /* SMB2 */
	0x65735546,  /* FUSE (sshfs, gcsfuse, s3fs...) */
	0x01021997,  /* 9p */
	0x0BD00BD0,  /* Lustre */
	0x47504653,  /* GPFS */
	0x00C36400,  /* Ceph */
	0x5346414F,  /* AFS */
};

bool tb_watch_is_remote(const char *path)
{
	struct statfs st;
	if (statfs(path, &st) != 0)
		return false;
	for (size_t i = 0; i < sizeof remote_magic / sizeof *remote_magic; i++)
		if ((unsigned long)st.f_type == remote_magic[i])
			return true;
	return false;
}

tb_watch *tb_watch_new(const char *root, tb_watch_mode mode)
{
	tb_watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->ifd = -1;
	if (pipe2(w->wake, O_CLOEXEC | O_NONBLOCK)) {
		free(w);
		return NULL;
	}
	w->polling = mode == TB_WATCH_POLL;
	if (mode == TB_WATCH_AUTO && root && tb_watch_is_remote(root)) {
		tb_log(TB_LOG_INFO, "%s is on a network filesystem: polling for changes", root);
		w->polling = true;
	}
	if (!w->polling) {
		w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (w->ifd < 0) {
			tb_log(TB_LOG_WARN, "inotify unavailable (%s): polling for changes", strerror(errno));
			w->polling = true;
		}
	}
	return w;
}

void tb_watch_free(tb_watch *w)
{
	if (!w)
		return;
	if (w->ifd >= 0)
		close(w->ifd);
	close(w->wake[0]);
	close(w->wake[1]);
	for (size_t i = 0; i < w->n_dirs; i++)
		free(w->dirs[i].path);
	free(w->dirs);
	for (size_t i = 0; i < w->n_dirty; i++)
		free(w->dirty[i]);
	free(w->dirty);
	free(w);
}

bool tb_watch_polling(const tb_watch *w)
{
	return w->polling;
}

static void fall_back_to_polling(tb_watch *w, const char *why)
{
	if (!w->limit_logged)
		tb_log(TB_LOG_WARN, "cannot watch more directories (%s): polling for changes from now on "
		       "(raise fs.inotify.max_user_watches to avoid this)", why);
	w->limit_logged = true;
	w->polling = true;
}

/* Position of wd in w->dirs, or where it would go (*found false). */
static size_t find_wd(const tb_watch *w, int wd, bool *found)
{
	size_t lo = 0, hi = w->n_dirs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->dirs[mid].wd < wd)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < w->n_dirs && w->dirs[lo].wd == wd;
	return lo;
}

void tb_watch_add(tb_watch *w, const char *dir)
{
	if (w->polling)
		return;
	int wd = inotify_add_watch(w->ifd, dir, IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE |
				   IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF |
				   IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR);
	if (wd < 0) {
		if (errno == ENOSPC || errno == ENOMEM)
			fall_back_to_polling(w, strerror(errno));
		return; /* vanished meanwhile: the next rescan notices */
	}
	bool found;
	size_t i = find_wd(w, wd, &found);
	if (found) {
		if (strcmp(w->dirs[i].path, dir)) { /* same inode, new name */
			char *p = strdup(dir);
			if (p) {
				free(w->dirs[i].path);
				w->dirs[i].path = p;
			}
		}
		return;
	}
	if (tb_array_grow(w->dirs, w->cap_dirs, w->n_dirs))
		return;
	char *p = strdup(dir);
	if (!p)
		return;
	memmove(&w->dirs[i + 1], &w->dirs[i], (w->n_dirs - i) * sizeof *w->dirs);
	w->dirs[i].wd = wd;
	w->dirs[i].path = p;
	w->n_dirs++;
}

static const char *dir_of(const tb_watch *w, int wd)
{
	bool found;
	size_t i = find_wd(w, wd, &found);
	return found ? w->dirs[i].path : NULL;
}

static void forget_wd(tb_watch *w, int wd)
{
	bool found;
	size_t i = find_wd(w, wd, &found);
	if (!found)
		return;
	free(w->dirs[i].path);
	w->n_dirs--;
	memmove(&w->dirs[i], &w->dirs[i + 1], (w->n_dirs - i) * sizeof *w->dirs);
}

static void mark_dirty(tb_watch *w, const char *dir)
{
	for (size_t i = 0; i < w->n_dirty; i++)
		if (!strcmp(w->dirty[i], dir))
			return;
	if (tb_array_grow(w->dirty, w->cap_dirty, w->n_dirty))
		return;
	char *p = strdup(dir);
	if (p)
		w->dirty[w->n_dirty++] = p;
}

static void read_events(tb_watch *w, tb_watch_result *res)
{
	_Alignas(struct inotify_event) char buf[64 * 1024];
	for (;;) {
		ssize_t n = read(w->ifd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				res->rescan = true;
				continue;
			}
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
				if (ev->mask & IN_IGNORED)
					forget_wd(w, ev->wd);
				res->rescan = true;
				continue;
			}
			const char *dir = dir_of(w, ev->wd);
			if (!dir)
				continue;
			bool is_event_file = ev->len && (tb_logdir_is_event_file(ev->name) ||
							    tb_logdir_is_wandb_file(ev->name));
			if (ev->mask & IN_ISDIR) {
				if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE))
					res->rescan = true;
				continue;
			}
			if (!is_event_file)
				continue;
			if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB))
				res->rescan = true;
			mark_dirty(w, dir);
		}
	}
}

int tb_watch_wait(tb_watch *w, int timeout_ms, tb_watch_result *res)
{
	for (size_t i = 0; i < w->n_dirty; i++)
		free(w->dirty[i]);
	w->n_dirty = 0;
	memset(res, 0, sizeof *res);
	struct pollfd fds[2] = { { w->wake[0], POLLIN, 0 }, { w->ifd, POLLIN, 0 } };
	int nfds = w->polling ? 1 : 2;
	int rc = poll(fds, (nfds_t)nfds, timeout_ms);
	if (rc > 0 && (fds[0].revents & POLLIN)) {
		char tmp[64];
		while (read(w->wake[0], tmp, sizeof tmp) > 0)
			;
		return -EINTR;
	}
	if (rc == 0) {
		res->timeout = true;
		res->rescan = w->polling;
	}
	if (!w->polling && rc > 0)
		read_events(w, res);
	res->dirty = (const char *const *)w->dirty;
	res->n_dirty = w->n_dirty;
	return 0;
}

void tb_watch_wake(tb_watch *w)
{
	char c = 1;
	ssize_t k = write(w->wake[1], &c, 1);
	(void)k;
}
