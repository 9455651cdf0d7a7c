// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference model: which bytes of the arena the driver holds, and the checks that
 * compare it with what the backend, its zone and its device say.
 *
 * Held bytes are a bitmap, one 64-bit word per 4 KiB page, one bit per 64-byte line (the
 * cache line every backend aligns its pieces to). A buffer's bits are set with one atomic
 * OR when it is handed out (any bit already set: handed out twice while held) and cleared
 * just before its last holder gives it back, so the check is exact on both threads at
 * once. The quiescent check (both threads stopped at a barrier) then recounts everything
 * from the items the threads hold and compares it with the arena, the zone, the device and
 * pb_alloc_stats.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page_alloc.h"
#include "stress.h"

#define LINE 64u
#define LINES_PER_PAGE (PB_PAGE_SIZE / LINE)	/* 64: one word */

struct st_model {
	struct pb_arena *ar;
	_Atomic uint64_t *map;		/* [npages] held lines */
	uint64_t *want;			/* [npages] quiescent check: lines the items say are held */
	uint32_t *bufs, *clones;	/* [npages] quiescent check: items per head page */
	uint32_t *whole;		/* [npages] quiescent check: whole-page (ST_PAGE) buffers */
	struct pb_page *null_page;	/* ST_NULL: the one page it hands out */
};

void st_violation(const struct st_run *r, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "stress: VIOLATION %s [%s] seed=%llu life=%u threads=%u: ", r->rules->backend,
		r->cfg->params, (unsigned long long)r->seed, r->life, r->nthreads);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

struct st_model *st_model_new(struct st_run *r)
{
	struct st_model *m = calloc(1, sizeof(*m));
	size_t n = r->a->mem.arena.npages;

	if (!m)
		return NULL;
	m->ar = &r->a->mem.arena;
	m->map = calloc(n, sizeof(*m->map));
	m->want = calloc(n, sizeof(*m->want));
	m->bufs = calloc(n, sizeof(*m->bufs));
	m->clones = calloc(n, sizeof(*m->clones));
	m->whole = calloc(n, sizeof(*m->whole));
	if (!m->map || !m->want || !m->bufs || !m->clones || !m->whole) {
		st_model_free(m);
		return NULL;
	}
	return m;
}

void st_model_free(struct st_model *m)
{
	if (!m)
		return;
	free(m->map);
	free(m->want);
	free(m->bufs);
	free(m->clones);
	free(m->whole);
	free(m);
}

unsigned st_ref_order(const struct st_run *r, const struct st_ref *ref)
{
	/* A piece lies in whatever block its head is (frag falls back to order 0). */
	if (ref->kind == ST_BUF && r->a->pieces)
		return ref->b.page->order;
	return r->a->order;
}

/* Applies @fn to the line bits of [@off, @off + @len) of the block at @pfn, page by page. */
static uint64_t line_bits(uint32_t first, uint32_t last)
{
	uint64_t hi = last == LINES_PER_PAGE - 1 ? ~0ull : (1ull << (last + 1)) - 1;

	return hi & ~((1ull << first) - 1);
}

enum map_op { MAP_SET, MAP_CLEAR, MAP_WANT };

/* Returns false when the map disagreed (a line already held on SET, not held on CLEAR). */
static bool map_range(struct st_model *m, size_t pfn, uint32_t off, uint32_t len, enum map_op op,
		      size_t *bad_pfn)
{
	uint32_t line = off / LINE, end = (off + len + LINE - 1) / LINE;	/* [line, end) */
	bool ok = true;

	while (line < end) {
		size_t p = pfn + line / LINES_PER_PAGE;
		uint32_t first = line % LINES_PER_PAGE;
		uint32_t last = end - line > LINES_PER_PAGE - first ? LINES_PER_PAGE - 1 :
				first + (end - line) - 1;
		uint64_t bits = line_bits(first, last), old;

		switch (op) {
		case MAP_SET:
			old = atomic_fetch_or_explicit(&m->map[p], bits, memory_order_relaxed);
			if ((old & bits) && ok) {
				ok = false;
				*bad_pfn = p;
			}
			break;
		case MAP_CLEAR:
			old = atomic_fetch_and_explicit(&m->map[p], ~bits, memory_order_relaxed);
			if ((old & bits) != bits && ok) {
				ok = false;
				*bad_pfn = p;
			}
			break;
		case MAP_WANT:
			m->want[p] |= bits;
			break;
		}
		line += last - first + 1;
	}
	return ok;
}

static size_t head_pfn(const struct st_model *m, const struct pb_page *pg)
{
	return (size_t)(pg - m->ar->pages);
}

void st_model_handed_out(struct st_run *r, const struct st_ref *ref)
{
	struct st_model *m = r->m;
	const struct pb_buf *b = &ref->b;
	const struct pb_page *pg = b->page;
	unsigned order;
	size_t pfn, bad = 0;
	uint16_t flags;
	int count;

	if (pg < m->ar->pages || pg >= m->ar->pages + m->ar->npages)
		st_violation(r, "%s %p outside the arena's descriptors", ref->kind == ST_BUF ? "buffer page" : "page",
			     (const void *)pg);
	pfn = head_pfn(m, pg);
	if (pg->arena != m->ar)
		st_violation(r, "pfn %zu: descriptor of another arena", pfn);
	if (r->rules->cls == ST_NULL) {
		if (!m->null_page)
			m->null_page = (struct pb_page *)pg;
		if (pg != m->null_page)
			st_violation(r, "pfn %zu: null handed out a second page", pfn);
		return;
	}
	order = st_ref_order(r, ref);
	if (order > PB_MAX_ORDER || pfn + (1ul << order) > m->ar->npages || (pfn & ((1ul << order) - 1)))
		st_violation(r, "pfn %zu: a block of order %u that is not an aligned block of the arena",
			     pfn, order);
	if (!b->len || b->len > b->truesize ||
	    (uint64_t)b->offset + b->truesize > (uint64_t)PB_PAGE_SIZE << order)
		st_violation(r, "pfn %zu: buffer offset %u len %u truesize %u outside its order-%u block",
			     pfn, b->offset, b->len, b->truesize, order);
	if (b->offset < r->rules->head_reserved)
		st_violation(r, "pfn %zu: buffer at offset %u overlaps the %u bytes the backend keeps at the head of the page",
			     pfn, b->offset, r->rules->head_reserved);
	if (b->offset % LINE || b->truesize % LINE)
		st_violation(r, "pfn %zu: buffer offset %u truesize %u not on 64-byte lines (the model's unit)",
			     pfn, b->offset, b->truesize);
	flags = pb_page_flags(pg);
	if (flags & (PB_PG_BUDDY | PB_PG_PCP))
		st_violation(r, "pfn %zu: handed out while the zone has it free (flags %#x)", pfn, flags);
	count = pb_page_count(pg);
	if (count < 1)
		st_violation(r, "pfn %zu: handed out with refcount %d", pfn, count);
	/* A whole page with another reference is a page an skb clone still reads. */
	if (!r->a->pieces && count != 1)
		st_violation(r, "pfn %zu: handed out with refcount %d (still referenced elsewhere)", pfn, count);
	if (!map_range(m, pfn, b->offset, b->truesize, MAP_SET, &bad))
		st_violation(r, "pfn %zu: bytes [%u, %u) of the block at pfn %zu handed out while still held",
			     bad, b->offset, b->offset + b->truesize, pfn);
}

/* Where the two 8-byte stamps live: the buffer's first and last bytes (len need not be a multiple of 8). */
static char *stamp_at(const struct st_ref *ref, bool last)
{
	char *p = (char *)pb_page_address(ref->b.page) + ref->b.offset;

	return p + (last ? ref->b.len - sizeof(uint64_t) : 0);
}

static void stamp_put(char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint64_t stamp_get(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void st_model_stamp(struct st_run *r, struct st_ref *ref, uint64_t stamp)
{
	/* null hands the same page to every caller: nothing of it is any one caller's. */
	if (r->rules->cls == ST_NULL || ref->b.len < 2 * sizeof(uint64_t))
		return;
	ref->stamp = stamp;
	stamp_put(stamp_at(ref, false), stamp);
	stamp_put(stamp_at(ref, true), ~stamp);
}

void st_model_check_stamp(struct st_run *r, const struct st_ref *ref)
{
	uint64_t head, tail;

	if (r->rules->cls == ST_NULL || ref->b.len < 2 * sizeof(uint64_t))
		return;
	head = stamp_get(stamp_at(ref, false));
	tail = stamp_get(stamp_at(ref, true));
	if (head != ref->stamp || tail != ~ref->stamp)
		st_violation(r, "pfn %zu: buffer at offset %u len %u was written by someone else while held "
			     "(stamp %#llx/%#llx, wrote %#llx)", head_pfn(r->m, ref->b.page), ref->b.offset,
			     ref->b.len, (unsigned long long)head, (unsigned long long)tail,
			     (unsigned long long)ref->stamp);
}

void st_model_released(struct st_run *r, const struct st_ref *ref)
{
	size_t bad = 0;

	if (r->rules->cls == ST_NULL)
		return;
	if (!map_range(r->m, head_pfn(r->m, ref->b.page), ref->b.offset, ref->b.truesize, MAP_CLEAR, &bad))
		st_violation(r, "model: pfn %zu given back but not marked held (driver bug)", bad);
}

/* The per-head counts of the items; returns H (blocks with a buffer) and R (clones only). */
struct tally {
	uint64_t h, r, h_whole, items;
	uint64_t pages;		/* pages of the H + R blocks */
};

static void count_items(struct st_run *r, struct st_item *const *lists, const unsigned *lens,
			unsigned nlists, struct tally *t)
{
	struct st_model *m = r->m;
	size_t n = m->ar->npages;

	memset(t, 0, sizeof(*t));
	memset(m->bufs, 0, n * sizeof(*m->bufs));
	memset(m->clones, 0, n * sizeof(*m->clones));
	memset(m->whole, 0, n * sizeof(*m->whole));
	memset(m->want, 0, n * sizeof(*m->want));
	for (unsigned l = 0; l < nlists; l++)
		for (unsigned i = 0; i < lens[l]; i++)
			lists[l][i].ref->seen = 0;
	for (unsigned l = 0; l < nlists; l++) {
		for (unsigned i = 0; i < lens[l]; i++) {
			const struct st_item *it = &lists[l][i];
			struct st_ref *ref = it->ref;
			size_t pfn = head_pfn(m, ref->b.page), bad;

			ref->seen++;
			t->items++;
			if (it->clone) {
				m->clones[pfn]++;
			} else {
				m->bufs[pfn]++;
				m->whole[pfn] += ref->kind == ST_PAGE;
			}
			if (r->rules->cls != ST_NULL)
				map_range(m, pfn, ref->b.offset, ref->b.truesize, MAP_WANT, &bad);
		}
	}
	for (unsigned l = 0; l < nlists; l++)
		for (unsigned i = 0; i < lens[l]; i++) {
			struct st_ref *ref = lists[l][i].ref;

			if ((int)ref->seen != atomic_load(&ref->holders))
				st_violation(r, "model: a ref with %d holders is held by %u items (driver bug)",
					     atomic_load(&ref->holders), ref->seen);
		}
	for (size_t pfn = 0; pfn < n; pfn++) {
		if (m->bufs[pfn]) {
			t->h++;
			t->h_whole += m->whole[pfn] != 0;
		} else if (m->clones[pfn]) {
			t->r++;
		} else {
			continue;
		}
		t->pages += 1ull << (r->rules->cls == ST_PEER ? r->a->order : m->ar->pages[pfn].order);
	}
}

uint64_t st_model_pinned(struct st_run *r, struct st_item *const *lists, const unsigned *lens,
			 unsigned nlists)
{
	struct tally t;

	count_items(r, lists, lens, nlists, &t);
	/* null's buffers hold no reference of their own: only clones pin its page. */
	if (r->rules->cls == ST_NULL)
		return r->m->null_page && r->m->clones[head_pfn(r->m, r->m->null_page)] ? 1 : 0;
	return t.h + t.r;
}

#define EXPECT(cond, ...) do { if (!(cond)) st_violation(r, __VA_ARGS__); } while (0)
#define U(x) ((unsigned long long)(x))

/* Each page an item pins: its refcount, its flags, its owner and its mapping. */
static void check_pages(struct st_run *r, bool dma)
{
	struct st_model *m = r->m;
	enum st_class cls = r->rules->cls;

	for (size_t pfn = 0; pfn < m->ar->npages; pfn++) {
		const struct pb_page *pg = &m->ar->pages[pfn];
		uint32_t bufs = m->bufs[pfn], clones = m->clones[pfn];
		int count = pb_page_count(pg);
		uint16_t flags = pb_page_flags(pg);

		if (m->want[pfn] != atomic_load_explicit(&m->map[pfn], memory_order_relaxed))
			st_violation(r, "model: pfn %zu held lines %#llx, items say %#llx (driver bug)", pfn,
				     U(atomic_load(&m->map[pfn])), U(m->want[pfn]));
		if (!bufs && !clones)
			continue;
		EXPECT(!(flags & (PB_PG_BUDDY | PB_PG_PCP)), "pfn %zu: held (%u buffers, %u clones) but free in the zone (flags %#x)",
		       pfn, bufs, clones, flags);
		if (cls == ST_NULL) {
			EXPECT(count == 1 + (int)clones, "pfn %zu: null's page has refcount %d with %u clones", pfn, count, clones);
			continue;
		}
		if (r->a->pieces)
			EXPECT(count >= (int)(bufs + clones) || (cls == ST_POOL && count >= 1 + (int)clones),
			       "pfn %zu: refcount %d below the %u buffers + %u clones held", pfn, count, bufs, clones);
		else
			EXPECT(count == (int)(bufs + clones), "pfn %zu: refcount %d, the driver holds %u buffers + %u clones",
			       pfn, count, bufs, clones);
		if (cls == ST_POOL && !r->a->pieces) {
			if (bufs) {
				EXPECT(flags & PB_PG_POOL, "pfn %zu: a pool page lent without PB_PG_POOL", pfn);
				EXPECT(pg->pp == r->a->priv, "pfn %zu: a pool page lent with another owner", pfn);
			} else {
				EXPECT(!(flags & PB_PG_POOL) && !pg->pp,
				       "pfn %zu: released to a clone but still marked the pool's", pfn);
			}
		}
		if (cls == ST_POOL || cls == ST_BUDDY || cls == ST_PEER) {
			if (bufs && !r->a->pieces)
				EXPECT(!dma || pg->dma_addr, "pfn %zu: lent but not DMA-mapped", pfn);
			/* A pool carving fragments may still own a page whose pieces are all back. */
			if (!bufs && !(cls == ST_POOL && r->a->pieces))
				EXPECT(!pg->dma_addr, "pfn %zu: let go to a clone but still DMA-mapped", pfn);
		}
	}
}

void st_model_check(struct st_run *r, struct st_item *const *lists, const unsigned *lens,
		    unsigned nlists, uint64_t step)
{
	struct pb_alloc *a = r->a;
	struct st_model *m = r->m;
	bool dma = pb_dma_mode(a->mem.dma) != PB_DMA_NONE;
	uint64_t referenced = 0, ref_pages = 0, mapped = 0, missing, cap = r->cfg->cache_cap;
	struct pb_stats s;
	struct tally t;

	count_items(r, lists, lens, nlists, &t);
	check_pages(r, dma);
	for (size_t pfn = 0; pfn < m->ar->npages; pfn++) {
		const struct pb_page *pg = &m->ar->pages[pfn];

		if (pb_page_count(pg) > 0) {
			referenced++;
			ref_pages += 1ull << pg->order;
		}
		mapped += pg->dma_addr != 0;
	}
	missing = pb_zone_nr_pages(a->mem.zone) - pb_zone_nr_free(a->mem.zone);
	pb_alloc_stats(a, &s);
	EXPECT(s.dma_map - s.dma_unmap == mapped, "step %llu: dma_map - dma_unmap = %llu, %llu pages carry a mapping",
	       U(step), U(s.dma_map - s.dma_unmap), U(mapped));
	EXPECT(pb_dma_nr_mapped(a->mem.dma) == mapped, "step %llu: the device counts %llu mappings, %llu pages carry one",
	       U(step), U(pb_dma_nr_mapped(a->mem.dma)), U(mapped));
	switch (r->rules->cls) {
	case ST_BUDDY:
		EXPECT(s.in_flight == 0, "step %llu: buddy reports in_flight %llu", U(step), U(s.in_flight));
		EXPECT(referenced == t.h + t.r, "step %llu: %llu blocks referenced, the driver pins %llu + %llu",
		       U(step), U(referenced), U(t.h), U(t.r));
		EXPECT(missing == t.pages, "step %llu: the zone lacks %llu pages, the driver pins %llu",
		       U(step), U(missing), U(t.pages));
		EXPECT(!dma || mapped == t.h, "step %llu: %llu pages mapped, %llu lent", U(step), U(mapped), U(t.h));
		break;
	case ST_POOL:
		/*
		 * A page only clones pin was released, but for one: the page a pool carving
		 * fragments is still cutting keeps its place until its bias is settled.
		 */
		EXPECT(referenced == s.in_flight + t.r || (a->pieces && t.r && referenced == s.in_flight + t.r - 1),
		       "step %llu: %llu blocks referenced, in_flight %llu + %llu released to clones",
		       U(step), U(referenced), U(s.in_flight), U(t.r));
		EXPECT(s.in_flight >= t.h, "step %llu: in_flight %llu below the %llu blocks lent", U(step), U(s.in_flight), U(t.h));
		EXPECT(!cap || s.in_flight - t.h <= cap, "step %llu: in_flight %llu, %llu lent: %llu cached, more than the %llu it can hold",
		       U(step), U(s.in_flight), U(t.h), U(s.in_flight - t.h), U(cap));
		EXPECT(missing == referenced << a->order, "step %llu: the zone lacks %llu pages for %llu order-%u blocks",
		       U(step), U(missing), U(referenced), a->order);
		EXPECT(!dma || mapped == s.in_flight, "step %llu: %llu pages mapped, in_flight %llu (a pool keeps its pages mapped)",
		       U(step), U(mapped), U(s.in_flight));
		break;
	case ST_IDEAL:
		EXPECT(t.r == 0, "model: a clone outlived its page on ideal (driver bug)");
		EXPECT(referenced == s.in_flight, "step %llu: %llu blocks referenced, in_flight %llu", U(step), U(referenced), U(s.in_flight));
		EXPECT(s.in_flight >= t.h && s.in_flight - t.h <= cap, "step %llu: in_flight %llu with %llu lent (array of %llu)",
		       U(step), U(s.in_flight), U(t.h), U(cap));
		EXPECT(missing == referenced << a->order, "step %llu: the zone lacks %llu pages for %llu blocks",
		       U(step), U(missing), U(referenced));
		EXPECT(mapped == 0, "step %llu: ideal maps nothing, %llu pages mapped", U(step), U(mapped));
		break;
	case ST_HALFPAGE:
		EXPECT(s.in_flight == missing && referenced == missing, "step %llu: in_flight %llu, %llu pages referenced, the zone lacks %llu",
		       U(step), U(s.in_flight), U(referenced), U(missing));
		EXPECT(referenced >= t.h + t.r && referenced - (t.h + t.r) <= cap,
		       "step %llu: %llu pages referenced, the driver pins %llu + %llu, %llu RX slots",
		       U(step), U(referenced), U(t.h), U(t.r), U(cap));
		EXPECT(mapped <= cap + t.h_whole, "step %llu: %llu pages mapped, %llu RX slots + %llu whole pages",
		       U(step), U(mapped), U(cap), U(t.h_whole));
		break;
	case ST_FRAG:
		EXPECT(s.in_flight == referenced, "step %llu: in_flight %llu, %llu blocks referenced", U(step), U(s.in_flight), U(referenced));
		EXPECT(referenced >= t.h + t.r && referenced - (t.h + t.r) <= 1,
		       "step %llu: %llu blocks referenced, the driver pins %llu + %llu (the cache holds at most one)",
		       U(step), U(referenced), U(t.h), U(t.r));
		EXPECT(missing == ref_pages, "step %llu: the zone lacks %llu pages, the referenced blocks have %llu",
		       U(step), U(missing), U(ref_pages));
		EXPECT(mapped <= t.h_whole + 1, "step %llu: %llu pages mapped, %llu whole pages lent", U(step), U(mapped), U(t.h_whole));
		break;
	case ST_PEER:
		EXPECT(t.r == 0, "model: a clone on a no_page_refs backend (driver bug)");
		EXPECT(s.in_flight == t.h, "step %llu: in_flight %llu, %llu objects lent", U(step), U(s.in_flight), U(t.h));
		EXPECT(mapped == (dma ? t.h : 0), "step %llu: %llu pages mapped, %llu lent", U(step), U(mapped), U(t.h));
		break;
	case ST_NULL:
		EXPECT(referenced == 1 && missing == 1, "step %llu: null holds one page; %llu referenced, the zone lacks %llu",
		       U(step), U(referenced), U(missing));
		break;
	}
}
