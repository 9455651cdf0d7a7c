// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench trace gen|show|check|import` (docs/traces.md). Argv and printing only: the
 * format, generators, checker and importers are workloads/trace_*.c. Bad input (options,
 * parameters, a corrupt or foreign file, a malformed capture line) is one line on stderr
 * and exit 2 with no output file; `check` exits 1 at the first packet-life violation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "trace_audit.h"
#include "trace_format.h"
#include "trace_gen.h"
#include "trace_import.h"

static const char trace_help[] =
	"usage: pagebench trace gen GENERATOR [--set key=value]... [--seed N] -o FILE\n"
	"       pagebench trace show FILE [--summary] [--limit N]\n"
	"       pagebench trace check FILE\n"
	"       pagebench trace import CAPTURE [-o OUT] [--dev DEVICE] [--format perf]\n"
	"\n"
	"gen: writes a generated trace (deterministic from --seed, default 1); `trace gen --help`\n"
	"  lists the generators and their keys. show: the header and one line per event, or with\n"
	"  --summary counts per kind and path, the in-flight peak and hold-time percentiles.\n"
	"  check: every packet received once, released once after its rx, by its path's release,\n"
	"  on a CPU with the role; exit 1 naming the first violation. import: `perf script` or\n"
	"  tracefs text -> a trace (OUT defaults to CAPTURE with .pbtrace); the header's obs_*\n"
	"  params record what the capture observed. Bad input: one line, exit 2, no file.\n";

static void print_gen_help(void)
{
	fputs("usage: pagebench trace gen GENERATOR [--set key=value]... [--seed N] -o FILE\n\ngenerators:\n",
	      stdout);
	for (const struct pb_trace_gen_def *const *d = pb_trace_gens; *d; d++) {
		printf("  %-14s %s\n", (*d)->name, (*d)->desc);
		for (const struct pb_param_spec *s = (*d)->params; s->key; s++)
			printf("    %-12s default %-10s %s\n", s->key, s->def ? s->def : "unset", s->help);
	}
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return end == s || *end || errno || *s == '-' ? -1 : 0;
}

static int trace_gen(int argc, char **argv)
{
	const char *gen = NULL, *out = NULL;
	struct pb_trace_writer *w;
	uint64_t count;
	struct pb_trace_source src;
	struct pb_trace_sink sink;
	struct pb_params p = { 0 };
	uint64_t seed = 1;
	struct pb_err err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_gen_help();
			return PB_EXIT_OK;
		} else if (!strcmp(a, "--set") || !strcmp(a, "--seed") || !strcmp(a, "-o")) {
			if (++i >= argc)
				return pb_cli_usage_error("trace gen: %s needs a value", a);
			if (!strcmp(a, "-o"))
				out = argv[i];
			else if (!strcmp(a, "--seed") && parse_u64(argv[i], &seed))
				return pb_cli_usage_error("trace gen: --seed %s: not an unsigned integer", argv[i]);
			else if (!strcmp(a, "--set") && pb_params_add(&p, argv[i], &err))
				return pb_cli_usage_error("trace gen: --set %s: %s", argv[i], err.msg);
		} else if (a[0] == '-' || gen) {
			return pb_cli_usage_error("trace gen: unexpected argument '%s'", a);
		} else {
			gen = a;
		}
	}
	if (!gen)
		return pb_cli_usage_error("trace gen: no GENERATOR given (try: pagebench trace gen --help)");
	if (!out)
		return pb_cli_usage_error("trace gen: no -o FILE given");
	if (pb_trace_gen_open(&src, gen, &p, seed, &err))
		return pb_cli_usage_error("trace gen: %s", err.msg);
	w = pb_trace_create(out, src.hdr, &err);
	if (!w) {
		pb_trace_source_close(&src);
		return pb_cli_usage_error("trace gen: %s", err.msg);
	}
	sink = pb_trace_writer_sink(w);
	if (pb_trace_pump(&src, &sink, &err)) {
		pb_trace_abort(w);
		pb_trace_source_close(&src);
		fprintf(stderr, "pagebench: trace gen: %s\n", err.msg);
		return PB_EXIT_FAIL;
	}
	pb_trace_source_close(&src);
	count = pb_trace_writer_count(w);
	if (pb_trace_commit(w, &err)) {
		fprintf(stderr, "pagebench: trace gen: %s\n", err.msg);
		return PB_EXIT_OUTPUT;
	}
	printf("%s: %llu events from %s (seed %llu)\n", out, (unsigned long long)count, gen,
	       (unsigned long long)seed);
	return PB_EXIT_OK;
}

static void print_header(const struct pb_trace_header *h)
{
	char roles[32];

	printf("# pagebench trace version %u, generator %s, seed %llu, %llu events\n", h->version,
	       h->generator, (unsigned long long)h->seed, (unsigned long long)h->nevents);
	printf("# cpus:");
	for (unsigned c = 0; c < h->ncpus; c++)
		printf(" %u=%s", c, pb_trace_roles_format(h->roles[c], roles, sizeof(roles)));
	printf("\n");
	for (const char *l = h->params; *l; ) {
		size_t n = strcspn(l, "\n");

		printf("# %.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
}

static void print_summary(const struct pb_trace_audit *a)
{
	const struct pb_hist *h = &a->hold;
	uint64_t pkts = 0, span = a->last_time - a->first_time;

	for (unsigned p = 0; p < PB_TP_NPATHS; p++)
		pkts += a->paths[p];
	printf("events %llu, packets %llu, %llu bytes, span %llu ns\n", (unsigned long long)a->index,
	       (unsigned long long)pkts, (unsigned long long)a->bytes, (unsigned long long)span);
	printf("kinds:");
	for (unsigned k = 0; k < PB_TK_NKINDS; k++)
		printf(" %s=%llu", pb_trace_kind_name(k), (unsigned long long)a->kinds[k]);
	printf("\npaths:");
	for (unsigned p = 1; p < PB_TP_NPATHS; p++)
		printf(" %s=%llu", pb_trace_path_name(p), (unsigned long long)a->paths[p]);
	printf("\nin flight: peak %llu packets at %llu ns, mean %.1f\n",
	       (unsigned long long)a->inflight_peak, (unsigned long long)a->inflight_peak_time,
	       span ? a->inflight_area / (double)span : 0.0);
	printf("hold ns: p50 %llu p90 %llu p99 %llu p99.9 %llu max %llu mean %.0f (%llu released)\n",
	       (unsigned long long)pb_hist_quantile(h, 0.5), (unsigned long long)pb_hist_quantile(h, 0.9),
	       (unsigned long long)pb_hist_quantile(h, 0.99), (unsigned long long)pb_hist_quantile(h, 0.999),
	       (unsigned long long)h->max, h->n ? h->sum / (double)h->n : 0.0, (unsigned long long)h->n);
	printf("napi polls: %llu, mean %.1f packets, max %llu\n", (unsigned long long)a->polls,
	       a->polls ? (double)a->poll_pkts / (double)a->polls : 0.0, (unsigned long long)a->poll_max);
	if (a->violations)
		printf("violations: %llu, first: %s\n", (unsigned long long)a->violations, a->first);
	else
		printf("violations: none\n");
}

/* show (check == false) or check: one streaming pass through the file. */
static int trace_read_cmd(int argc, char **argv, bool check)
{
	const char *cmd = check ? "trace check" : "trace show", *path = NULL;
	bool summary = false;
	uint64_t limit = UINT64_MAX;
	struct pb_trace_reader *r;
	struct pb_trace_audit a;
	struct pb_trace_event ev;
	struct pb_err err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(trace_help, stdout);
			return PB_EXIT_OK;
		} else if (!check && !strcmp(argv[i], "--summary")) {
			summary = true;
		} else if (!check && !strcmp(argv[i], "--limit")) {
			if (++i >= argc || parse_u64(argv[i], &limit))
				return pb_cli_usage_error("%s: --limit needs an unsigned integer", cmd);
		} else if (argv[i][0] == '-' || path) {
			return pb_cli_usage_error("%s: unexpected argument '%s'", cmd, argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return pb_cli_usage_error("%s: no FILE given", cmd);
	r = pb_trace_open(path, &err);
	if (!r)
		return pb_cli_usage_error("%s: %s", cmd, err.msg);
	if (pb_trace_audit_init(&a, pb_trace_reader_header(r), &err)) {
		pb_trace_close(r);
		return pb_cli_usage_error("%s: %s", cmd, err.msg);
	}
	if (!check)
		print_header(pb_trace_reader_header(r));
	if (!check && !summary)
		printf("# index time_ns cpu kind pkt len path\n");
	while ((rc = pb_trace_next(r, &ev, &err)) > 0) {
		int v = pb_trace_audit_event(&a, &ev, pb_trace_reader_offset(r), &err);

		if (v < 0)
			break;
		if (check && v) {
			printf("%s: %s\n", path, a.first);
			pb_trace_audit_free(&a);
			pb_trace_close(r);
			return PB_EXIT_FAIL;
		}
		if (!check && !summary && a.index <= limit)
			printf("%llu %llu %u %s %llu %u %s\n", (unsigned long long)(a.index - 1),
			       (unsigned long long)ev.time_ns, ev.cpu, pb_trace_kind_name(ev.kind),
			       (unsigned long long)ev.pkt, ev.len, pb_trace_path_name(ev.path));
	}
	if (rc < 0) {
		pb_trace_audit_free(&a);
		pb_trace_close(r);
		return pb_cli_usage_error("%s: %s", cmd, err.msg);
	}
	pb_trace_audit_finish(&a);
	if (summary)
		print_summary(&a);
	rc = PB_EXIT_OK;
	if (check) {
		if (a.violations) {
			printf("%s: %s\n", path, a.first);
			rc = PB_EXIT_FAIL;
		} else {
			printf("%s: ok: %llu events, %llu packets, every life complete\n", path,
			       (unsigned long long)a.index, (unsigned long long)a.kinds[PB_TK_RX]);
		}
	}
	pb_trace_audit_free(&a);
	pb_trace_close(r);
	return rc;
}

static int trace_import(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *format = "perf";
	struct pb_trace_import_opts o = { 0 };
	const struct pb_trace_importer *imp;
	struct pb_trace_import_stats st;
	char defout[4096];
	struct pb_err err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(trace_help, stdout);
			return PB_EXIT_OK;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--dev") || !strcmp(a, "--format")) {
			if (++i >= argc)
				return pb_cli_usage_error("trace import: %s needs a value", a);
			if (!strcmp(a, "-o"))
				out = argv[i];
			else if (!strcmp(a, "--dev"))
				o.dev = argv[i];
			else
				format = argv[i];
		} else if (a[0] == '-' || in) {
			return pb_cli_usage_error("trace import: unexpected argument '%s'", a);
		} else {
			in = a;
		}
	}
	if (!in)
		return pb_cli_usage_error("trace import: no CAPTURE given");
	imp = pb_trace_importer_find(format);
	if (!imp)
		return pb_cli_usage_error("trace import: --format %s: unknown (have: perf)", format);
	if (!out) {
		const char *dot = strrchr(in, '.'), *slash = strrchr(in, '/');
		size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - in) : strlen(in);

		if (snprintf(defout, sizeof(defout), "%.*s.pbtrace", (int)n, in) >= (int)sizeof(defout))
			return pb_cli_usage_error("trace import: %s: path too long", in);
		out = defout;
	}
	if (imp->import(in, out, &o, &st, &err))
		return pb_cli_usage_error("trace import: %s", err.msg);
	printf("%s: %llu events, %llu packets from %s (%llu lines: %llu used, %llu skipped)\n", out,
	       (unsigned long long)st.events, (unsigned long long)st.packets, in,
	       (unsigned long long)st.lines, (unsigned long long)st.used, (unsigned long long)st.skipped);
	return PB_EXIT_OK;
}

int pb_cli_trace(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(trace_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? PB_EXIT_USAGE : PB_EXIT_OK;
	}
	if (!strcmp(argv[1], "gen"))
		return trace_gen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return trace_read_cmd(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "check"))
		return trace_read_cmd(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "import"))
		return trace_import(argc - 1, argv + 1);
	return pb_cli_usage_error("trace: unknown subcommand '%s' (gen, show, check, import)", argv[1]);
}
