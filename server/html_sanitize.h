/*
 * html_sanitize.h - bleach.clean with TensorBoard's allow-list, byte for byte
 * (reference section 2.5).
 *
 * Invariant: whatever the input, the HTML appended to out contains only the
 * allowed elements (ul ol li p pre code blockquote h1-h6 hr br strong em a
 * img table thead tbody td tr th), only a[href,title] and img[src,title,alt]
 * attributes, href/src only with http, https, mailto or no scheme, no
 * comments, and is well-formed, valid UTF-8. Everything else arrives as
 * escaped text.
 *
 * Ownership: callers own out; the function only appends to it. Allocation
 * failure sets out->oom (tb_buf's sticky flag) and appends nothing.
 */
#ifndef TB_HTML_SANITIZE_H
#define TB_HTML_SANITIZE_H

#include "buf.h"
#include <stddef.h>

/* The sanitiser alone (bleach rules of reference section 2.5: allowed tags,
   attributes and URL schemes; disallowed tags ESCAPED, not removed; comments
   removed). Used for markdown=false and after Markdown. Invalid UTF-8 becomes
   U+FFFD. */
void tb_html_sanitize(const char *s, size_t n, tb_buf *out);

#endif
