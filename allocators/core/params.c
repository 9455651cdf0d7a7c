// SPDX-License-Identifier: GPL-2.0-only
/* key=value parameter parsing and validation against spec tables. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "params.h"

int pb_err_set(struct pb_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/*
	 * One line whatever the arguments hold: a message may quote the bad input (jansson's
	 * "near '...'" does), and a newline or terminal control byte from a file must not split
	 * the line or reach the terminal. Found by the results fuzzer (tests/fuzz/regressions).
	 */
	for (char *c = err->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -1;
}

int pb_params_add(struct pb_params *p, const char *kv, struct pb_err *err)
{
	const char *eq = strchr(kv, '=');
	size_t klen;
	unsigned i;

	if (!eq || eq == kv)
		return pb_err_set(err, "'%s': expected key=value", kv);
	klen = (size_t)(eq - kv);
	if (klen >= sizeof(p->kv[0].key))
		return pb_err_set(err, "'%s': key too long", kv);
	if (!eq[1])
		return pb_err_set(err, "'%.*s': empty value", (int)klen, kv);
	if (strlen(eq + 1) >= sizeof(p->kv[0].value))
		return pb_err_set(err, "'%.*s': value too long", (int)klen, kv);
	for (i = 0; i < p->n; i++)
		if (strlen(p->kv[i].key) == klen && !strncmp(p->kv[i].key, kv, klen))
			break;
	if (i == p->n) {
		if (p->n == PB_MAX_PARAMS)
			return pb_err_set(err, "'%s': more than %d parameters", kv, PB_MAX_PARAMS);
		p->n++;
		memcpy(p->kv[i].key, kv, klen);
		p->kv[i].key[klen] = '\0';
	}
	strcpy(p->kv[i].value, eq + 1);
	return 0;
}

const char *pb_params_raw(const struct pb_params *p, const char *key)
{
	for (unsigned i = 0; i < p->n; i++)
		if (!strcmp(p->kv[i].key, key))
			return p->kv[i].value;
	return NULL;
}

const struct pb_param_spec *pb_param_find(const struct pb_param_spec *spec, const char *key)
{
	for (; spec && spec->key; spec++)
		if (!strcmp(spec->key, key))
			return spec;
	return NULL;
}

/*
 * A bound as the user would write it: mem's 4194304..68719476736 reads 4M..64G. Only
 * from 1M up and only where exact: a count such as 4096 stays a count.
 */
static const char *format_bound(uint64_t x, char *buf, size_t len)
{
	static const char suffix[] = "GMK";

	for (unsigned i = 0; i < 3; i++) {
		unsigned shift = 30 - 10 * i;

		if (x >= (1ull << 20) && !(x & ((1ull << shift) - 1))) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(x >> shift), suffix[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)x);
	return buf;
}

static int parse_uint(const struct pb_param_spec *s, const char *v, uint64_t *out, struct pb_err *err)
{
	char *end;
	unsigned long long x;
	unsigned shift = 0;

	if (*v < '0' || *v > '9')
		return pb_err_set(err, "%s=%s: not a non-negative integer", s->key, v);
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno)
		return pb_err_set(err, "%s=%s: out of range", s->key, v);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end)
		return pb_err_set(err, "%s=%s: trailing characters '%s'", s->key, v, end);
	if (shift && x > (UINT64_MAX >> shift))
		return pb_err_set(err, "%s=%s: out of range", s->key, v);
	x <<= shift;
	if (x < s->min || x > s->max) {
		char lo[24], hi[24];

		return pb_err_set(err, "%s=%s: must be between %s and %s", s->key, v,
				  format_bound(s->min, lo, sizeof(lo)), format_bound(s->max, hi, sizeof(hi)));
	}
	*out = x;
	return 0;
}

static int parse_enum(const struct pb_param_spec *s, const char *v, uint64_t *out, struct pb_err *err)
{
	const char *c = s->choices;
	uint64_t idx = 0;
	size_t vlen = strlen(v);

	while (c && *c) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);

		if (len == vlen && !strncmp(c, v, len)) {
			*out = idx;
			return 0;
		}
		idx++;
		c = bar ? bar + 1 : NULL;
	}
	return pb_err_set(err, "%s=%s: must be one of %s", s->key, v, s->choices);
}

int pb_param_parse(const struct pb_param_spec *s, const char *v, uint64_t *out, struct pb_err *err)
{
	switch (s->type) {
	case PB_PARAM_UINT:
		return parse_uint(s, v, out, err);
	case PB_PARAM_ENUM:
		return parse_enum(s, v, out, err);
	case PB_PARAM_CUSTOM:
		*out = 0;
		return s->check ? s->check(v, err) : 0;
	case PB_PARAM_BOOL:
		if (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
			*out = 1;
			return 0;
		}
		if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
			*out = 0;
			return 0;
		}
		return pb_err_set(err, "%s=%s: must be on or off", s->key, v);
	}
	return pb_err_set(err, "%s: bad parameter type", s->key);
}

int pb_params_check(const struct pb_params *p, const struct pb_param_spec *spec, struct pb_err *err)
{
	uint64_t dummy;

	for (unsigned i = 0; i < p->n; i++) {
		const struct pb_param_spec *s = pb_param_find(spec, p->kv[i].key);

		if (s && pb_param_parse(s, p->kv[i].value, &dummy, err))
			return -1;
	}
	return 0;
}

uint64_t pb_param_u64(const struct pb_params *p, const struct pb_param_spec *spec, const char *key)
{
	const struct pb_param_spec *s = pb_param_find(spec, key);
	const char *v;
	struct pb_err err;
	uint64_t x;

	if (!s) {
		fprintf(stderr, "pagebench: internal error: parameter '%s' not in spec\n", key);
		abort();
	}
	v = p ? pb_params_raw(p, key) : NULL;
	if (!v)
		v = s->def;
	if (!v) {
		fprintf(stderr, "pagebench: internal error: '%s' has no default and was not set\n", key);
		abort();
	}
	if (pb_param_parse(s, v, &x, &err)) {
		fprintf(stderr, "pagebench: internal error: unchecked parameter: %s\n", err.msg);
		abort();
	}
	return x;
}

const char *pb_param_str(const struct pb_params *p, const struct pb_param_spec *spec, const char *key)
{
	const struct pb_param_spec *s = pb_param_find(spec, key);
	const char *v = p ? pb_params_raw(p, key) : NULL;

	if (!s) {
		fprintf(stderr, "pagebench: internal error: parameter '%s' not in spec\n", key);
		abort();
	}
	return v ? v : s->def;
}

char *pb_params_format(const struct pb_params *p, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < p->n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s=%s", i ? "," : "", p->kv[i].key,
				 p->kv[i].value);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}
