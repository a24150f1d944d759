/*
 * watch.h - noticing changes under a logdir: inotify, or polling.
 *
 * Two implementations behind one small interface. inotify watches every
 * directory it is given (not recursive: the caller adds new directories as
 * the rescans find them) and reports which directories saw event-file
 * writes, and whether a rescan is needed (files or directories created,
 * moved or deleted; queue overflow). Polling reports "rescan everything"
 * once per interval. Polling is used on request, on filesystems where
 * inotify cannot see other machines' writes (NFS, CIFS/SMB, FUSE such as
 * sshfs, 9p, Lustre, GPFS, Ceph) and when the inotify watch limit runs out
 * (logged once).
 *
 * Re-entrancy: tb_watch_wait() is called by one thread (the live loop);
 * tb_watch_wake() may be called from any thread to end a wait early.
 */
#ifndef TB_WATCH_H
#define TB_WATCH_H

#include <stdbool.h>
#include <stddef.h>

typedef enum tb_watch_mode {
	TB_WATCH_AUTO = 0,
	TB_WATCH_INOTIFY = 1,
	TB_WATCH_POLL = 2,
} tb_watch_mode;

typedef struct tb_watch tb_watch;

/* What one wait saw. dirty holds directory paths (borrowed until the next
 * wait) whose event files grew; rescan means the tree itself changed. */
typedef struct tb_watch_result {
	bool rescan;
	bool timeout;
	const char *const *dirty;
	size_t n_dirty;
} tb_watch_result;

/* root decides AUTO: polling on remote filesystems. NULL on OOM. */
tb_watch *tb_watch_new(const char *root, tb_watch_mode mode);
void tb_watch_free(tb_watch *w);

bool tb_watch_polling(const tb_watch *w);

/* Watch a directory (idempotent). When inotify refuses (watch limit), the
 * watcher logs it once and falls back to polling. */
void tb_watch_add(tb_watch *w, const char *dir);

/* Wait up to timeout_ms for changes (polling: always the full timeout, then
 * rescan). Returns 0, or -EINTR when woken by tb_watch_wake(). */
int tb_watch_wait(tb_watch *w, int timeout_ms, tb_watch_result *res);

void tb_watch_wake(tb_watch *w);

/* Is path on a filesystem whose remote writes inotify cannot see? */
bool tb_watch_is_remote(const char *path);

#endif
