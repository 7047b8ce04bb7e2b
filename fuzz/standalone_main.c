// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replays a fuzz target's corpus without libFuzzer, so every `make test` run
 * (gcc, ASan+UBSan) feeds the target each file under the given directories.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_path(const char *path, int *nr)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int ret;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "cannot stat '%s'\n", path);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		struct dirent **names;
		int n = scandir(path, &names, NULL, alphasort), err = 0;

		if (n < 0) {
			fprintf(stderr, "cannot read directory '%s'\n", path);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (names[i]->d_name[0] != '.') {
				struct strbuf child = STRBUF_INIT;

				strbuf_addf(&child, "%s/%s", path, names[i]->d_name);
				err |= replay_path(child.buf, nr);
				strbuf_release(&child);
			}
			free(names[i]);
		}
		free(names);
		return err;
	}
	ret = strbuf_read_file(&sb, path, 0);
	if (ret < 0) {
		fprintf(stderr, "cannot read '%s'\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)sb.buf, sb.len);
	strbuf_release(&sb);
	(*nr)++;
	return 0;
}

int main(int argc, char **argv)
{
	int nr = 0, err = 0;

	for (int i = 1; i < argc; i++)
		err |= replay_path(argv[i], &nr);
	printf("replayed %d inputs\n", nr);
	if (!nr) {
		fprintf(stderr, "no corpus inputs found\n");
		return 1;
	}
	return err;
}
