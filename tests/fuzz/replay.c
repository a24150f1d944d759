/*
 * replay.c - main() for the fuzz targets in a normal build: runs
 * LLVMFuzzerTestOneInput on every file named, or in a directory named, so
 * `meson test` replays the committed regression corpus without clang or
 * libFuzzer. A crash or a broken property aborts; an empty directory is an
 * error (a corpus that silently vanished would make the test pass for
 * nothing).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *d = malloc(cap);
	size_t got;
	while (d && (got = fread(d + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *t = realloc(d, cap *= 2);
			if (!t) {
				free(d);
				d = NULL;
			}
			d = t;
		}
	}
	fclose(f);
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(d, n);
	free(d);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir (recursively), in name order. Returns the count or -1. */
static long replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **t = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
			if (!t)
				break;
			names = t;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	long count = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		long k = 0;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			k = replay_dir(path);
		else
			k = replay_file(path) == 0 ? 1 : -1;
		free(names[i]);
		if (k < 0)
			count = -1;
		else if (count >= 0)
			count += k;
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	long total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long k;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			k = replay_dir(argv[i]);
		else
			k = replay_file(argv[i]) == 0 ? 1 : -1;
		if (k <= 0) {
			fprintf(stderr, "%s: %s\n", argv[i], k ? "unreadable" : "no inputs");
			return 1;
		}
		total += k;
	}
	printf("replayed %ld inputs\n", total);
	return 0;
}
