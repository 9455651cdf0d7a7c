/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Machine context: where a number was measured matters as much as the number. Every source
 * is optional (containers hide /sys, ARM has no "model name"), so a missing one leaves its
 * field empty rather than failing the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "context.h"
#include "numa.h"

#ifndef PB_GIT_REV
#define PB_GIT_REV "unknown"
#endif

/* Copies @src into @dst[len], truncating, always terminated. */
static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* Appends @src to the string in @dst[len], truncating, always terminated. */
static void append_str(char *dst, size_t len, const char *src)
{
	size_t off = strlen(dst);

	if (off + 1 < len)
		snprintf(dst + off, len - off, "%s", src);
}

/* Strips trailing whitespace (newlines from /proc and /sys) in place. */
static void rstrip(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* Reads the first line of @path into @buf; leaves @buf empty if the file is unreadable. */
static void read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	rstrip(buf);
}

/* True if @word appears as a whole space-separated token in @list. */
static int has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		int start = p == list || p[-1] == ' ' || p[-1] == '\t';
		int end = p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\t' || p[wl] == '\n';

		if (start && end)
			return 1;
		p += wl;
	}
	return 0;
}

/* The first cpu0 "model name" and the TSC-related words of its "flags" line. */
static void read_cpuinfo(struct pb_machine *c)
{
	static const char *const tsc_words[] = { "constant_tsc", "nonstop_tsc" };
	char *line = NULL;
	size_t cap = 0;
	int got_model = 0, got_flags = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return;
	/* The flags line is over 1 KB on modern x86, hence getline. */
	while ((!got_model || !got_flags) && getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');
		const char *val;

		if (!colon)
			continue;
		val = colon + 1 + (colon[1] == ' ');
		if (!got_model && !strncmp(line, "model name", 10)) {
			copy_str(c->cpu_model, sizeof(c->cpu_model), val);
			rstrip(c->cpu_model);
			got_model = 1;
		} else if (!got_flags && !strncmp(line, "flags", 5)) {
			size_t i;

			for (i = 0; i < sizeof(tsc_words) / sizeof(tsc_words[0]); i++) {
				if (!has_word(val, tsc_words[i]))
					continue;
				if (c->tsc_flags[0])
					append_str(c->tsc_flags, sizeof(c->tsc_flags), " ");
				append_str(c->tsc_flags, sizeof(c->tsc_flags), tsc_words[i]);
			}
			got_flags = 1;
		}
	}
	free(line);
	fclose(f);
}

/* NUMA nodes, the topology's shape and each node's CPUs, the caches (all through numa.h). */
static void read_topology(struct pb_machine *c)
{
	struct pb_topo *t = pb_topo_system();

	if (!t)
		return;
	c->numa_nodes = pb_topo_nodes(t);
	pb_topo_describe(t, c->topology, sizeof(c->topology));
	pb_topo_caches(t, c->cache_desc, sizeof(c->cache_desc));
	/* Some architectures have no "model name" in /proc/cpuinfo; hwloc may still know it. */
	if (!c->cpu_model[0])
		pb_topo_cpu_model(t, c->cpu_model, sizeof(c->cpu_model));
}

/* ISO 8601 with an extended "+hh:mm" offset, which RFC 3339 readers require. */
static void format_date(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	buf[0] = '\0';
	if (!localtime_r(&now, &tm))
		return;
	n = strftime(buf, len, "%FT%T%z", &tm);
	/* %z gives "+hhmm": insert the colon if there is room. */
	if (n >= 5 && n + 1 < len && (buf[n - 5] == '+' || buf[n - 5] == '-')) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
}

/* argv joined by spaces; a cut-off line ends in "..." so nobody mistakes it for the whole. */
static void join_argv(char *buf, size_t len, int argc, char **argv)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc && argv && argv[i]; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= len - off) {
			if (len >= 4)
				memcpy(buf + len - 4, "...", 4);
			return;
		}
		off += (size_t)w;
	}
}

int pb_cpu_node(int cpu)
{
	struct pb_topo *t = pb_topo_system();

	return t && cpu >= 0 ? pb_topo_cpu_node(t, (unsigned)cpu) : -1;
}

void pb_machine_collect(struct pb_machine *c, int argc, char **argv)
{
	struct utsname u;
	long ncpu;
	int i, nload;

	memset(c, 0, sizeof(*c));

	if (gethostname(c->host, sizeof(c->host)) != 0)
		c->host[0] = '\0';
	c->host[sizeof(c->host) - 1] = '\0';	/* POSIX leaves truncation unterminated */

	read_cpuinfo(c);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c->num_cpus = ncpu > 0 ? (unsigned)ncpu : 0;

	if (uname(&u) == 0)
		snprintf(c->kernel, sizeof(c->kernel), "%.32s %.94s", u.sysname, u.release);

	format_date(c->date, sizeof(c->date));
	copy_str(c->git_revision, sizeof(c->git_revision), PB_GIT_REV);
	join_argv(c->command_line, sizeof(c->command_line), argc, argv);
	read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
			c->cpu_governor, sizeof(c->cpu_governor));

	nload = getloadavg(c->load_avg, 3);
	for (i = nload < 0 ? 0 : nload; i < 3; i++)
		c->load_avg[i] = 0.0;

	read_topology(c);
}
