// SPDX-License-Identifier: GPL-2.0-only
/* Callgrind client requests around measured regions, and the reader of its dump files. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>
#include "callgrind.h"

bool pb_callgrind_active(void)
{
	return RUNNING_ON_VALGRIND;
}

void pb_callgrind_begin(void)
{
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
}

void pb_callgrind_end(const char *label)
{
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(label);
}

/* One dump file: its "desc: Trigger: Client Request: LABEL" and "summary:"/"totals:" lines. */
static int read_dump(const char *path, struct pb_callgrind_count *c, bool *labelled,
		     struct pb_err *err)
{
	static const char trig[] = "desc: Trigger: Client Request: ";
	FILE *f = fopen(path, "r");
	char line[2048];
	bool have_ir = false;

	*labelled = false;
	if (!f)
		return pb_err_set(err, "cannot read callgrind dump %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, trig, sizeof(trig) - 1)) {
			line[strcspn(line, "\n")] = '\0';
			if (strlen(line + sizeof(trig) - 1) >= sizeof(c->label)) {
				fclose(f);
				return pb_err_set(err, "%s: a dump label longer than pagebench writes", path);
			}
			memcpy(c->label, line + sizeof(trig) - 1, strlen(line + sizeof(trig) - 1) + 1);
			*labelled = true;
		} else if (!strncmp(line, "summary: ", 9) || (!have_ir && !strncmp(line, "totals: ", 8))) {
			char *end;

			c->ir = strtoull(strchr(line, ' ') + 1, &end, 10);
			if (end == strchr(line, ' ') + 1) {
				fclose(f);
				return pb_err_set(err, "%s: unreadable instruction total: %s", path, line);
			}
			have_ir = true;
		}
	}
	fclose(f);
	if (*labelled && !have_ir)
		return pb_err_set(err, "%s: no summary line", path);
	return 0;
}

int pb_callgrind_read(const char *prefix, struct pb_callgrind_count **out, size_t *n,
		      struct pb_err *err)
{
	char dirbuf[512], basebuf[512], path[1100];
	const char *dir, *base;
	size_t blen, cap = 16;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	snprintf(dirbuf, sizeof(dirbuf), "%s", prefix);
	snprintf(basebuf, sizeof(basebuf), "%s", prefix);
	dir = dirname(dirbuf);
	base = basename(basebuf);
	blen = strlen(base);
	d = opendir(dir);
	if (!d)
		return pb_err_set(err, "cannot read %s: %s", dir, strerror(errno));
	*out = malloc(cap * sizeof(**out));
	if (!*out) {
		closedir(d);
		return pb_err_set(err, "out of memory");
	}
	while ((de = readdir(d))) {
		struct pb_callgrind_count c = { "", 0 };
		bool labelled;

		if (strncmp(de->d_name, base, blen) || de->d_name[blen] != '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (read_dump(path, &c, &labelled, err)) {
			closedir(d);
			free(*out);
			*out = NULL;
			return -1;
		}
		if (!labelled)
			continue;	/* the final dump at exit carries no label of ours */
		if (*n == cap) {
			struct pb_callgrind_count *m = realloc(*out, 2 * cap * sizeof(**out));

			if (!m) {
				closedir(d);
				free(*out);
				*out = NULL;
				return pb_err_set(err, "out of memory");
			}
			*out = m;
			cap *= 2;
		}
		(*out)[(*n)++] = c;
	}
	closedir(d);
	return 0;
}
