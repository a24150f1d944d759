/*
 * wandb_console.h - W&B console output as a terminal would show it.
 *
 * W&B records raw terminal data (`output`, `output_raw` records): progress
 * bars redrawn with '\r', ANSI colour and cursor escapes, partial lines
 * continued by the next record. This module is a tiny terminal: '\r' moves
 * to the start of the line and later characters overwrite it, '\b' moves
 * back, ESC[K erases to the end of the line, every other escape sequence
 * and control character is dropped (never passed on), '\n' ends a line.
 * Finished lines collect in a pending block, each indented four spaces so
 * the block is a Markdown code block: the text plugin then shows it
 * verbatim and its sanitiser escapes any HTML.
 *
 * A line longer than TB_WANDB_MAX_LINE is cut there (counted).
 *
 * Ownership: the console owns its buffers; tb_wandb_console_release().
 */
#ifndef TB_WANDB_CONSOLE_H
#define TB_WANDB_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct tb_wandb_console {
	char *line;             /* the line being written */
	size_t len, cap, cursor;
	int esc;                /* escape-sequence parser state */
	char csi_final;
	int csi_param;
	tb_buf block;           /* finished lines, Markdown code block */
	size_t block_lines;
	int64_t first_line;     /* number of the block's first line */
	int64_t lines;          /* lines finished so far */
	uint64_t cut;           /* lines cut at TB_WANDB_MAX_LINE */
} tb_wandb_console;

void tb_wandb_console_init(tb_wandb_console *c);
void tb_wandb_console_release(tb_wandb_console *c);

/* Feed raw terminal bytes. Returns 0 or -ENOMEM. */
int tb_wandb_console_feed(tb_wandb_console *c, const char *p, size_t n);

/* End the unfinished line, if any (the run exited). */
int tb_wandb_console_finish_line(tb_wandb_console *c);

/* The pending block (borrowed until the next call) and the number of its
 * first line; then the block is emptied. Returns the line count (0: none). */
size_t tb_wandb_console_take(tb_wandb_console *c, const char **text, size_t *len,
			     int64_t *first_line);
void tb_wandb_console_taken(tb_wandb_console *c);

#endif
