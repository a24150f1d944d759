/*
 * md_preprocess.h - Python-Markdown's preprocessors as TensorBoard runs them
 * (whitespace normalisation, fenced_code, raw-HTML extraction) plus the
 * rewrites that make md4c parse blocks where Python-Markdown does. Internal
 * to the Markdown renderer (markdown.c).
 *
 * Each step reads s[0..n) and appends to o; raw HTML and fenced code are set
 * aside in a stash and replaced by the placeholder "\x02wzxhzdk:N\x03",
 * which markdown.c puts back after md4c has parsed the rest.
 *
 * Ownership: the caller owns the stash (zeroed before the first step; free
 * stash.item and release stash.data after the last). Allocation failure sets
 * o->oom, stash.data.oom or stash.oom; the steps never fail otherwise.
 */
#ifndef TB_MD_PREPROCESS_H
#define TB_MD_PREPROCESS_H

#include "buf.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct tb__md_stash {
	tb_buf data;
	struct { size_t off, len; } *item;
	size_t n, cap;
	bool oom;
} tb__md_stash;

/* NormalizeWhitespace: STX/ETX removed, CRLF/CR -> LF, tabs expanded, blank
   lines emptied. */
void tb__md_normalize(const char *s, size_t n, tb_buf *o);
/* fenced_code: ``` and ~~~ blocks become stashed <pre><code>. */
void tb__md_fenced(const char *s, size_t n, tb_buf *o, tb__md_stash *st);
/* HtmlBlockPreprocessor: raw-HTML blocks, as Python's html.parser finds them,
   go to the stash. */
void tb__md_extract_html(const char *s, size_t n, tb_buf *clean, tb__md_stash *st);
/* Where md4c's CommonMark blocks differ from Python-Markdown's (setext
   headings, table separators, lists interrupting paragraphs, fences), the
   line is rewritten so md4c parses what Python-Markdown would. */
void tb__md_defuse(const char *s, size_t n, tb_buf *o);
/* Is s[0..n) (ASCII case-insensitive) one of Python-Markdown's
   block_level_elements? */
bool tb__md_block_level(const char *s, size_t n);

#endif
