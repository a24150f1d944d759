/*
 * pyre.h - the tag regexes of TensorBoard's plugins, with Python `re`
 * syntax and re.match() semantics (anchored at the start only).
 *
 * TensorBoard compiles user regexes with Python's re (custom scalars'
 * scalars?tag=); POSIX regcomp differs (no \d, no lazy quantifiers, other
 * escapes), so this is a small engine of its own: a parser that accepts and
 * rejects what sre_parse does, and a Pike VM (NFA simulation) that answers
 * "does some prefix of s match" in time linear in the subject, so a hostile
 * regex cannot stall a request. Patterns and subjects are UTF-8 (bad bytes
 * read as U+FFFD, as werkzeug decodes them); matching is per code point.
 *
 * Not supported (-ENOTSUP; Python accepts them): backreferences,
 * lookaround, conditionals, atomic groups and possessive quantifiers,
 * \N{name}. Unicode classes are close approximations: \w is any letter or
 * digit of ASCII and every non-ASCII code point outside the common
 * punctuation blocks; IGNORECASE folds ASCII, Latin-1, Greek and Cyrillic.
 *
 * Ownership: tb_pyre_compile allocates *out; tb_pyre_free frees it.
 */
#ifndef TB_PYRE_H
#define TB_PYRE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tb_pyre tb_pyre;

/* 0; -EINVAL: re.compile raises re.error on it; -ENOTSUP: valid Python
 * beyond this engine; -E2BIG: its program exceeds TB_MAX_REGEX_INSTS
 * (large counted repeats); -ENOMEM. */
int tb_pyre_compile(const char *pattern, size_t len, tb_pyre **out);

/* re.match(pattern, s) is not None. */
bool tb_pyre_match(const tb_pyre *re, const char *s, size_t len);

void tb_pyre_free(tb_pyre *re);

#endif
