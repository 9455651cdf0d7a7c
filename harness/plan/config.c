// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading experiment files. inih splits the lines; a reader wrapped around it supplies what
 * inih's handler is not told: the line of each key, and the section headers themselves
 * (inih reports keys only, so an empty or a repeated section would be invisible). The
 * whole file is collected first, then each job is built the way `pagebench run` builds a
 * plan from options and checked with the same checks, so a file that loads will start.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "options.h"

struct entry {
	char key[64];
	char value[256];
	int line;
};

struct section {
	char name[PB_JOB_NAME_LEN];
	int line;
	unsigned n, cap;
	struct entry *ents;
};

struct loader {
	FILE *f;
	char shown[112];	/* the path as messages show it: long ones keep their tail */
	int line;		/* lines read so far, which is the line inih is working on */
	struct section *sects;
	unsigned nsects, cap;
	struct pb_err *err;
	int err_line;		/* line of the first problem; 0 while there is none */
};

/*
 * Records a problem at @line unless one is recorded already: the file is read top to
 * bottom, so the first is the earliest, and that is the one worth fixing first.
 */
static int __attribute__((format(printf, 3, 4))) fail(struct loader *ld, int line,
						      const char *fmt, ...)
{
	char what[PB_ERR_LEN];
	va_list ap;

	if (ld->err_line)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ld->err_line = line;
	return pb_err_set(ld->err, "%s:%d: %s", ld->shown, line, what);
}

static bool valid_name(const char *s, size_t len)
{
	if (!len || len >= PB_JOB_NAME_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

static void new_section(struct loader *ld, const char *name, size_t len)
{
	struct section *s;

	if (!valid_name(name, len)) {
		fail(ld, ld->line, "[%.*s]: a section name is 1 to %d letters, digits, '-', '_' or '.'",
		     (int)(len < 80 ? len : 80), name, PB_JOB_NAME_LEN - 1);
		return;
	}
	for (unsigned i = 0; i < ld->nsects; i++) {
		if (strlen(ld->sects[i].name) == len && !strncmp(ld->sects[i].name, name, len)) {
			fail(ld, ld->line, "[%.*s]: duplicate section (first at line %d)", (int)len, name,
			     ld->sects[i].line);
			return;
		}
	}
	/* Defaults after a job would apply to some jobs and not others: keep the file honest. */
	if (ld->nsects && len == 6 && !strncmp(name, "global", 6)) {
		fail(ld, ld->line, "[global]: must come before the first job");
		return;
	}
	if (ld->nsects == ld->cap) {
		unsigned cap = ld->cap ? 2 * ld->cap : 8;
		struct section *n = realloc(ld->sects, cap * sizeof(*n));

		if (!n) {
			fail(ld, ld->line, "out of memory");
			return;
		}
		ld->sects = n;
		ld->cap = cap;
	}
	s = &ld->sects[ld->nsects++];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, len);
	s->line = ld->line;
}

/*
 * Looks at each raw line before inih does: section headers are recorded here, and an
 * indented line is refused because inih would append it to the previous key's value.
 */
static void see_line(struct loader *ld, const char *buf)
{
	const char *s = buf, *p, *end;

	if (ld->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;		/* a UTF-8 byte order mark, which inih skips too */
	for (p = s; *p && isspace((unsigned char)*p); p++)
		;
	if (!*p || *p == ';' || *p == '#')
		return;
	if (p > s) {
		fail(ld, ld->line, "indented line: inih would read it as more of the previous value; remove the indentation");
		return;
	}
	if (*p != '[')
		return;		/* a key: the handler gets it */
	end = strchr(p, ']');
	if (end)		/* without ']' inih reports the line as malformed */
		new_section(ld, p + 1, (size_t)(end - p - 1));
}

/* inih's fgets: counts lines, and refuses lines inih would split into pieces. */
static char *read_line(char *buf, int num, void *stream)
{
	struct loader *ld = stream;
	size_t len;
	int c;

	if (!fgets(buf, num, ld->f))
		return NULL;
	ld->line++;
	len = strlen(buf);
	if (len && buf[len - 1] != '\n') {
		c = fgetc(ld->f);
		if (c != '\n' && c != EOF) {
			fail(ld, ld->line, "line longer than %d characters", num - 1);
			/* Swallow the rest so that inih's line count stays ours. */
			while (c != '\n' && c != EOF)
				c = fgetc(ld->f);
		}
	}
	see_line(ld, buf);
	return buf;
}

static const struct entry *find_entry(const struct section *s, const char *key)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->ents[i].key, key))
			return &s->ents[i];
	return NULL;
}

/* Always returns 1: problems are recorded with their line, inih's own count is for syntax. */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct loader *ld = user;
	const struct entry *prev;
	struct section *s;
	struct entry *e;

	(void)section;	/* the reader saw the header; inih's copy is cut at 50 characters */
	if (ld->err_line)
		return 1;
	if (!ld->nsects) {
		fail(ld, ld->line, "%s: outside any section (put it under [global] or a job)", key);
		return 1;
	}
	s = &ld->sects[ld->nsects - 1];
	prev = find_entry(s, key);
	if (prev) {
		fail(ld, ld->line, "[%s] %s: given twice (first at line %d)", s->name, key, prev->line);
		return 1;
	}
	if (!*value) {
		fail(ld, ld->line, "[%s] %s: empty value", s->name, key);
		return 1;
	}
	if (strstr(value, " #") || strstr(value, "\t#")) {
		fail(ld, ld->line, "[%s] %s: '#' starts a comment only at the start of a line; after a value use ';'",
		     s->name, key);
		return 1;
	}
	if (strlen(key) >= sizeof(e->key) || strlen(value) >= sizeof(e->value)) {
		fail(ld, ld->line, "[%s] %.64s: key or value too long", s->name, key);
		return 1;
	}
	if (s->n == s->cap) {
		unsigned cap = s->cap ? 2 * s->cap : 8;
		struct entry *n = realloc(s->ents, cap * sizeof(*n));

		if (!n) {
			fail(ld, ld->line, "out of memory");
			return 1;
		}
		s->ents = n;
		s->cap = cap;
	}
	e = &s->ents[s->n++];
	strcpy(e->key, key);
	strcpy(e->value, value);
	e->line = ld->line;
	return 1;
}

/*
 * @key=@value alone against everything in @plan that takes @key: the check pb_plan_check
 * does for all keys at once, done per key so the problem gets the key's line.
 */
static int check_param(const struct pb_plan *plan, const char *kv, const char *key, struct pb_err *err)
{
	bool taken = pb_param_find(pb_mem_params, key) || pb_param_find(plan->wl->params, key);
	struct pb_params one = { .n = 0 };
	char names[160] = "";
	size_t off = 0;

	for (unsigned i = 0; i < plan->nallocs; i++) {
		taken |= pb_param_find(plan->allocs[i]->params, key) != NULL;
		if (off < sizeof(names))
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? "," : "",
						plan->allocs[i]->name);
	}
	if (!taken)
		return pb_err_set(err, "unknown key: not a parameter of the memory model, workload %s%s%s (see pagebench list --params)",
				  plan->wl->name, !plan->nallocs ? "" : plan->nallocs == 1 ? " or backend " :
				  " or backends ", names);
	if (pb_params_add(&one, kv, err) || pb_params_check(&one, pb_mem_params, err) ||
	    pb_params_check(&one, plan->wl->params, err))
		return -1;
	for (unsigned i = 0; i < plan->nallocs; i++)
		if (pb_alloc_check_params(plan->allocs[i], &one, err))
			return -1;
	return 0;
}

/* The keys of @job's section and the [global] ones it does not override, [global]'s first. */
struct merged {
	const struct entry *e;
	const struct section *from;
};

static unsigned merge(const struct section *global, const struct section *job, struct merged *out)
{
	unsigned n = 0;

	for (unsigned i = 0; global && i < global->n; i++)
		if (!find_entry(job, global->ents[i].key))
			out[n++] = (struct merged){ &global->ents[i], global };
	for (unsigned i = 0; i < job->n; i++)
		out[n++] = (struct merged){ &job->ents[i], job };
	return n;
}

/* Records @why against @m's line; a key [global] gave may fail in one job only: say which. */
static int fail_key(struct loader *ld, const struct merged *m, const struct section *job,
		    const struct pb_err *why)
{
	return fail(ld, m->e->line, "[%s] %s: %s%s%s%s", m->from->name, m->e->key, why->msg,
		    m->from != job ? " (inherited by [" : "", m->from != job ? job->name : "",
		    m->from != job ? "])" : "");
}

static int build_job(struct loader *ld, const struct section *global, const struct section *s,
		     struct pb_job *job)
{
	/* Any key that is not an option is a parameter, as --set takes it. */
	const struct pb_option *param = pb_option_by_name("set");
	struct pb_plan *plan = &job->plan;
	struct merged *m;
	struct pb_err why;
	bool all_first;
	unsigned n;
	int rc = -1;

	memset(job, 0, sizeof(*job));
	pb_plan_init(plan);
	strcpy(job->name, s->name);
	snprintf(plan->job, sizeof(plan->job), "%s", s->name);
	job->line = s->line;
	m = calloc((global ? global->n : 0) + s->n + 1, sizeof(*m));
	if (!m)
		return fail(ld, s->line, "[%s]: out of memory", s->name);
	n = merge(global, s, m);

	/* The job's shape first: whether a parameter is taken depends on backends and workload. */
	for (unsigned i = 0; i < n; i++) {
		const struct pb_option *o = pb_option_by_key(m[i].e->key);

		if (o && o->set(plan, m[i].e->value, &why)) {
			fail_key(ld, &m[i], s, &why);
			goto out;
		}
	}
	if (!plan->wl) {
		fail(ld, s->line, "[%s]: no workload (set workload = here or in [global])", s->name);
		goto out;
	}
	if (!plan->wl->baseline && !plan->nallocs) {
		fail(ld, s->line, "[%s]: no alloc: workload %s needs backends (alloc = NAME[,NAME...] or all)",
		     s->name, plan->wl->name);
		goto out;
	}
	all_first = plan->alloc_all;
	/*
	 * alloc = all: which backends stay depends on the parameters, so they go in first;
	 * each is then checked against the backends that stay, with its line.
	 */
	for (unsigned i = 0; plan->alloc_all && i < n; i++) {
		char kv[sizeof(m[i].e->key) + sizeof(m[i].e->value) + 1];

		if (pb_option_by_key(m[i].e->key))
			continue;
		snprintf(kv, sizeof(kv), "%s=%s", m[i].e->key, m[i].e->value);
		if (param->set(plan, kv, &why)) {
			fail_key(ld, &m[i], s, &why);
			goto out;
		}
	}
	if (pb_plan_drop_unfit(plan, job->skipped, sizeof(job->skipped), &why)) {
		fail(ld, s->line, "[%s]: %s", s->name, why.msg);
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		char kv[sizeof(m[i].e->key) + sizeof(m[i].e->value) + 1];

		if (pb_option_by_key(m[i].e->key))
			continue;
		snprintf(kv, sizeof(kv), "%s=%s", m[i].e->key, m[i].e->value);
		if (check_param(plan, kv, m[i].e->key, &why) ||
		    (!all_first && param->set(plan, kv, &why))) {
			fail_key(ld, &m[i], s, &why);
			goto out;
		}
	}
	/* What is left is about the job as a whole, e.g. a one-context backend on cross-cpu. */
	if (pb_plan_check(plan, &why)) {
		fail(ld, s->line, "[%s]: %s", s->name, why.msg);
		goto out;
	}
	rc = 0;
out:
	free(m);
	return rc;
}

static const char *metric_name(const struct pb_plan *plan)
{
	return plan->metric_instructions ? "instructions" : "time";
}

static int build(struct loader *ld, struct pb_config *cfg)
{
	const struct section *global = NULL;
	struct pb_plan scratch;
	struct pb_job *jobs;
	unsigned njobs = 0;

	if (ld->nsects && !strcmp(ld->sects[0].name, "global"))
		global = &ld->sects[0];
	if (ld->nsects == (global ? 1u : 0u))
		return pb_err_set(ld->err, "%s: no jobs (every section but [global] is a job)", ld->shown);
	/* [global]'s own values once, so a bad one is reported even where no job would fail. */
	pb_plan_init(&scratch);
	for (unsigned i = 0; global && i < global->n; i++) {
		const struct pb_option *o = pb_option_by_key(global->ents[i].key);
		struct pb_err why;

		if (o && o->set(&scratch, global->ents[i].value, &why))
			return fail(ld, global->ents[i].line, "[global] %s: %s", o->key, why.msg);
	}
	jobs = calloc(ld->nsects, sizeof(*jobs));
	if (!jobs)
		return pb_err_set(ld->err, "%s: out of memory", ld->shown);
	for (unsigned i = global ? 1 : 0; i < ld->nsects; i++) {
		if (build_job(ld, global, &ld->sects[i], &jobs[njobs])) {
			free(jobs);
			return -1;
		}
		njobs++;
	}
	/* One file, one metric: counting under callgrind makes every timing in it void. */
	for (unsigned i = 1; i < njobs; i++) {
		if (jobs[i].plan.metric_instructions != jobs[0].plan.metric_instructions) {
			fail(ld, jobs[i].line, "[%s]: metric=%s, but [%s] has metric=%s: one config file, one metric",
			     jobs[i].name, metric_name(&jobs[i].plan), jobs[0].name,
			     metric_name(&jobs[0].plan));
			free(jobs);
			return -1;
		}
	}
	cfg->jobs = jobs;
	cfg->njobs = njobs;
	return 0;
}

int pb_config_load(const char *path, struct pb_config *cfg, struct pb_err *err)
{
	struct loader ld = { .err = err };
	size_t len = strlen(path);
	int rc, syntax;

	memset(cfg, 0, sizeof(*cfg));
	if (len < sizeof(ld.shown))
		strcpy(ld.shown, path);
	else
		snprintf(ld.shown, sizeof(ld.shown), "...%s", path + len - (sizeof(ld.shown) - 4));
	if (len >= sizeof(cfg->path))
		return pb_err_set(err, "%s: path too long", ld.shown);
	ld.f = fopen(path, "r");
	if (!ld.f)
		return pb_err_set(err, "%s: cannot open: %s", ld.shown, strerror(errno));
	syntax = ini_parse_stream(read_line, &ld, on_key, &ld);
	if (ferror(ld.f)) {
		rc = pb_err_set(err, "%s: cannot read: %s", ld.shown, strerror(errno));
		goto out;
	}
	if (syntax > 0 && (!ld.err_line || syntax < ld.err_line)) {
		ld.err_line = 0;	/* inih's problem comes first in the file */
		fail(&ld, syntax, "not a [section], a key = value or a comment");
	}
	if (syntax == -2)
		rc = pb_err_set(err, "%s: out of memory", ld.shown);
	else if (ld.err_line)
		rc = -1;
	else
		rc = build(&ld, cfg);
	if (!rc)
		strcpy(cfg->path, path);
out:
	fclose(ld.f);
	for (unsigned i = 0; i < ld.nsects; i++)
		free(ld.sects[i].ents);
	free(ld.sects);
	return rc;
}

int pb_config_preflight(const struct pb_config *cfg, struct pb_err *err)
{
	struct pb_err why;

	for (unsigned i = 0; i < cfg->njobs; i++) {
		const struct pb_job *j = &cfg->jobs[i];

		if (pb_plan_preflight(&j->plan, &why))
			return pb_err_set(err, "%s:%d: [%s]: %s", cfg->path, j->line, j->name, why.msg);
	}
	return 0;
}

void pb_config_free(struct pb_config *cfg)
{
	free(cfg->jobs);
	memset(cfg, 0, sizeof(*cfg));
}
