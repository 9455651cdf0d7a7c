// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench kmod`: the userspace half of the kernel module (kmod/, docs/kmod.md).
 *
 *   kmod parse LOG [--json OUT]   the "PBK ..." lines of a serial log, dmesg or the debugfs
 *                                 results file -> the table and the results JSON
 *   kmod run [--numa] [--set k=v]... [--json OUT] [--timeout S]
 *                                 boots the module under qemu (kmod/run-qemu.sh); the last
 *                                 line printed is the JSON file
 *
 * The log parser and record builder are harness/results/kmod_log.c; this file is argv,
 * the qemu runner's exec and printing. A log that does not parse is refused whole: the
 * error names LOG:LINE and the problem, and no file is written.
 */
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "dma.h"
#include "kmod_log.h"
#include "record.h"
#include "results_json.h"

static const char kmod_help[] =
	"usage: pagebench kmod parse LOG [--json OUT] [--accel tcg|kvm]\n"
	"       pagebench kmod run [--numa] [--set key=value]... [--json OUT] [--timeout S]\n"
	"\n"
	"parse: turns the 'PBK' lines of a pagebench_kmod run (serial log, dmesg, or\n"
	"  /sys/kernel/debug/pagebench_kmod/results) into the results table and, with --json,\n"
	"  the results file. A malformed line is an error naming LOG:LINE (exit 2, no file).\n"
	"  Exit 1 when the module reported errors or failed checks (the file is still written).\n"
	"  --accel says how the guest ran (tcg: its figures are emulation); by default the log\n"
	"  says (an accel= fact, else the hypervisor the guest kernel saw).\n"
	"run: builds the module, boots Debian's kernel under qemu (TCG) with it, checks the\n"
	"  guest's log and converts the results; prints the JSON path last. --set passes a\n"
	"  module parameter (loops=, reps=, backends=, workloads=, mode=, node=, ...);\n"
	"  --numa boots a guest with two NUMA nodes. Figures under TCG are emulation.\n";

static int kmod_parse(int argc, char **argv)
{
	struct pb_kmod_log *L = NULL;
	const char *json = NULL, *path = NULL, *accel = NULL, *first;
	struct pb_result_set set;
	struct pb_err err;
	unsigned failures, line;
	uint64_t reported;
	int rc = PB_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--accel")) {
			if (++i >= argc)
				return pb_cli_usage_error("kmod parse: %s needs a value", argv[i - 1]);
			if (!strcmp(argv[i - 1], "--json"))
				json = argv[i];
			else if (strcmp(argv[i], "tcg") && strcmp(argv[i], "kvm"))
				return pb_cli_usage_error("kmod parse: --accel %s: must be tcg or kvm", argv[i]);
			else
				accel = argv[i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(kmod_help, stdout);
			return PB_EXIT_OK;
		} else if (argv[i][0] == '-') {
			return pb_cli_usage_error("kmod parse: unknown option '%s' (usage: pagebench kmod parse LOG [--json OUT])",
						  argv[i]);
		} else if (path) {
			return pb_cli_usage_error("kmod parse: stray argument '%s': LOG is already '%s' (one log per parse)",
						  argv[i], path);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return pb_cli_usage_error("kmod parse: no LOG given (usage: pagebench kmod parse LOG [--json OUT])");
	if (json && pb_cli_output_check("--json", json, &err))
		return pb_cli_usage_error("kmod parse: %s", err.msg);
	if (pb_kmod_log_parse(path, &L, &err) || pb_kmod_log_results(L, accel, &set, &err)) {
		pb_kmod_log_free(L);
		return pb_cli_usage_error("kmod parse: %s", err.msg);
	}
	pb_table_print(stdout, &set.machine, &set.jobs[0], set.recs, set.nrecs);
	/* The rows' own warning says it, once for them all (cli_table.c), and why. */
	if (set.jobs[0].emulated)
		puts("note: the guest ran under TCG: these figures are emulation, not the machine's");
	if (json && pb_results_write(json, &set, &err)) {
		fprintf(stderr, "pagebench: %s\n", err.msg);
		rc = PB_EXIT_FAIL;
	}
	failures = pb_kmod_log_failures(L, &first);
	reported = pb_kmod_log_reported(L, &line);
	if (failures) {
		fprintf(stderr, "pagebench: kmod parse: %s: the module reported %u failure%s (first: %s)\n",
			path, failures, failures == 1 ? "" : "s", first);
		rc = PB_EXIT_FAIL;
	} else if (reported) {
		fprintf(stderr, "pagebench: kmod parse: %s:%u: the module counted %llu failure%s but the log "
			"shows none of them (lost kernel log lines?)\n", path, line,
			(unsigned long long)reported, reported == 1 ? "" : "s");
		rc = PB_EXIT_FAIL;
	}
	pb_result_set_free(&set);
	pb_kmod_log_free(L);
	return rc;
}

/*
 * The module's parameter table (kmod/pbk_params.def), so that `kmod run --set` refuses
 * what the module would refuse, with the module's words, before a guest boots.
 */
enum kparam_kind { KP_NUM, KP_LIST, KP_WORDS, KP_DMA, KP_NAMES };

struct kparam {
	const char *name;
	enum kparam_kind kind;
	bool is_signed;		/* KP_NUM of module_param type int */
	long long lo, hi;	/* KP_NUM, KP_LIST */
	bool pow2;		/* KP_NUM */
	unsigned maxn;		/* KP_LIST */
	const char *const *words;	/* KP_WORDS, NULL-terminated */
};

#define KP_SIGNED_ulong false
#define KP_SIGNED_uint false
#define KP_SIGNED_int true
#define KP_UNPAREN(...) __VA_ARGS__
/* The word lists first: a compound literal in a static table would not be constant. */
#define PBK_NUM(n, type, lo, hi, def, pow2, desc)
#define PBK_LIST(n, def, lo, hi, maxn, desc)
#define PBK_WORDS(n, def, words, desc) static const char *const n##_words[] = { KP_UNPAREN words, NULL };
#define PBK_DMA(n, def, desc)
#define PBK_NAMES(n, def, desc)
#include "../../kmod/pbk_params.def"
#undef PBK_NUM
#undef PBK_LIST
#undef PBK_WORDS
#undef PBK_DMA
#undef PBK_NAMES

static const struct kparam kparams[] = {
#define PBK_NUM(n, type, l, h, def, p2, desc) \
	{ .name = #n, .kind = KP_NUM, .is_signed = KP_SIGNED_##type, .lo = l, .hi = h, .pow2 = p2 },
#define PBK_LIST(n, def, l, h, mx, desc) { .name = #n, .kind = KP_LIST, .lo = l, .hi = h, .maxn = mx },
#define PBK_WORDS(n, def, w, desc) { .name = #n, .kind = KP_WORDS, .words = n##_words },
#define PBK_DMA(n, def, desc) { .name = #n, .kind = KP_DMA },
#define PBK_NAMES(n, def, desc) { .name = #n, .kind = KP_NAMES },
#include "../../kmod/pbk_params.def"
#undef PBK_NUM
#undef PBK_LIST
#undef PBK_WORDS
#undef PBK_DMA
#undef PBK_NAMES
	{ NULL },
};

/* kstrtoll/kstrtoull(s, 0, ...): an optional sign ('-' only when signed), base 0, nothing after. */
static bool kstrto(const char *s, bool is_signed, long long *out)
{
	bool neg = false;
	unsigned long long x;
	char *end;

	if (*s == '+' || (*s == '-' && is_signed)) {
		neg = *s == '-';
		s++;
	}
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > (unsigned long long)LLONG_MAX)
		return false;
	*out = neg ? -(long long)x : (long long)x;
	return true;
}

static int check_word_list(const struct kparam *k, const char *v, struct pb_err *err)
{
	for (const char *p = v; ; p++) {
		size_t len = strcspn(p, ",");
		bool known = false;

		for (const char *const *w = k->words; *w && !known; w++)
			known = strlen(*w) == len && !strncmp(*w, p, len);
		if (!known)
			return pb_err_set(err, "%s=%s: unknown name '%.*s'", k->name, v, (int)len, p);
		p += len;
		if (!*p)
			return 0;
	}
}

static int check_uint_list(const struct kparam *k, const char *v, struct pb_err *err)
{
	unsigned n = 0;

	for (const char *p = v; ; p++) {
		size_t len = strcspn(p, ",");
		char word[16];
		char *end;
		unsigned long x;

		if (n++ == k->maxn)
			return pb_err_set(err, "%s=%s: more than %u values", k->name, v, k->maxn);
		if (!len || len >= sizeof(word))
			return pb_err_set(err, "%s=%s: empty or overlong value", k->name, v);
		memcpy(word, p, len);
		word[len] = '\0';
		errno = 0;
		x = strtoul(word, &end, 10);
		if (word[0] < '0' || word[0] > '9' || *end || errno || (long long)x < k->lo ||
		    (long long)x > k->hi)
			return pb_err_set(err, "%s=%s: '%s' must be %lld..%lld", k->name, v, word, k->lo,
					  k->hi);
		p += len;
		if (!*p)
			return 0;
	}
}

/* @kv ("key=value") against the module's table; -1 + @err in the words the module would use. */
static int kmod_param_check(const char *kv, struct pb_err *err)
{
	const char *eq = strchr(kv, '='), *v;
	const struct kparam *k;
	char names[400];
	size_t off = 0;
	long long x;

	if (!eq || eq == kv || strchr(kv, ' '))
		return pb_err_set(err, "%s: expected key=value", kv);
	v = eq + 1;
	for (k = kparams; k->name; k++)
		if (strlen(k->name) == (size_t)(eq - kv) && !strncmp(k->name, kv, (size_t)(eq - kv)))
			break;
	if (!k->name) {
		for (const struct kparam *o = kparams; o->name && off < sizeof(names); o++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						o == kparams ? "" : " ", o->name);
		return pb_err_set(err, "%.*s: not a parameter of the module (its parameters: %s)",
				  (int)(eq - kv), kv, names);
	}
	if (!*v)
		return pb_err_set(err, "%s=: empty value", k->name);
	switch (k->kind) {
	case KP_NUM:
		/* The kernel's own words for what module_param cannot parse. */
		if (!kstrto(v, k->is_signed, &x))
			return pb_err_set(err, "%s=%s: invalid for parameter `%s' (not a number)",
					  k->name, v, k->name);
		if (x < k->lo || x > k->hi || (k->pow2 && (x & (x - 1))))
			return pb_err_set(err, "%s=%s: must be %s%lld..%lld", k->name, v,
					  k->pow2 ? "a power of two in " : "", k->lo, k->hi);
		return 0;
	case KP_LIST:
		return check_uint_list(k, v, err);
	case KP_WORDS:
		return check_word_list(k, v, err);
	case KP_DMA:
		return pb_dma_check(v, err);
	case KP_NAMES:
		return 0;
	}
	return 0;
}

/* kmod/run-qemu.sh of the tree this binary was built in (or $PB_KMOD_RUNNER). */
static int find_runner(char *buf, size_t len)
{
	const char *env = getenv("PB_KMOD_RUNNER");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env)
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	/* build/pagebench -> <tree>/kmod/run-qemu.sh */
	for (int up = 0; up < 2; up++) {
		slash = strrchr(exe, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	if (snprintf(buf, len, "%s/kmod/run-qemu.sh", exe) >= (int)len)
		return -1;
	return access(buf, X_OK) ? -1 : 0;
}

static int kmod_run(int argc, char **argv)
{
	char runner[PATH_MAX], self[PATH_MAX];
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	int n = 0;
	ssize_t len;

	if (!args)
		return pb_cli_usage_error("kmod run: out of memory");
	if (find_runner(runner, sizeof(runner))) {
		free(args);
		return pb_cli_usage_error("kmod run: cannot find kmod/run-qemu.sh next to this binary (set PB_KMOD_RUNNER)");
	}
	args[n++] = runner;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(kmod_help, stdout);
			free(args);
			return PB_EXIT_OK;
		} else if (!strcmp(a, "--numa")) {
			args[n++] = argv[i];
		} else if (!strcmp(a, "--set") || !strcmp(a, "--json") || !strcmp(a, "--timeout")) {
			if (i + 1 >= argc) {
				free(args);
				return pb_cli_usage_error("kmod run: %s needs a value", a);
			}
			if (!strcmp(a, "--set")) {
				struct pb_err err;
				const char *kv = argv[i + 1];
				size_t klen = strcspn(kv, "=");

				if (kmod_param_check(kv, &err)) {
					free(args);
					return pb_cli_usage_error("kmod run: --set %s", err.msg);
				}
				/* As in a config file: a key given twice is a mistake, not an override. */
				for (int j = 1; j < n; j++)
					if (!strncmp(args[j], kv, klen + 1)) {
						int rc = pb_cli_usage_error("kmod run: --set %.*s: given twice ('%s', then '%s')",
									    (int)klen, kv, args[j], kv);

						free(args);	/* after the message, which quotes args[j] */
						return rc;
					}
			} else if (!strcmp(a, "--json")) {
				struct pb_err err;

				if (pb_cli_output_check("--json", argv[i + 1], &err)) {
					free(args);
					return pb_cli_usage_error("kmod run: %s", err.msg);
				}
				args[n++] = argv[i];
			} else {
				args[n++] = argv[i];
			}
			args[n++] = argv[++i];
		} else if (a[0] != '-') {
			free(args);
			return pb_cli_usage_error("kmod run: stray argument '%s' (module parameters go in --set %s)",
						  a, strchr(a, '=') ? a : "key=value");
		} else {
			free(args);
			return pb_cli_usage_error("kmod run: unknown option '%s' (try: pagebench kmod --help)", a);
		}
	}
	args[n] = NULL;
	/* The runner converts the log with this very binary. */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		setenv("PB_BIN", self, 1);
	}
	fflush(NULL);
	execv(runner, args);
	fprintf(stderr, "pagebench: kmod run: cannot run %s: %s\n", runner, strerror(errno));
	free(args);
	return PB_EXIT_FAIL;
}

int pb_cli_kmod(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(kmod_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? PB_EXIT_USAGE : PB_EXIT_OK;
	}
	if (!strcmp(argv[1], "parse"))
		return kmod_parse(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return kmod_run(argc - 1, argv + 1);
	return pb_cli_usage_error("kmod: unknown subcommand '%s' (parse or run)", argv[1]);
}
