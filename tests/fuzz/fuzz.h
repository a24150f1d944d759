/*
 * fuzz.h - what every fuzz target shares: the libFuzzer entry point, a
 * check that fails loudly (a property broken is a finding, like a crash),
 * and for the targets that go through the HTTP API, one app loaded from
 * the golden fixture logdir and one way to call a route.
 *
 * Each fuzz_<parser>.c is built twice (tests/fuzz/meson.build): with
 * -Dfuzz=true as a libFuzzer executable, and in every normal build with
 * replay.c as main(), which runs the committed inputs of
 * tests/fuzz/regressions/<parser>/ under `meson test`.
 */
#ifndef TB_FUZZ_H
#define TB_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

#endif
