/*
 * wandb_console.c - terminal collapse of W&B console output (see
 * wandb_console.h).
 */
#include "wandb_console.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tblimits.h"

enum { ESC_NONE, ESC_SEEN, ESC_CSI, ESC_OSC, ESC_OSC_ESC };

void tb_wandb_console_init(tb_wandb_console *c)
{
	memset(c, 0, sizeof *c);
	tb_buf_init(&c->block);
}

void tb_wandb_console_release(tb_wandb_console *c)
{
	free(c->line);
	tb_buf_release(&c->block);
	memset(c, 0, sizeof *c);
}

static int put(tb_wandb_console *c, char ch)
{
	if (c->cursor >= TB_WANDB_MAX_LINE) {
		if (c->cursor == TB_WANDB_MAX_LINE) {
			c->cut++;
			c->cursor++;
		}
		return 0;
	}
	if (c->cursor >= c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		char *p = realloc(c->line, cap);
		if (!p)
			return -ENOMEM;
		c->line = p;
		c->cap = cap;
	}
	c->line[c->cursor++] = ch;
	if (c->cursor > c->len)
		c->len = c->cursor;
	return 0;
}

static int end_line(tb_wandb_console *c)
{
	if (!c->block_lines)
		c->first_line = c->lines;
	tb_buf_append(&c->block, "    ", 4);
	tb_buf_append(&c->block, c->line ? c->line : "", c->len);
	tb_buf_putc(&c->block, '\n');
	c->block_lines++;
	c->lines++;
	c->len = c->cursor = 0;
	return c->block.oom ? -ENOMEM : 0;
}

/* The final byte of a CSI sequence: only "erase in line" changes what a
 * reader of the log sees; colours and cursor moves are dropped. */
static void csi_done(tb_wandb_console *c, char final)
{
	if (final == 'K' && c->csi_param == 0 && c->cursor < c->len)
		c->len = c->cursor;
	else if (final == 'K' && c->csi_param == 2)
		c->len = c->cursor = 0;
}

static int feed_escape(tb_wandb_console *c, unsigned char ch)
{
	switch (c->esc) {
	case ESC_SEEN:
		c->esc = ch == '[' ? ESC_CSI : ch == ']' ? ESC_OSC : ESC_NONE;
		c->csi_param = 0;
		return 1;
	case ESC_CSI:
		if (ch >= '0' && ch <= '9') {
			if (c->csi_param < 1000)
				c->csi_param = c->csi_param * 10 + (ch - '0');
		} else if (ch >= 0x40 && ch <= 0x7e) {
			csi_done(c, (char)ch);
			c->esc = ESC_NONE;
		}
		return 1;
	case ESC_OSC: /* ends with BEL or ESC \ */
		if (ch == 7)
			c->esc = ESC_NONE;
		else if (ch == 27)
			c->esc = ESC_OSC_ESC;
		return 1;
	case ESC_OSC_ESC:
		c->esc = ch == '\\' ? ESC_NONE : ESC_OSC;
		return 1;
	}
	return 0;
}

int tb_wandb_console_feed(tb_wandb_console *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		int rc = 0;
		if (c->esc && feed_escape(c, ch))
			continue;
		if (ch == 27)
			c->esc = ESC_SEEN;
		else if (ch == '\n')
			rc = end_line(c);
		else if (ch == '\r')
			c->cursor = 0;
		else if (ch == '\b')
			c->cursor -= c->cursor > 0 && c->cursor <= c->len;
		else if (ch == '\t' || ch >= 0x20)
			rc = ch == 0x7f ? 0 : put(c, (char)ch);
		if (rc)
			return rc;
	}
	return 0;
}

int tb_wandb_console_finish_line(tb_wandb_console *c)
{
	return c->len ? end_line(c) : 0;
}

size_t tb_wandb_console_take(tb_wandb_console *c, const char **text, size_t *len,
			     int64_t *first_line)
{
	*text = c->block.data;
	*len = c->block.len;
	*first_line = c->first_line;
	return c->block_lines;
}

void tb_wandb_console_taken(tb_wandb_console *c)
{
	tb_buf_reset(&c->block);
	c->block_lines = 0;
}
