// SPDX-License-Identifier: GPL-2.0-only
/*
 * Result records: the plan of a measurement (repetitions, batches, units per batch) and
 * how a finished one is printed. Only integers leave the kernel; per-op figures, ns and
 * statistics are computed by `pagebench kmod parse`, with the project's own code.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "pbk.h"

static unsigned next_id;

void pbk_rec_plan(struct pbk_rec *r, unsigned unit_ops)
{
	/* At least one unit, so every record measures something even with loops=1. */
	u64 units = max_t(u64, 1, DIV_ROUND_UP(pbk_cfg.loops, unit_ops));

	r->unit_ops = unit_ops;
	r->nb = min_t(u64, pbk_cfg.batches, units);
	for (unsigned b = 0; b < r->nb; b++)
		r->units[b] = units / r->nb + (b < units % r->nb);
}

struct pbk_rec *pbk_rec_new(const char *workload, const char *backend, const char *source,
			    const char *params, const char *track, unsigned unit_ops)
{
	struct pbk_rec *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	strscpy(r->workload, workload, sizeof(r->workload));
	strscpy(r->backend, backend, sizeof(r->backend));
	strscpy(r->source, source, sizeof(r->source));
	strscpy(r->params, params, sizeof(r->params));
	strscpy(r->track, track, sizeof(r->track));
	r->context = "softirq";
	r->reps = pbk_cfg.reps;
	if (unit_ops)
		pbk_rec_plan(r, unit_ops);
	/* Room for the most batches a plan can have: it may be made once the unit is known. */
	r->cycles = kvcalloc((size_t)r->reps * pbk_cfg.batches, sizeof(*r->cycles), GFP_KERNEL);
	if (!r->cycles) {
		kfree(r);
		return NULL;
	}
	r->id = ++next_id;
	return r;
}

void pbk_rec_free(struct pbk_rec *r)
{
	if (!r)
		return;
	kvfree(r->cycles);
	kfree(r);
}

u64 pbk_rec_ops(const struct pbk_rec *r)
{
	u64 ops = 0;

	for (unsigned b = 0; b < r->nb; b++)
		ops += r->units[b] * r->unit_ops;
	return ops;
}

/* Appends ",v" (or "v" first) to @buf at *@off; stops quietly when full. */
static void append_u64(char *buf, size_t len, size_t *off, bool first, u64 v)
{
	if (*off < len)
		*off += scnprintf(buf + *off, len - *off, first ? "%llu" : ",%llu", v);
}

/* The stats line: instrumentation, leak figures, then every non-zero pb_stats counter. */
static void emit_stats(const struct pbk_rec *r)
{
	const struct pb_stats_field *f;
	char st[600] = "", fd[24] = "na";
	size_t off = 0;

	for (f = pb_stats_fields; r->has_stats && f->name; f++) {
		u64 v = pb_stats_get(&r->stats, f);

		if (v && off < sizeof(st))
			off += scnprintf(st + off, sizeof(st) - off, " %s=%llu", f->name, v);
	}
	if (r->has_free_delta)
		snprintf(fd, sizeof(fd), "%ld", r->free_delta);
	pbk_out("stats id=%u atomics=%llu atomics_counted=%d leaked=%llu free_delta=%s%s",
		r->id, r->atomics, r->atomics_counted, r->leaked, fd, st);
}

void pbk_rec_emit(struct pbk_rec *r)
{
	char list[PBK_MAX_BATCHES * 21 + 1];
	size_t off = 0;

	if (r->failed) {
		pbk_error("%s/%s%s%s: %s", r->workload, r->backend, r->params[0] ? "/" : "",
			  r->params, r->failed);
		return;
	}
	for (unsigned b = 0; b < r->nb; b++)
		append_u64(list, sizeof(list), &off, !b, r->units[b] * r->unit_ops);
	pbk_out("rec id=%u workload=%s backend=%s source=%s track=%s params=%s reps=%u ops=%llu context=%s cpu=%u bops=%s",
		r->id, r->workload, r->backend, r->source, r->track[0] ? r->track : "-",
		r->params[0] ? r->params : "-", r->reps, pbk_rec_ops(r), r->context, r->cpu, list);
	for (unsigned rep = 0; rep < r->reps; rep++) {
		off = 0;
		for (unsigned b = 0; b < r->nb; b++)
			append_u64(list, sizeof(list), &off, !b, r->cycles[rep * r->nb + b]);
		pbk_out("rep id=%u n=%u cycles=%s", r->id, rep, list);
	}
	emit_stats(r);
}

void pbk_rec_emit_derived(const struct pbk_rec *r, unsigned div, const char *params)
{
	if (r->failed)
		return;
	pbk_out("derive id=%u from=%u div=%u params=%s", ++next_id, r->id, div, params);
}
