// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress: the reference-model stress driver (docs/stress.md).
 *
 *   stress [--backend all|A,B] [--ops N] [--life N] [--seed N] [--threads 1|2]
 *          [--config "k=v k=v"] [--list]
 *   stress ring [--count N]
 *
 * For each backend, lives of --life operations (default: --ops split over its
 * configurations, at most 5e5), each on a fresh instance with the next configuration of
 * rules.c, until --ops operations ran. Prints one line per backend; the first violation
 * prints what broke and exits 1. Exit 2: bad usage or a backend that cannot be created.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: stress [--backend all|A,B] [--ops N] [--life N] [--seed N] [--threads 1|2]\n"
		"              [--config \"k=v k=v\"] [--fail P] [--list]\n"
		"       stress ring [--count N]\n");
	exit(2);
}

/* A count such as 100000, 1e9 or 2.5e6. */
static uint64_t parse_count(const char *opt, const char *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || d < 1 || d > 1e15) {
		fprintf(stderr, "stress: %s %s: not a count (1 to 1e15)\n", opt, v);
		exit(2);
	}
	return (uint64_t)d;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * An instance of @ops from @params plus @extra (fail= and its seed, or ""); with @may_fail
 * a failed create is NULL (fault injection failed one of its page-allocator calls, and
 * pb_alloc_create checked it left nothing), otherwise it ends the program.
 */
static struct pb_alloc *create(const struct pb_alloc_ops *ops, const char *params, const char *extra,
			       bool may_fail)
{
	char buf[640], *save = NULL, *kv;
	struct pb_err err = { { 0 } };
	struct pb_params p;
	struct pb_alloc *a;

	memset(&p, 0, sizeof(p));
	snprintf(buf, sizeof(buf), "%s %s", params, extra);
	for (kv = strtok_r(buf, " ", &save); kv; kv = strtok_r(NULL, " ", &save))
		if (pb_params_add(&p, kv, &err)) {
			fprintf(stderr, "stress: %s [%s]: %s\n", ops->name, params, err.msg);
			exit(2);
		}
	pb_cpu_set_id(0);
	a = pb_alloc_create(ops, &p, &err);
	if (!a && may_fail)
		return NULL;
	if (!a) {
		fprintf(stderr, "stress: %s [%s]: cannot create: %s\n", ops->name, params, err.msg);
		exit(2);
	}
	return a;
}

struct opts {
	const char *backends;
	uint64_t ops, life, seed;
	unsigned threads;		/* 0: 2, or 1 for a one_context backend */
	const char *config;
	const char *fail;		/* --fail P: fail=P on every instance (docs/fault-injection.md) */
};

static bool wanted(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(list, "all"))
		return true;
	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static void run_backend(const struct pb_alloc_ops *ops, const struct st_rules *rules, const struct opts *o)
{
	struct st_config one = { o->config, 0 };
	unsigned nconf = 0, lives = 0, rounds = 0, create_failed = 0;
	char extra[96] = "";
	uint64_t done = 0, fails = 0, life_ops;
	/* Wall and CPU time: on a shared machine the second says what the work costs. */
	double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), dt, dc;

	if (o->fail)
		snprintf(extra, sizeof(extra), "fail=%s fail_seed=%llu", o->fail, (unsigned long long)o->seed);
	while (nconf < ST_MAX_CONFIGS && rules->configs[nconf].params)
		nconf++;
	if (o->config)
		nconf = 1;
	life_ops = o->life ? o->life : o->ops / nconf;
	if (life_ops > 500000)
		life_ops = 500000;
	if (life_ops < 1000)
		life_ops = 1000;
	/* Every configuration gets a life, however few operations were asked for. */
	while (done < o->ops || lives < nconf) {
		const struct st_config *cfg = o->config ? &one : &rules->configs[lives % nconf];
		struct st_run r = { .rules = rules, .cfg = cfg, .seed = o->seed, .life = lives };
		struct st_life_stats ls = { 0 };

		r.nthreads = ops->one_context ? 1 : o->threads ? o->threads : 2;
		r.a = create(ops, cfg->params, extra, o->fail != NULL);
		if (!r.a) {	/* a create fail= failed: a life with no operations */
			create_failed++;
			done += life_ops;
			lives++;
			continue;
		}
		r.m = st_model_new(&r);
		if (!r.m) {
			fprintf(stderr, "stress: out of memory\n");
			exit(2);
		}
		st_run_life(&r, life_ops, &ls);
		st_model_free(r.m);
		done += ls.ops;
		fails += ls.alloc_fail;
		rounds += ls.destroy_rounds;
		lives++;
	}
	dt = clock_s(CLOCK_MONOTONIC) - t0;
	dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("stress: %-13s %llu ops, %u lives over %u configs, %u threads, 0 violations, %.0f ops/s "
	       "(%.0f per CPU second), %llu allocations short, %u destroy rounds, %u creates failed, seed %llu%s%s\n",
	       ops->name, (unsigned long long)done, lives, nconf, ops->one_context ? 1 : o->threads ? o->threads : 2,
	       done / (dt > 0 ? dt : 1e-9), done / (dc > 0 ? dc : 1e-9), (unsigned long long)fails, rounds,
	       create_failed, (unsigned long long)o->seed, o->fail ? ", fail=" : "", o->fail ? o->fail : "");
	fflush(stdout);
}

static int list_rules(void)
{
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		const struct st_rules *r = st_rules_find((*o)->name);

		printf("%-14s %s\n", (*o)->name, r ? r->why : !(*o)->alloc && (*o)->raw_pairs ?
		       "a raw row: skipped (nothing handed out through the ops table)" :
		       "NO RULES: stress fails for it");
		for (unsigned i = 0; r && i < ST_MAX_CONFIGS && r->configs[i].params; i++)
			printf("  %s\n", r->configs[i].params);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .backends = "all", .ops = 40000, .seed = 1 };
	unsigned ran = 0;

	if (argc > 1 && !strcmp(argv[1], "ring")) {
		long count = 200000;

		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--count") && i + 1 < argc)
				count = (long)parse_count(argv[i], argv[i + 1]), i++;
			else
				usage();
		}
		return st_ring_scenarios(count) ? 1 : 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--list"))
			return list_rules();
		if (!v)
			usage();
		if (!strcmp(a, "--backend"))
			o.backends = v;
		else if (!strcmp(a, "--ops"))
			o.ops = parse_count(a, v);
		else if (!strcmp(a, "--life"))
			o.life = parse_count(a, v);
		else if (!strcmp(a, "--seed"))
			o.seed = parse_count(a, v);
		else if (!strcmp(a, "--threads") && (!strcmp(v, "1") || !strcmp(v, "2")))
			o.threads = (unsigned)(*v - '0');
		else if (!strcmp(a, "--config"))
			o.config = v;
		else if (!strcmp(a, "--fail"))
			o.fail = v;	/* checked by pb_alloc_create, as any fail= */
		else
			usage();
		i++;
	}
	for (const struct pb_alloc_ops *const *op = pb_alloc_registry; *op; op++) {
		const struct st_rules *rules;

		if (!wanted(o.backends, (*op)->name))
			continue;
		if ((*op)->absent) {
			printf("stress: %-13s skipped: %s\n", (*op)->name, (*op)->absent);
			continue;
		}
		/*
		 * A raw row (raw_pairs only: the library's own get/put loop) hands nothing out
		 * through the ops table; the instance and library under it are the wrapped
		 * peer's, which is stressed under its own name.
		 */
		if (!(*op)->alloc && (*op)->raw_pairs) {
			printf("stress: %-13s skipped: a raw row (its library's own loop, nothing handed out); "
			       "its library is stressed through the wrapped peer\n", (*op)->name);
			continue;
		}
		rules = st_rules_find((*op)->name);
		if (!rules) {
			fprintf(stderr, "stress: %s has no rules in tests/stress/rules.c: say what its in_flight "
				"means before it is stress-tested (docs/stress.md)\n", (*op)->name);
			return 1;
		}
		run_backend(*op, rules, &o);
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "stress: --backend %s: no such backend built here\n", o.backends);
		return 2;
	}
	return 0;
}
