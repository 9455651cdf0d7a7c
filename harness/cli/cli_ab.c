// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench ab --old BIN_OR_CMD --new BIN_OR_CMD [run options]`: two builds measured in
 * alternation, process by process in ABBA order on the same CPUs, then compared by
 * pb_compare with compare's rules and compare --gate's exit status. Alternating processes
 * spreads whatever the machine does over time (a neighbour's compile, thermal state) over
 * both builds alike, which two runs one after the other cannot; the processes of each side
 * are merged (results/merge.c), so the interval of each change sees the spread between
 * processes.
 *
 * A side that is a `kmod run` command (BIN kmod run ...) measures the kernel module: each of
 * its processes boots a guest (kmod/run-qemu.sh) and its options are `kmod run`'s, checked
 * with the module's own parameter table (kmod/pbk_params.def, via pb_cli_kmod_run_check)
 * before anything runs. Both sides are then kmod runs: that is how two kernels, or two
 * trees' module builds, are compared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "compare.h"
#include "config.h"
#include "merge.h"
#include "options.h"
#include "placement.h"
#include "processes.h"
#include "record.h"
#include "results_json.h"

#define AB_DEFAULT_PROCESSES 3
#define AB_MAX_WORDS 64

static const char ab_help[] =
	"usage: pagebench ab --old BIN_OR_CMD --new BIN_OR_CMD [--processes N] [--threshold PCT]\n"
	"                    [--alpha A] [--drift] [--old-json FILE] [--new-json FILE] RUN_OPTIONS...\n"
	"\n"
	"Runs `BIN run RUN_OPTIONS` of the old and the new build alternately, one process at a\n"
	"time in ABBA order (old new new old old new ...), on the same CPUs, then compares the\n"
	"two as `pagebench compare --gate` does (same rules, same table, same exit status:\n"
	"0 no regression, 1 a benchmark slower, inconclusive or unstable, 2 bad input).\n"
	"  --old, --new      a pagebench binary (one word: ab runs BIN run ...), or a command\n"
	"                    line that names the run subcommand itself, with options for that\n"
	"                    side only: 'build/pagebench run --set delay=20' (split on spaces)\n"
	"  --processes N     processes per build (default 3); each does --reps repetitions\n"
	"  --threshold PCT, --alpha A            as for compare\n"
	"  --drift           let the baselines' drift stop verdicts, as compare does by default;\n"
	"                    off here: the ABBA order already spreads the machine's drift over\n"
	"                    both builds, and its interval (mostly process noise) would hide changes\n"
	"  --old-json FILE, --new-json FILE      keep each side's merged results\n"
	"  RUN_OPTIONS       as for pagebench run (or a CONFIG.ini), checked before anything\n"
	"                    runs; not --json, which ab sets\n"
	"Kernel module: when --old and --new are 'BIN kmod run [options]', each process boots\n"
	"a guest with the module and RUN_OPTIONS are kmod run's (--kernel RELEASE, --set k=v,\n"
	"--numa, --timeout S), checked with the module's parameter table before any guest\n"
	"boots; at most one --kernel per side (without one: the newest installed), e.g.\n"
	"  pagebench ab --old 'B kmod run --kernel 6.1' --new 'B kmod run --kernel 6.12' \\\n"
	"      --set loops=3000 --set reps=5 --processes 2\n";

/* One side: its command split into words, and where "run" is among them (or -1). */
struct side {
	const char *what;		/* "old" or "new" */
	const char *cmd;		/* --old / --new as given */
	char *buf;			/* the command's copy the words point into */
	char *word[AB_MAX_WORDS];
	unsigned nwords;
	int run_at;			/* index of the word "run", -1: a bare binary */
	bool kmod;			/* "... kmod run ...": the kernel module's runner */
	const char *json;		/* --old-json / --new-json, or NULL */
	struct pb_result_set *parts;
	unsigned nparts;
};

struct ab {
	struct side side[2];
	unsigned processes;
	struct pb_compare_opts o;
	char **run_opts;		/* the options both sides run with */
	unsigned nrun;
	char cpus[128];			/* --cpus both sides get, "" when the run options say */
};

/* Whether @prog names an executable: a path, or a name found in PATH. */
static bool executable(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (const char *p = path ? path : "/usr/bin:/bin"; *p; ) {
		size_t len = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog);
		if (access(buf, X_OK) == 0)
			return true;
		p += len + (p[len] == ':');
	}
	return false;
}

/* Splits --old/--new's value into words and checks it; a usage error's exit status or 0. */
static int side_parse(struct side *s, const char *opt, const char *v)
{
	char *save = NULL;

	s->cmd = v;
	s->buf = strdup(v);
	if (!s->buf)
		return pb_cli_usage_error("ab: out of memory");
	s->run_at = -1;
	for (char *w = strtok_r(s->buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (s->nwords == AB_MAX_WORDS)
			return pb_cli_usage_error("ab: %s '%s': more than %d words", opt, v, AB_MAX_WORDS);
		if (s->run_at < 0 && !strcmp(w, "run"))
			s->run_at = (int)s->nwords;
		s->word[s->nwords++] = w;
	}
	if (!s->nwords)
		return pb_cli_usage_error("ab: %s '': empty command", opt);
	if (s->nwords > 1 && s->run_at < 0)
		return pb_cli_usage_error("ab: %s '%s': a command of several words must name the run subcommand "
					  "(e.g. '%s run --set delay=20'); a binary is one word", opt, v,
					  s->word[0]);
	if (!executable(s->word[0]))
		return pb_cli_usage_error("ab: %s '%s': %s is not an executable file", opt, v, s->word[0]);
	s->kmod = s->run_at > 0 && !strcmp(s->word[s->run_at - 1], "kmod");
	return 0;
}

static void side_free(struct side *s)
{
	for (unsigned i = 0; i < s->nparts; i++)
		pb_result_set_free(&s->parts[i]);
	free(s->parts);
	free(s->buf);
}

/*
 * The `kmod run` options of kmod side @s with the shared ones, checked as `kmod run` checks
 * them (the module's parameter table) without booting anything; one kernel at most, since
 * each process gives one results file. 0; -1 with what the options got wrong in @bad; or
 * a usage error's exit status, already printed (as side_check).
 */
static int side_check_kmod(const struct ab *ab, const struct side *s, struct pb_err *bad)
{
	char *argv[2 * AB_MAX_WORDS + 8];
	unsigned argc = 0;
	struct pb_kmod_run_opts ko;

	argv[argc++] = "run";
	for (unsigned i = (unsigned)s->run_at + 1; i < s->nwords; i++)
		argv[argc++] = s->word[i];
	for (unsigned i = 0; i < ab->nrun && argc < 2 * AB_MAX_WORDS + 6; i++)
		argv[argc++] = ab->run_opts[i];
	argv[argc] = NULL;
	if (pb_cli_kmod_run_check((int)argc, argv, &ko, bad))
		return -1;
	if (ko.json)
		return pb_cli_usage_error("ab: --json: ab writes each run's results itself (--old-json, --new-json keep them)");
	if (ko.kernels > 1)
		return pb_cli_usage_error("ab: %s: --kernel given %u times: each process boots one kernel "
					  "(one --kernel per side: --%s '%s --kernel RELEASE')", s->what,
					  ko.kernels, s->what, s->cmd);
	return 0;
}

/*
 * The run options of @s with the shared ones, as this build reads them: parsed and checked
 * (a config file loaded and preflighted) before anything runs. @plan_out gets the plan of a
 * command-line run (nothing for a config). 0; -1 with what the options got wrong in @bad
 * (the caller says whose: sides_check); or a usage error's exit status, already printed.
 */
static int side_check(const struct ab *ab, const struct side *s, struct pb_plan *plan_out,
		      bool *config, bool *instructions, struct pb_err *bad)
{
	char *argv[2 * AB_MAX_WORDS + 8];
	unsigned argc = 0;
	struct pb_run_args args;
	struct pb_config cfg = { 0 };
	int rc = 0;

	argv[argc++] = "run";
	for (unsigned i = s->run_at >= 0 ? (unsigned)s->run_at + 1 : s->nwords; i < s->nwords; i++)
		argv[argc++] = s->word[i];
	for (unsigned i = 0; i < ab->nrun && argc < 2 * AB_MAX_WORDS + 6; i++)
		argv[argc++] = ab->run_opts[i];
	argv[argc] = NULL;
	pb_plan_init(plan_out);
	if (pb_options_parse_argv((int)argc, argv, plan_out, &args, bad))
		return -1;
	if (args.help)
		return pb_cli_usage_error("ab: %s: --help is not a run option here (see pagebench ab --help)", s->what);
	if (args.json)
		return pb_cli_usage_error("ab: --json: ab writes each run's results itself (--old-json, --new-json keep them)");
	*config = args.config != NULL;
	*instructions = plan_out->metric_instructions;
	if (args.config) {
		if (pb_config_load(args.config, &cfg, bad) || pb_config_preflight(&cfg, bad))
			rc = -1;
		for (unsigned i = 0; !rc && i < cfg.njobs; i++)
			*instructions |= cfg.jobs[i].plan.metric_instructions;
		pb_config_free(&cfg);
		return rc;
	}
	if (pb_plan_preflight(plan_out, bad))
		return -1;
	return 0;
}

/*
 * Both sides checked (new first, then old, whose plan @plan_out keeps; userspace sides:
 * @config and @instr as side_check gives them). A refusal both
 * sides give alike is in the shared run options and is named so, not after the first side
 * that met it. A usage error's exit status, or 0.
 */
static int sides_check(const struct ab *ab, struct pb_plan *plan_out, bool *config,
		       bool instr[2])
{
	struct pb_err bad[2] = { { "" }, { "" } };
	int rc[2];

	for (int i = 1; i >= 0; i--) {
		rc[i] = ab->side[i].kmod ? side_check_kmod(ab, &ab->side[i], &bad[i]) :
			side_check(ab, &ab->side[i], plan_out, config, &instr[i], &bad[i]);
		if (rc[i] > 0)
			return rc[i];
	}
	if (rc[0] && rc[1] && !strcmp(bad[0].msg, bad[1].msg))
		return pb_cli_usage_error("ab: run options: %s", bad[1].msg);
	for (int i = 1; i >= 0; i--)
		if (rc[i])
			return pb_cli_usage_error("ab: %s: %s", ab->side[i].what, bad[i].msg);
	return 0;
}

/*
 * The CPUs this build would choose for @plan, as a --cpus value both sides get: two builds
 * that choose differently (another placement rule) still run on the same CPUs.
 */
static void resolve_cpus(const struct pb_plan *plan, char *out, size_t len)
{
	int want[PB_MAX_THREADS];
	struct pb_placement pl;
	struct pb_err err;
	size_t off = 0;

	out[0] = '\0';
	if (plan->ncpus || pb_plan_cpu_want(plan, want, &err) ||
	    pb_placement_init(&pl, plan->wl->nthreads, want, plan->allow_shared_cpus, &err))
		return;
	for (unsigned t = 0; t < plan->wl->nthreads && off < len; t++)
		off += (size_t)snprintf(out + off, len - off, "%s%u", t ? "," : "", pl.os_cpu[t]);
	pb_placement_fini(&pl);
}

/* Parses ab's own options; everything else is a run option. A usage error's status, or 0. */
static int parse(struct ab *ab, int argc, char **argv, bool *help)
{
	const char *old_cmd = NULL, *new_cmd = NULL;
	double pct;
	char *end;

	*help = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool takes = !strcmp(a, "--old") || !strcmp(a, "--new") || !strcmp(a, "--processes") ||
			     !strcmp(a, "--threshold") || !strcmp(a, "--alpha") ||
			     !strcmp(a, "--old-json") || !strcmp(a, "--new-json");

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*help = true;
			return 0;
		}
		if (!strcmp(a, "--drift") || !strcmp(a, "--no-drift")) {
			ab->o.drift = !strcmp(a, "--drift");
			continue;
		}
		if (!takes) {
			ab->run_opts[ab->nrun++] = argv[i];
			continue;
		}
		if (i + 1 >= argc)
			return pb_cli_usage_error("ab: %s needs a value", a);
		const char *v = argv[++i];

		if (!strcmp(a, "--old")) {
			old_cmd = v;
		} else if (!strcmp(a, "--new")) {
			new_cmd = v;
		} else if (!strcmp(a, "--old-json")) {
			ab->side[0].json = v;
		} else if (!strcmp(a, "--new-json")) {
			ab->side[1].json = v;
		} else if (!strcmp(a, "--processes")) {
			unsigned long x = strtoul(v, &end, 10);

			if (end == v || *end || x < 1 || x > 64 || v[0] == '-')
				return pb_cli_usage_error("ab: --processes %s: expected a number from 1 to 64", v);
			ab->processes = (unsigned)x;
		} else {
			double lo = !strcmp(a, "--alpha") ? 1e-9 : 0, hi = !strcmp(a, "--alpha") ? 1 : 1000;
			double x = strtod(v, &end);

			if (end == v || (*end && strcmp(end, "%")) || !(x >= lo && x <= hi))
				return pb_cli_usage_error("ab: %s %s: expected a number from %g to %g", a, v, lo, hi);
			pct = x;
			if (!strcmp(a, "--alpha"))
				ab->o.alpha = pct;
			else
				ab->o.threshold = pct / 100;
		}
	}
	if (!old_cmd || !new_cmd)
		return pb_cli_usage_error("ab: needs --old BIN_OR_CMD and --new BIN_OR_CMD (see pagebench ab --help)");
	if (side_parse(&ab->side[0], "--old", old_cmd))
		return PB_EXIT_USAGE;
	return side_parse(&ab->side[1], "--new", new_cmd);
}

/* The argv of one process of side @s writing to @json: its words, "run", the shared options. */
static char **side_argv(const struct ab *ab, const struct side *s, char *json)
{
	char **argv = calloc(s->nwords + ab->nrun + 8, sizeof(*argv));
	unsigned n = 0;

	if (!argv)
		return NULL;
	for (unsigned i = 0; i < s->nwords; i++)
		argv[n++] = s->word[i];
	if (s->run_at < 0)
		argv[n++] = "run";
	for (unsigned i = 0; i < ab->nrun; i++)
		argv[n++] = ab->run_opts[i];
	if (ab->cpus[0]) {
		argv[n++] = "--cpus";
		argv[n++] = (char *)ab->cpus;
	}
	argv[n++] = "--json";
	argv[n++] = json;
	return argv;
}

/* Runs the 2N processes in ABBA order; 0, or the exit status ab ends with. */
static int run_all(struct ab *ab, const char *dir)
{
	unsigned total = 2 * ab->processes;
	double started = 0;
	struct timespec ts;
	struct pb_err err;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	started = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
	for (unsigned k = 0; k < total; k++) {
		struct side *s = &ab->side[pb_abba_is_b(k)];
		char json[600], **argv;
		char *env[] = { "PB_PROCESS=", "PB_PROCESS_JSON=", NULL };
		double now, left;
		int status;

		snprintf(json, sizeof(json), "%s/%s%u.json", dir, s->what, s->nparts);
		argv = side_argv(ab, s, json);
		if (!argv)
			return fprintf(stderr, "pagebench: ab: out of memory\n"), PB_EXIT_FAIL;
		status = pb_process_run(argv, env, &err);
		free(argv);
		if (status < 0) {
			fprintf(stderr, "pagebench: ab: %s: %s\n", s->what, err.msg);
			return PB_EXIT_FAIL;
		}
		if (status) {
			fprintf(stderr, "pagebench: ab: %s build, process %u of %u: exit status %d\n", s->what,
				s->nparts + 1, ab->processes, status);
			unlink(json);	/* a file marked incomplete, if it wrote one */
			return status == PB_EXIT_USAGE ? PB_EXIT_USAGE : PB_EXIT_FAIL;
		}
		if (pb_results_load(json, &s->parts[s->nparts], &err)) {
			fprintf(stderr, "pagebench: ab: %s build: %s\n", s->what, err.msg);
			unlink(json);
			return PB_EXIT_FAIL;
		}
		s->nparts++;
		unlink(json);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
		left = (now - started) / (k + 1) * (total - k - 1);
		fprintf(stderr, "pagebench: ab: process %u/%u (%s) done%s", k + 1, total, s->what,
			k + 1 < total ? "" : "\n");
		if (k + 1 < total)
			fprintf(stderr, ", %.0f s left\n", left);
	}
	return 0;
}

int pb_cli_ab(int argc, char **argv)
{
	struct ab ab = { .processes = AB_DEFAULT_PROCESSES };
	char dir[] = "/tmp/pagebench-ab.XXXXXX";
	struct pb_result_set merged[2] = { { 0 }, { 0 } };
	struct pb_plan plan;
	struct pb_compare c;
	struct pb_err err;
	bool help, config = false, instructions = false, instr2 = false;
	int rc;

	ab.side[0].what = "old";
	ab.side[1].what = "new";
	pb_compare_opts_init(&ab.o);
	ab.o.gate = true;
	/* Measured: ABBA leaves little drift, and the guard cost every small change it had. */
	ab.o.drift = false;
	ab.run_opts = calloc((size_t)argc + 1, sizeof(*ab.run_opts));
	if (!ab.run_opts)
		return pb_cli_usage_error("ab: out of memory");
	rc = parse(&ab, argc, argv, &help);
	if (help) {
		fputs(ab_help, stdout);
		rc = PB_EXIT_OK;
		goto out;
	}
	if (rc)
		goto out;
	/* Everything either side would refuse is refused here, before a process starts. */
	if (ab.side[0].kmod != ab.side[1].kmod) {
		rc = pb_cli_usage_error("ab: --%s is a kmod run and --%s a userspace run: ab compares two builds "
					"of the same measurement (both 'BIN kmod run ...', or neither)",
					ab.side[0].kmod ? "old" : "new", ab.side[0].kmod ? "new" : "old");
		goto out;
	}
	{
		/* kmod: the guests choose their CPUs; the module has no --cpus and no instructions. */
		bool instr[2] = { false, false };

		rc = sides_check(&ab, &plan, &config, instr);
		if (rc)
			goto out;
		instructions = instr[0];
		instr2 = instr[1];
	}
	ab.o.instructions = instructions || instr2;
	for (unsigned i = 0; i < 2; i++)
		if (ab.side[i].json && pb_cli_output_check(i ? "--new-json" : "--old-json",
							   ab.side[i].json, &err)) {
			rc = pb_cli_usage_error("ab: %s", err.msg);
			goto out;
		}
	if (!ab.side[0].kmod && !config)
		resolve_cpus(&plan, ab.cpus, sizeof(ab.cpus));
	for (unsigned i = 0; i < 2; i++) {
		ab.side[i].parts = calloc(ab.processes, sizeof(*ab.side[i].parts));
		if (!ab.side[i].parts) {
			rc = pb_cli_usage_error("ab: out of memory");
			goto out;
		}
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "pagebench: ab: cannot make a temporary directory: %s\n", strerror(errno));
		rc = PB_EXIT_FAIL;
		goto out;
	}
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ab: old: %s\nab: new: %s\nab: %u processes each, in ABBA order%s%s\n",
	       ab.side[0].cmd, ab.side[1].cmd, ab.processes,
	       ab.cpus[0] ? ", --cpus " : "", ab.cpus);
	pb_process_stop_begin();	/* a stop between two processes too: the files go */
	rc = run_all(&ab, dir);
	rmdir(dir);
	pb_process_stop_end();
	if (rc)
		goto out;
	for (unsigned i = 0; i < 2; i++) {
		if (pb_results_merge(ab.side[i].parts, ab.side[i].nparts, &merged[i], &err)) {
			fprintf(stderr, "pagebench: ab: %s build: %s\n", ab.side[i].what, err.msg);
			rc = PB_EXIT_FAIL;
			goto out;
		}
		if (ab.side[i].json && pb_results_write(ab.side[i].json, &merged[i], &err)) {
			fprintf(stderr, "pagebench: ab: %s\n", err.msg);
			rc = PB_EXIT_OUTPUT;
			goto out;
		}
	}
	if (pb_compare(&merged[0], "old", &merged[1], "new", &ab.o, &c, &err)) {
		rc = pb_cli_usage_error("ab: %s", err.msg);
		goto out;
	}
	pb_compare_print(stdout, &c, &ab.o);
	rc = pb_compare_status(&c, &ab.o) ? PB_EXIT_FAIL : PB_EXIT_OK;
	pb_compare_free(&c);
out:
	pb_result_set_free(&merged[0]);
	pb_result_set_free(&merged[1]);
	side_free(&ab.side[0]);
	side_free(&ab.side[1]);
	free(ab.run_opts);
	return rc;
}
