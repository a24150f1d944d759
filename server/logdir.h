/*
 * logdir.h - finding runs and event files under a logdir (reference §1).
 *
 * A run is any directory that directly holds a regular file (symlinks
 * followed) whose name contains "tfevents"; its name is the path relative to
 * the logdir with '/' separators, "." for the logdir itself. Directories
 * with such names are not files. Symlinked directories are followed, but
 * each real directory (device, inode) is walked once: every real directory
 * first under its own name, then the symlinked ones not reached yet, so
 * loops end and links cannot multiply runs. Nesting beyond
 * TB_MAX_WALK_DEPTH is not walked.
 *
 * A W&B run folder is a run the same way: a directory directly holding
 * "run-<id>.wandb" (wandb/run-<date>-<id>/, offline-run-...), named by its
 * path (docs/user-guide.md, "Weights & Biases runs"). A directory holding
 * both kinds is one run with both files.
 *
 * This module only lists; it opens no event file.
 */
#ifndef TB_LOGDIR_H
#define TB_LOGDIR_H

#include <stddef.h>

/* Called once per run, in path order, with the run's event file names
 * sorted lexicographically (borrowed for the call). dir is the run's
 * directory path (logdir-joined). A non-zero return stops the walk. */
typedef int (*tb_logdir_fn)(void *ctx, const char *run, const char *dir,
			    char *const *files, size_t n_files);

/* Returns 0, -ENOENT when root does not exist, -ENOTDIR when it is not a
 * directory, or the callback's non-zero value. Unreadable subdirectories
 * are logged once per walk and skipped. */
int tb_logdir_walk(const char *root, tb_logdir_fn fn, void *ctx);

/* The same, also calling dir_fn (if not NULL) for every directory walked,
 * root included, before its runs: what a watcher must watch. */
typedef void (*tb_logdir_dir_fn)(void *ctx, const char *dir);
int tb_logdir_walk_all(const char *root, tb_logdir_fn fn, tb_logdir_dir_fn dir_fn, void *ctx);

/* The same, finding only the kinds of run files asked for. */
enum { TB_LOGDIR_TFEVENTS = 1, TB_LOGDIR_WANDB = 2 };
int tb_logdir_walk_kinds(const char *root, tb_logdir_fn fn, tb_logdir_dir_fn dir_fn, void *ctx,
			 unsigned kinds);

/* Does a file name mark an event file? A W&B run log ("run-*.wandb")? */
int tb_logdir_is_event_file(const char *name);
int tb_logdir_is_wandb_file(const char *name);

#endif
