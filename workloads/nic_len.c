// SPDX-License-Identifier: GPL-2.0-only
/* Frame-length distributions for the NIC/driver model: fixed, IMIX or from a file. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nic_len.h"

#define WEIGHT_MAX 1000000u	/* per line: 64 lines of it stay far below 2^32 */

/* The simple IMIX, the one table of it: the NIC model's len=imix and the trace generators draw it. */
static const struct { uint32_t len, weight; } imix[] = { { 64, 7 }, { 576, 4 }, { 1500, 1 } };

uint32_t pb_imix_len(uint64_t r)
{
	unsigned i = 0;

	while (i + 1 < sizeof(imix) / sizeof(imix[0]) && r >= imix[i].weight)
		r -= imix[i++].weight;
	return imix[i].len;
}

static void add(struct pb_nic_len *d, uint32_t len, uint64_t weight)
{
	d->len[d->n] = len;
	d->cum[d->n] = (d->n ? d->cum[d->n - 1] : 0) + weight;
	d->n++;
}

/* A whole decimal number in [min, max] at *@p (leading blanks skipped); *@p moves past it. */
static bool number(const char **p, unsigned long min, unsigned long max, unsigned long *out)
{
	const char *s = *p;
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *out < min || *out > max)
		return false;
	*p = end;
	return true;
}

/* One line of a distribution file (comment and newline already cut); 1 added, 0 blank, -1 bad. */
static int file_line(const char *path, unsigned lineno, const char *s, struct pb_nic_len *d,
		     struct pb_err *err)
{
	unsigned long len, weight = 1;
	const char *p = s;

	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (!*p)
		return 0;
	if (!number(&p, PB_NIC_LEN_MIN, PB_NIC_LEN_MAX, &len) || (*p && *p != ' ' && *p != '\t' && *p != '\r'))
		return pb_err_set(err, "%s:%u: '%.40s': expected a frame length %d..%d, then an optional weight",
				  path, lineno, s, PB_NIC_LEN_MIN, PB_NIC_LEN_MAX);
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p && (!number(&p, 1, WEIGHT_MAX, &weight) || p[strspn(p, " \t\r")]))
		return pb_err_set(err, "%s:%u: '%.40s': the weight must be a whole number 1..%u",
				  path, lineno, s, WEIGHT_MAX);
	for (unsigned i = 0; i < d->n; i++)
		if (d->len[i] == len)
			return pb_err_set(err, "%s:%u: length %lu given twice", path, lineno, len);
	if (d->n == PB_NIC_LEN_ENTRIES)
		return pb_err_set(err, "%s:%u: more than %d lengths", path, lineno, PB_NIC_LEN_ENTRIES);
	add(d, (uint32_t)len, weight);
	return 1;
}

static int parse_file(const char *path, struct pb_nic_len *d, struct pb_err *err)
{
	FILE *f;
	char line[256];
	unsigned lineno = 0;
	int rc = 0;

	if (!*path)
		return pb_err_set(err, "len=file: needs a path (len=file:PATH)");
	f = fopen(path, "r");
	if (!f)
		return pb_err_set(err, "%s: cannot open: %s", path, strerror(errno));
	while (!rc && fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *nl = strchr(line, '\n');

		lineno++;
		if (!nl && !feof(f)) {
			rc = pb_err_set(err, "%s:%u: line longer than %zu bytes", path, lineno, sizeof(line) - 2);
			break;
		}
		if (nl)
			*nl = '\0';
		if (hash)
			*hash = '\0';
		if (file_line(path, lineno, line, d, err) < 0)
			rc = -1;
	}
	if (!rc && ferror(f))
		rc = pb_err_set(err, "%s: read error", path);
	fclose(f);
	if (!rc && !d->n)
		rc = pb_err_set(err, "%s:%u: no frame lengths in the file", path, lineno);
	return rc;
}

int pb_nic_len_parse(const char *value, struct pb_nic_len *d, struct pb_err *err)
{
	const char *p = value;
	unsigned long len;

	memset(d, 0, sizeof(*d));
	if (!strcmp(value, "imix")) {
		for (unsigned i = 0; i < sizeof(imix) / sizeof(imix[0]); i++)
			add(d, imix[i].len, imix[i].weight);
		return 0;
	}
	if (!strncmp(value, "file:", 5))
		return parse_file(value + 5, d, err);
	if (!number(&p, PB_NIC_LEN_MIN, PB_NIC_LEN_MAX, &len) || *p || *value == ' ')
		return pb_err_set(err, "len=%s: expected a frame length %d..%d, imix or file:PATH",
				  value, PB_NIC_LEN_MIN, PB_NIC_LEN_MAX);
	add(d, (uint32_t)len, 1);
	return 0;
}

int pb_nic_len_check(const char *value, struct pb_err *err)
{
	struct pb_nic_len d;

	return pb_nic_len_parse(value, &d, err);
}

uint32_t pb_nic_len_pick(const struct pb_nic_len *d, uint64_t x)
{
	/* The high 32 bits scaled to the total weight: no modulo bias worth naming. */
	uint64_t w = ((x >> 32) * d->cum[d->n - 1]) >> 32;
	unsigned i = 0;

	while (d->cum[i] <= w)
		i++;
	return d->len[i];
}

double pb_nic_len_mean(const struct pb_nic_len *d)
{
	double sum = 0;

	for (unsigned i = 0; i < d->n; i++)
		sum += (double)d->len[i] * (double)(d->cum[i] - (i ? d->cum[i - 1] : 0));
	return sum / (double)d->cum[d->n - 1];
}
