/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * key=value parameters for backends, workloads and the harness: each consumer declares the
 * keys it takes in a spec table; values are validated once, before anything runs, and every
 * error is one line that names the key and the problem.
 */
#ifndef PB_PARAMS_H
#define PB_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX_PARAMS 32
#define PB_ERR_LEN 320

/* A one-line error message being built up by whoever failed. */
struct pb_err {
	char msg[PB_ERR_LEN];
};

/* Sets @err to the printf-formatted message, control bytes (newlines too) as '?' so it stays one
 * line; returns -1 so callers can `return pb_err_set()`. */
int pb_err_set(struct pb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum pb_param_type {
	PB_PARAM_UINT,	/* unsigned integer in [min, max]; accepts k/m/g binary suffixes */
	PB_PARAM_BOOL,	/* 0/1, on/off, yes/no, true/false */
	PB_PARAM_ENUM,	/* one of the '|'-separated words in choices */
	PB_PARAM_CUSTOM,	/* checked by the spec's own check(); pb_param_u64 gives 0 */
};

struct pb_err;

struct pb_param_spec {
	const char *key;	/* NULL ends a table */
	enum pb_param_type type;
	uint64_t min, max;	/* PB_PARAM_UINT bounds, inclusive */
	const char *choices;	/* PB_PARAM_ENUM: "a|b|c" */
	const char *def;	/* default value as the user would write it; NULL: unset means "not given" */
	const char *help;
	/* PB_PARAM_CUSTOM: 0 if @value is valid, else -1 + @err naming key and value. */
	int (*check)(const char *value, struct pb_err *err);
	/* A test hook, not a different benchmark: recorded in params but not in the name. */
	bool not_in_name;
};

struct pb_param {
	char key[48];
	char value[80];
};

struct pb_params {
	unsigned n;
	struct pb_param kv[PB_MAX_PARAMS];
};

/* Parses "key=value" into @p (replacing an earlier value of the same key); -1 + @err if malformed. */
int pb_params_add(struct pb_params *p, const char *kv, struct pb_err *err);
/* The raw value of @key, or NULL when not set. */
const char *pb_params_raw(const struct pb_params *p, const char *key);
/* The spec entry for @key in @spec, or NULL. */
const struct pb_param_spec *pb_param_find(const struct pb_param_spec *spec, const char *key);
/* Checks every key of @p that @spec knows has a valid value; -1 + @err naming key and value. */
int pb_params_check(const struct pb_params *p, const struct pb_param_spec *spec, struct pb_err *err);
/* Parses @value against @s; 0 and *@out on success, -1 + @err otherwise. */
int pb_param_parse(const struct pb_param_spec *s, const char *value, uint64_t *out, struct pb_err *err);
/*
 * Value of @key (set, else its default) as a number: UINT value, BOOL 0/1, ENUM choice index.
 * The key must be in @spec and @p must have passed pb_params_check(); aborts otherwise.
 */
uint64_t pb_param_u64(const struct pb_params *p, const struct pb_param_spec *spec, const char *key);
/* The raw value of @key, else its default from @spec (which must contain it). */
const char *pb_param_str(const struct pb_params *p, const struct pb_param_spec *spec, const char *key);
/* Writes "k=v,k=v" of @p in insertion order into @buf; returns @buf. */
char *pb_params_format(const struct pb_params *p, char *buf, size_t len);

#endif
