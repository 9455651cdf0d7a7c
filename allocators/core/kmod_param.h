/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parameters of pagebench_kmod (kmod/pbk_params.def), checked by one implementation
 * in both worlds: the module at load (kmod/pbk_param.c) and `pagebench kmod run --set`
 * before a guest boots (harness/cli/cli_kmod.c). A refusal is one line naming the
 * parameter and its value ("bulk=1,500: '500' must be 1..128"); the module prints it after
 * "pagebench_kmod: ", the CLI after "--set ".
 *
 * Only what needs the running kernel stays in the module: online CPUs, nodes with memory,
 * and the backend and workload names actually built in (the list syntax of those is here).
 */
#ifndef PB_KMOD_PARAM_H
#define PB_KMOD_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "params.h"

/* Operations in one timed batch: a batch runs in one softirq, well inside the 20 s watchdog. */
#define PB_KPARAM_MAX_BATCH_OPS 2000000
/* Entries of a list parameter (bulk=, orders=). */
#define PB_KPARAM_MAX_LIST 8

enum pb_kparam_kind {
	PB_KP_NUM,	/* a number of module_param type ulong, uint or int */
	PB_KP_LIST,	/* comma-separated decimal numbers */
	PB_KP_WORDS,	/* comma-separated words of a fixed list */
	PB_KP_DMA,	/* a dma= model (pb_dma_check) */
	PB_KP_NAMES,	/* comma-separated backend or workload names (the module's own) */
};

/* The index of each parameter in pb_kparams[], in .def order: PB_KPI_loops, ... */
enum pb_kparam_index {
#define PBK_NUM(n, type, lo, hi, def, pow2, desc) PB_KPI_##n,
#define PBK_LIST(n, def, lo, hi, maxn, desc) PB_KPI_##n,
#define PBK_WORDS(n, def, words, desc) PB_KPI_##n,
#define PBK_DMA(n, def, desc) PB_KPI_##n,
#define PBK_NAMES(n, def, desc) PB_KPI_##n,
#include "kmod_param_def.h"
#undef PBK_NUM
#undef PBK_LIST
#undef PBK_WORDS
#undef PBK_DMA
#undef PBK_NAMES
	PB_KPI_COUNT
};

struct pb_kparam {
	const char *name;
	enum pb_kparam_kind kind;
	bool is_signed;			/* NUM: module_param type int */
	unsigned bits;			/* NUM: width of the type (32 or 64) */
	long long lo, hi;		/* NUM, LIST: inclusive bounds */
	bool pow2;			/* NUM: must be a power of two */
	unsigned maxn;			/* LIST: at most this many values */
	const char *const *words;	/* WORDS: NULL-terminated; bit i is words[i] */
	const char *def;		/* the default as module_param would be given it */
};

/* Every parameter, indexed by enum pb_kparam_index, then a NULL name. */
extern const struct pb_kparam pb_kparams[PB_KPI_COUNT + 1];

/*
 * The numeric parameters as module_param stores them, each as the bit pattern of its
 * 64-bit value (an int's sign extended), indexed by enum pb_kparam_index; other entries 0.
 */
struct pb_kparam_nums {
	uint64_t v[PB_KPI_COUNT];
};

/* A name the module knows is userspace only, and why (from backends.def / workloads.def). */
struct pb_kparam_user_only {
	const char *sym, *why;		/* a NULL sym ends a table; '-' in a name matches '_' */
};

/* The parameter called @name[0..len), or NULL. */
const struct pb_kparam *pb_kparam_find(const char *name, size_t len);
/* The index of @s[0..len) in @names (NULL-terminated, the first 64 looked at), or -1. */
int pb_kparam_name_index(const char *const *names, const char *s, size_t len);
/* Fills @v with every numeric parameter's default. */
void pb_kparam_nums_default(struct pb_kparam_nums *v);
/*
 * Parses @s as module_param would for NUM @k (kstrto*: optional sign, '-' only when signed,
 * base 0, nothing after, within the type): 0 and *@raw, or -1 + @err "k=s: invalid ...".
 */
int pb_kparam_num_parse(const struct pb_kparam *k, const char *s, uint64_t *raw, struct pb_err *err);
/* NUM @k's parsed value @raw against its range and pow2: 0, or -1 + @err naming it. */
int pb_kparam_num_check(const struct pb_kparam *k, uint64_t raw, struct pb_err *err);
/* LIST @k's @value into @out[PB_KPARAM_MAX_LIST] and *@n: 0, or -1 + @err naming it. */
int pb_kparam_list_parse(const struct pb_kparam *k, const char *value, unsigned *out, unsigned *n,
			 struct pb_err *err);
/*
 * "a,b,c" of @names (NULL-terminated, at most 64) into a bit mask (bit i: names[i]);
 * "all" gives @all (when @all is not 0; else it is just a word), @alias (may be NULL)
 * gives @alias_mask. An unknown word is refused naming @param, with the reason when it is
 * one of @user's (may be NULL); so is a list that selects nothing. 0, or -1 + @err.
 */
int pb_kparam_names_parse(const char *param, const char *value, const char *const *names,
			  uint64_t all, const char *alias, uint64_t alias_mask,
			  const struct pb_kparam_user_only *user, uint64_t *out, struct pb_err *err);
/* WORDS @k's @value into a bit mask of its words: 0, or -1 + @err naming it. */
int pb_kparam_words_parse(const struct pb_kparam *k, const char *value, uint64_t *out,
			  struct pb_err *err);
/*
 * The rules between numeric parameters (ops per batch, inflight against pool_size,
 * outstanding against mem=): 0, or -1 + @err naming the first parameter that breaks one.
 */
int pb_kparam_nums_check(const struct pb_kparam_nums *v, struct pb_err *err);
/*
 * One "key=value" as `kmod run --set` gives it: known key, non-empty value, valid for its
 * kind (NAMES: only the list syntax; the names are the built module's); a NUM is stored
 * in @v. 0, or -1 + @err in the module's words.
 */
int pb_kparam_set(struct pb_kparam_nums *v, const char *kv, struct pb_err *err);

#endif
