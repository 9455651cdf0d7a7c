// SPDX-License-Identifier: GPL-2.0-only
/* `pagebench compare OLD.json NEW.json`: exit 0 when nothing regressed, 1 when something did or may have. */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "compare.h"
#include "compare_json.h"
#include "record.h"
#include "results_json.h"

static const char compare_help[] =
	"usage: pagebench compare OLD.json NEW.json [--threshold PCT] [--alpha A] [--metric time|instructions]\n"
	"                         [--no-drift] [--gate] [--allow-emulated] [--json FILE]\n"
	"\n"
	"Compares every benchmark present in both result files: medians, spread (MAD), change with\n"
	"its confidence interval, Mann-Whitney U p-value, and a verdict:\n"
	"  slower/faster  p < alpha, the change beyond the threshold, its interval clear of zero\n"
	"  inconclusive   too few samples for the U test ever to reach p < alpha\n"
	"  unstable       significant but the interval reaches zero (processes disagree), the\n"
	"                 machine's drift could explain it, or a side too noisy to call it the same\n"
	"  same           none of these\n"
	"Exit status: 0 no regression, 1 a benchmark is slower or inconclusive (with --gate: or\n"
	"unstable), 2 bad input.\n"
	"  --threshold PCT   practical threshold in percent (default 3)\n"
	"  --alpha A         significance level (default 0.05); the interval is at 1 - A\n"
	"  --metric M        time (TSC cycles per op, default) or instructions (PMU instructions per op)\n"
	"  --no-drift        judge raw changes only. By default the machine's drift between the\n"
	"                    files (from the baselines, with its interval) may stop a verdict: within\n"
	"                    the threshold it is divided out and the net change must agree; wider,\n"
	"                    the change's interval must be clear of the drift's (--drift: the default).\n"
	"                    Each job's drift comes from the baselines measured in that job; a job\n"
	"                    without its own (baselines = off) is judged raw (\"raw\" in the net column)\n"
	"  --gate            a gate: unstable verdicts fail as well (all three causes: on a loaded\n"
	"                    machine even a self-compare fails it; docs/design-notes.md note 15)\n"
	"  --allow-emulated  compare a file from an emulated guest with one from hardware\n"
	"  --json FILE       also write the comparison as JSON (docs/result-schema.md, \"Compare output\")\n";

static int parse_fraction(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;
	double x = strtod(v, &end);

	if (end == v || (*end && strcmp(end, "%")) || !(x >= lo && x <= hi))
		return pb_cli_usage_error("compare: %s %s: expected a number from %g to %g", opt, v, lo, hi);
	*out = x;
	return 0;
}

int pb_cli_compare(int argc, char **argv)
{
	struct pb_compare_opts o;
	const char *files[2] = { NULL, NULL }, *json = NULL;
	struct pb_result_set docs[2] = { { 0 }, { 0 } };
	struct pb_compare c;
	struct pb_err err;
	unsigned nfiles = 0;
	int rc = PB_EXIT_USAGE;
	double pct;

	pb_compare_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(compare_help, stdout);
			return PB_EXIT_OK;
		} else if (!strcmp(a, "--threshold") || !strcmp(a, "--alpha") || !strcmp(a, "--metric")) {
			if (i + 1 >= argc)
				return pb_cli_usage_error("compare: %s needs a value", a);
			if (!strcmp(a, "--threshold")) {
				if (parse_fraction(a, argv[++i], 0, 1000, &pct))
					return PB_EXIT_USAGE;
				o.threshold = pct / 100;
			} else if (!strcmp(a, "--alpha")) {
				if (parse_fraction(a, argv[++i], 1e-9, 1, &o.alpha))
					return PB_EXIT_USAGE;
			} else if (!strcmp(argv[++i], "instructions")) {
				o.instructions = true;
			} else if (strcmp(argv[i], "time")) {
				return pb_cli_usage_error("compare: --metric %s: must be time or instructions", argv[i]);
			}
		} else if (!strcmp(a, "--drift") || !strcmp(a, "--no-drift")) {
			o.drift = !strcmp(a, "--drift");
		} else if (!strcmp(a, "--gate")) {
			o.gate = true;
		} else if (!strcmp(a, "--allow-emulated")) {
			o.allow_emulated = true;
		} else if (!strcmp(a, "--json")) {
			if (++i >= argc)
				return pb_cli_usage_error("compare: --json needs a value");
			json = argv[i];
		} else if (a[0] == '-' && a[1]) {
			return pb_cli_usage_error("compare: unknown option '%s' (see pagebench compare --help)", a);
		} else if (nfiles < 2) {
			files[nfiles++] = a;
		} else {
			return pb_cli_usage_error("compare: stray argument '%s' (OLD.json and NEW.json are already '%s' and '%s')",
						  a, files[0], files[1]);
		}
	}
	if (nfiles != 2)
		return pb_cli_usage_error("compare: needs OLD.json and NEW.json");
	if (json && pb_cli_output_check("--json", json, &err))
		return pb_cli_usage_error("compare: %s", err.msg);
	for (unsigned i = 0; i < 2; i++)
		if (pb_results_load(files[i], &docs[i], &err)) {
			pb_cli_usage_error("compare: %s", err.msg);
			goto out;
		}
	if (pb_compare(&docs[0], files[0], &docs[1], files[1], &o, &c, &err)) {
		pb_cli_usage_error("compare: %s", err.msg);
		goto out;
	}
	pb_compare_print(stdout, &c, &o);
	rc = pb_compare_status(&c, &o) ? PB_EXIT_FAIL : PB_EXIT_OK;
	if (json && pb_compare_write_json(json, &c, &o, files[0], files[1], &err)) {
		pb_cli_usage_error("compare: %s", err.msg);
		rc = PB_EXIT_USAGE;
	}
	pb_compare_free(&c);
out:
	pb_result_set_free(&docs[0]);
	pb_result_set_free(&docs[1]);
	return rc;
}
