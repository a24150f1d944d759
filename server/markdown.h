/*
 * markdown.h - TensorBoard's text rendering: Markdown to sanitised HTML, and
 * the HTML tables the text plugin makes of string tensors.
 *
 * What it does: reproduces, byte for byte where it can, what TensorBoard's
 * Python code answers: Python-Markdown (extensions "tables" and
 * "fenced_code") followed by bleach's Cleaner with TensorBoard's allow-list
 * (reference section 2.5). Markdown is parsed with md4c and re-emitted the
 * way Python-Markdown formats it; the sanitiser re-implements the part of
 * html5lib + bleach that can be reached with that allow-list. What it does
 * not do: it never executes, fetches or resolves anything, and it keeps no
 * state between calls (TensorBoard's Markdown instance leaks link
 * references from one document to the next; tbserve does not).
 *
 * Invariant: whatever the input, the HTML appended to out contains only the
 * allowed elements (ul ol li p pre code blockquote h1-h6 hr br strong em a
 * img table thead tbody td tr th), only a[href,title] and img[src,title,alt]
 * attributes, href/src only with http, https, mailto or no scheme, no
 * comments, and is well-formed, valid UTF-8. Everything else arrives as
 * escaped text.
 *
 * Ownership: callers own out; functions only append to it. On error nothing
 * is appended. Allocation failure sets out->oom (tb_buf's sticky flag) or is
 * returned as -ENOMEM.
 */
#ifndef TB_MARKDOWN_H
#define TB_MARKDOWN_H

#include "buf.h"
#include "html_sanitize.h" /* tb_html_sanitize(), for markdown=false */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Markdown (Python-Markdown dialect as TensorBoard configures it: tables +
   fenced_code) -> sanitised HTML, appended to out. NUL bytes are dropped and
   TensorBoard's warning comment is prepended (reference section 2.5).
   Returns 0, -EILSEQ if s is not valid UTF-8 (TensorBoard answers 500 there;
   the caller turns it into an error), or -ENOMEM. */
int tb_markdown_to_safe_html(const char *s, size_t n, tb_buf *out);

/* TensorBoard's text_array_to_html for a DT_STRING tensor: rank 0 -> one
   string; rank 1 -> one-column table; rank 2 -> rows x cols table; rank > 2
   -> warning paragraph + table of the slice [0,0,...,:,:]. strs[i], lens[i]
   are the elements in row-major order (count = product of dims, or 1: one
   string that fills every element, as TensorBoard pads a short string_val
   with its last value; dims may be NULL for rank 0). At most
   TB_MAX_TEXT_CELLS cells are rendered, the first rows and columns, after a
   warning paragraph. markdown=false: each cell only sanitised.
   Returns 0, -EILSEQ (a rendered element is not UTF-8), -EINVAL (count does
   not match dims, negative dims, or a rank > 2 tensor with an empty leading
   dimension, where TensorBoard raises), or -ENOMEM. */
int tb_text_render(const char *const *strs, const size_t *lens, size_t count,
                   const int64_t *dims, int rank, bool markdown, tb_buf *out);

#endif
