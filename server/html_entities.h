/*
 * html_entities.h - the HTML5 named character references, as tables
 * generated at build time by scripts/gen_html_entities.py (the .c file
 * lives in the build directory). Used by html_sanitize.c only.
 *
 * Invariant: tb__html_entity_names is sorted by bytes and holds each name
 * once, without ';'; tb__html_legacy_entities is sorted the same way.
 */
#ifndef TB_HTML_ENTITIES_H
#define TB_HTML_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

typedef struct tb__html_legacy_entity {
	const char *name;
	uint8_t cp;
} tb__html_legacy_entity;

extern const char *const tb__html_entity_names[];
extern const size_t tb__html_entity_count;
extern const tb__html_legacy_entity tb__html_legacy_entities[];
extern const size_t tb__html_legacy_count;

#endif
