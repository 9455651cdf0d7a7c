// SPDX-License-Identifier: GPL-2.0-only
/*
 * The project's own backends (the allocators/ sources, compiled unchanged through
 * platform_kernel.h), run by the same loops as in userspace: the same algorithm beside the
 * kernel's real allocators, with kernel atomics and spinlocks, in softirq context. Each
 * instance gets its own vmalloc'd arena and page-allocator model, as in userspace; the
 * records keep the userspace names (e.g. alloc-free/ptr_ring_pool), so `pagebench compare`
 * can put the two worlds side by side.
 */
#include <linux/slab.h>
#include "allocator.h"
#include "pbk.h"
#include "pbk_cross.h"

#define MODEL_RING_DEFAULT 1024		/* ptr_ring_pool's own default ring= */

struct minst {
	struct pb_alloc *a;
	const char *failed;
	unsigned n;			/* outstanding */
	unsigned bulk;
	bool direct;
	struct pb_buf *bufs;		/* [max(outstanding, 128)] */
	struct pb_page *pages[128];
	struct pb_stats warm;		/* counters when the warm-up ended */
	struct pbk_cross *x;
	struct pb_buf *slots;		/* cross-cpu: buffers in flight between the CPUs */
	unsigned slot_mask;
	u64 seq;
};

static bool mfail(struct minst *m, const char *why)
{
	m->failed = why;
	return false;
}

static bool m_af(void *arg, u64 n)
{
	struct minst *m = arg;

	for (u64 i = 0; i < n; i++) {
		struct pb_buf b;

		if (unlikely(!pb_alloc_buf(m->a, &b)))
			return mfail(m, "allocation failed");
		pb_free_buf(m->a, &b, m->direct);
	}
	return true;
}

/* An skb clone still holds the page when the driver frees it. */
static bool m_slow(void *arg, u64 n)
{
	struct minst *m = arg;

	for (u64 i = 0; i < n; i++) {
		struct pb_buf b;

		if (unlikely(!pb_alloc_buf(m->a, &b)))
			return mfail(m, "allocation failed");
		pb_page_get(b.page);
		pb_free_buf(m->a, &b, true);
		pb_page_put(b.page);
	}
	return true;
}

static bool m_out(void *arg, u64 rounds)
{
	struct minst *m = arg;

	for (u64 k = 0; k < rounds; k++) {
		unsigned i;

		for (i = 0; i < m->n; i++)
			if (unlikely(!pb_alloc_buf(m->a, &m->bufs[i])))
				break;
		if (unlikely(i < m->n)) {
			while (i--)
				pb_free_buf(m->a, &m->bufs[i], true);
			return mfail(m, "allocation failed: mem= too small for outstanding=");
		}
		for (i = 0; i < m->n; i++)
			pb_free_buf(m->a, &m->bufs[i], true);
	}
	return true;
}

/* Page-level bulk calls, as workloads/bulk.c; fragment backends take n single buffers. */
static bool m_bulk(void *arg, u64 rounds)
{
	struct minst *m = arg;
	struct pb_alloc *a = m->a;

	for (u64 k = 0; k < rounds; k++) {
		unsigned got = pb_alloc_bulk(a, m->pages, m->bulk);

		if (unlikely(got < m->bulk)) {
			pb_alloc_free_bulk(a, m->pages, got, true);
			return mfail(m, "bulk allocation came back short");
		}
		pb_alloc_free_bulk(a, m->pages, m->bulk, true);
	}
	return true;
}

static bool m_bulk_bufs(void *arg, u64 rounds)
{
	struct minst *m = arg;
	unsigned n = m->n;
	bool ok;

	m->n = m->bulk;
	ok = m_out(arg, rounds);
	m->n = n;
	return ok;
}

static bool m_xalloc(void *arg, u64 n)
{
	struct minst *m = arg;

	for (u64 i = 0; i < n; i++) {
		struct pb_buf *b = &m->slots[m->seq++ & m->slot_mask];

		if (unlikely(!pb_alloc_buf(m->a, b))) {
			atomic_set(&m->x->stop, 1);
			return mfail(m, "allocation failed");
		}
		if (unlikely(!pbk_cross_push(m->x, b))) {
			pb_free_buf(m->a, b, false);
			return mfail(m, m->x->failed ?: "the freeing CPU stopped");
		}
	}
	return true;
}

static bool m_xfree(void *arg, u64 n)
{
	struct minst *m = arg;

	for (u64 i = 0; i < n; i++) {
		struct pb_buf *b = pbk_cross_pop(m->x);

		if (unlikely(!b))
			return mfail(m, m->x->failed ?: "the allocating CPU stopped");
		pb_free_buf(m->a, b, false);
	}
	return true;
}

static void m_drain(void *arg, void *item)
{
	struct minst *m = arg;

	pb_free_buf(m->a, item, false);
}

static void m_warm(void *arg)
{
	struct minst *m = arg;

	pb_alloc_stats(m->a, &m->warm);
}

/* Counters of the measured repetitions: now minus the warm-up; in_flight is a level. */
static void m_stats(struct minst *m, struct pbk_rec *r)
{
	const struct pb_stats_field *f;
	struct pb_stats now;

	pb_alloc_stats(m->a, &now);
	for (f = pb_stats_fields; f->name; f++) {
		u64 *dst = (u64 *)((char *)&r->stats + f->offset);

		*dst = pb_stats_get(&now, f) - pb_stats_get(&m->warm, f);
	}
	r->stats.in_flight = now.in_flight;
	r->has_stats = true;
}

/* A pb_params is 4 KiB: too big for a kernel stack, so it lives on the heap here. */
static struct pb_alloc *m_create(const struct pb_alloc_ops *ops, struct pb_err *err)
{
	struct pb_params *p = kzalloc(sizeof(*p), GFP_KERNEL);
	struct pb_alloc *a = NULL;
	char kv[48];

	if (!p) {
		pb_err_set(err, "%s: out of memory", ops->name);
		return NULL;
	}
	snprintf(kv, sizeof(kv), "mem=%uM", pbk_cfg.mem_mb);
	if (pb_params_add(p, kv, err))
		goto out;
	snprintf(kv, sizeof(kv), "ring=%u", pbk_cfg.pool_size);
	if (pb_params_add(p, kv, err))
		goto out;
	snprintf(kv, sizeof(kv), "dma=%s", pbk_cfg.dma);
	if (pb_params_add(p, kv, err))
		goto out;
	if (pbk_cfg.node != NUMA_NO_NODE) {
		snprintf(kv, sizeof(kv), "node=%d", pbk_cfg.node);
		if (pb_params_add(p, kv, err))
			goto out;
	}
	a = pb_alloc_create(ops, p, err);
out:
	kfree(p);
	return a;
}

/* Workload params, then what differs from the shared defaults, as userspace names them. */
static void m_params(char *buf, size_t len, const struct pb_alloc_ops *ops, const char *extra)
{
	size_t off = scnprintf(buf, len, "%s", extra ?: "");

	if (pbk_cfg.pool_size != MODEL_RING_DEFAULT && pb_param_find(ops->params, "ring"))
		off += scnprintf(buf + off, len - off, "%sring=%u", off ? "," : "", pbk_cfg.pool_size);
	if (pbk_cfg.node != NUMA_NO_NODE)
		scnprintf(buf + off, len - off, "%snode=%d", off ? "," : "", pbk_cfg.node);
}

/* Destroys the instance; returns the pages the page-allocator model did not get back. */
static u64 m_destroy(struct minst *m, const char *workload, const char *name)
{
	u64 leaked = 0, in_flight = pb_alloc_destroy(m->a, &leaked);

	m->a = NULL;
	if (in_flight) {
		/* Cannot happen once every buffer came back: a backend bug, said plainly. */
		pbk_error("%s/%s: %llu pages still in flight at destroy", workload, name, in_flight);
		return in_flight;
	}
	return leaked;
}

static void m_finish(struct pbk_rec *r, long free0)
{
	r->atomics_counted = true;
	r->free_delta = pbk_free_settle(free0, 1000);
	r->has_free_delta = true;
}

static void mrun(const struct pb_alloc_ops *ops, struct minst *m, const char *workload,
		 const char *extra, unsigned unit_ops, pbk_body_t body)
{
	long free0 = pbk_free_pages();
	struct pb_err err = { "" };
	struct pbk_rec *r;
	char params[128];

	m_params(params, sizeof(params), ops, extra);
	r = pbk_rec_new(workload, ops->name, "model", params, "", unit_ops);
	if (!r) {
		pbk_error("%s/%s: out of memory", workload, ops->name);
		return;
	}
	m->failed = NULL;
	m->a = m_create(ops, &err);
	if (!m->a) {
		r->failed = err.msg;
		pbk_rec_emit(r);
		pbk_rec_free(r);
		return;
	}
	if (!pbk_measure(r, body, m, m_warm, m))
		r->failed = m->failed ?: r->failed;
	else
		m_stats(m, r);
	r->leaked = m_destroy(m, workload, ops->name);
	m_finish(r, free0);
	pbk_rec_emit(r);
	pbk_rec_free(r);
}

static void mcross(const struct pb_alloc_ops *ops, struct minst *m)
{
	struct pbk_cross_job j = {
		.body = { m_xalloc, m_xfree }, .arg = m, .warm = m_warm,
	};
	long free0 = pbk_free_pages();
	struct pb_err err = { "" };
	struct pbk_cross x;
	char params[128];
	unsigned nslots = 2 * pbk_cfg.handoff;
	u64 leaked;

	m_params(params, sizeof(params), ops, NULL);
	/* Twice the ring: a slot is reused only after the consumer is done with it. */
	m->slots = kvcalloc(nslots, sizeof(*m->slots), GFP_KERNEL);
	if (!m->slots || pbk_cross_init(&x)) {
		kvfree(m->slots);
		pbk_error("cross-cpu/%s: out of memory", ops->name);
		return;
	}
	m->slot_mask = nslots - 1;
	m->seq = 0;
	m->x = &x;
	m->failed = NULL;
	m->a = m_create(ops, &err);
	if (!m->a) {
		pbk_error("cross-cpu/%s: %s", ops->name, err.msg);
		pbk_cross_fini(&x, m_drain, m);
		goto out;
	}
	if (pbk_cross_measure(&x, &j, ops->name, "model", params)) {
		m_stats(m, j.rec[0]);
		j.rec[1]->stats = j.rec[0]->stats;
		j.rec[1]->has_stats = true;
	}
	pbk_cross_fini(&x, m_drain, m);
	leaked = m_destroy(m, "cross-cpu", ops->name);
	for (int i = 0; i < 2; i++) {
		if (!j.rec[i])
			continue;
		j.rec[i]->leaked = leaked;
		m_finish(j.rec[i], free0);
		pbk_rec_emit(j.rec[i]);
		pbk_rec_free(j.rec[i]);
	}
out:
	m->x = NULL;
	kvfree(m->slots);
	m->slots = NULL;
}

static void run_model(const struct pb_alloc_ops *ops, struct minst *m)
{
	char extra[32];

	m->direct = true;
	if (pbk_want_workload("alloc-free"))
		mrun(ops, m, "alloc-free", NULL, 1, m_af);
	if (pbk_want_workload("alloc-free-remote")) {
		m->direct = false;
		mrun(ops, m, "alloc-free-remote", NULL, 1, m_af);
		m->direct = true;
	}
	if (pbk_want_workload("alloc-free-slow") && !ops->no_page_refs)
		mrun(ops, m, "alloc-free-slow", NULL, 1, m_slow);
	if (pbk_want_workload("outstanding")) {
		m->n = pbk_cfg.outstanding;
		snprintf(extra, sizeof(extra), "n=%u", m->n);
		mrun(ops, m, "outstanding", extra, m->n, m_out);
	}
	if (pbk_want_workload("bulk")) {
		bool bufs = ops->alloc_buf && !ops->alloc_bulk;

		for (unsigned i = 0; i < pbk_cfg.nbulk; i++) {
			m->bulk = pbk_cfg.bulk[i];
			snprintf(extra, sizeof(extra), "bulk=%u", m->bulk);
			mrun(ops, m, "bulk", extra, m->bulk, bufs ? m_bulk_bufs : m_bulk);
		}
	}
	if (pbk_want_workload("cross-cpu") && pbk_cfg.cpu2 >= 0 && !ops->one_context)
		mcross(ops, m);
}

void pbk_model_run(void)
{
	struct minst *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (m)
		m->bufs = kvcalloc(max(pbk_cfg.outstanding, 128U), sizeof(*m->bufs), GFP_KERNEL);
	if (!m || !m->bufs) {
		pbk_error("shared backends: out of memory");
		kfree(m);
		return;
	}
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++)
		if (pbk_want_backend((*o)->name))
			run_model(*o, m);
	kvfree(m->bufs);
	kfree(m);
}
