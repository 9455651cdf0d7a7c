// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOVA allocator: allocated ranges in a red-black tree keyed by pfn_lo, placed top-down
 * from a cached hint the way drivers/iommu/iova.c does, with tree nodes from a per-domain
 * node cache standing in for the kernel's kmem_cache of struct iova; and the per-CPU range
 * caches (magazines and depot) of the same file in front of it.
 */
#include <stdlib.h>
#include <string.h>
#include "platform.h"
#include "iova.h"

/* Nodes per malloc when the node cache runs dry: steady state then never calls malloc. */
#define NODES_PER_CHUNK 256
/*
 * A permanent node above every real range. With it the tree is never empty, the hint always
 * names a node, and "the range above" a gap always exists, which keeps the walk branch-free
 * at the top. pfn_lo is the largest value, so a real range can never sit above it.
 */
#define ANCHOR_PFN UINT64_MAX

struct iova_node {
	struct iova_node *parent, *left, *right;	/* parent doubles as the free-list link */
	uint64_t pfn_lo, pfn_hi;
	bool red;
};

struct node_chunk {
	struct node_chunk *next;
	struct iova_node nodes[NODES_PER_CHUNK];
};

/* struct iova_magazine: freed pfns of one size class. */
struct iova_magazine {
	uint64_t size;
	uint64_t pfns[PB_IOVA_MAG_SIZE];
	struct iova_magazine *next;	/* spare-list link while unused */
};

/* struct iova_cpu_rcache: one CPU's two magazines of a class, under its own lock. */
struct iova_cpu_rcache {
	pb_spinlock_t lock;
	struct iova_magazine *loaded, *prev;
} pb_cacheline_aligned;

/*
 * struct iova_rcache: the depot of full magazines behind the CPUs. The spare list stands in
 * for kmalloc/kfree of a magazine (iova_magazine_alloc(GFP_ATOMIC) / iova_magazine_free):
 * the kernel's magazine count per class is 2 per CPU + what the depot holds + one being
 * swapped in, so a spare pool of MAX_GLOBAL_MAGS + 1 never runs dry and no packet path
 * calls malloc. It is protected by the class lock, as the depot is.
 */
struct iova_rcache {
	pb_spinlock_t lock;
	unsigned depot_size;
	struct iova_magazine *depot[PB_IOVA_MAX_GLOBAL_MAGS];
	struct iova_magazine *spare;
	struct iova_cpu_rcache cpu[PB_MAX_CPUS];
};

struct iova_pcpu_stats {
	struct pb_iova_stats s;
} pb_cacheline_aligned;

struct pb_iova_domain {
	pb_spinlock_t lock;		/* iova_rbtree_lock: the tree, the hint, the node cache */
	struct iova_node *root;
	struct iova_node *hint;		/* the search starts below this range (cached32_node) */
	uint64_t start_pfn, limit_pfn;
	/*
	 * Smallest size known not to fit since the last free (max32_alloc_size): a full domain
	 * then fails in O(1) instead of walking every range again.
	 */
	uint64_t fail_size;
	size_t count;
	struct iova_node *free_nodes;
	struct node_chunk *chunks;
	struct iova_node anchor;
	struct iova_magazine *mags;	/* every magazine, one allocation */
	struct iova_rcache rcaches[PB_IOVA_RANGE_CACHE_MAX_SIZE];
	struct iova_pcpu_stats stats[PB_MAX_CPUS];
};

/* --- node cache --- */

/* A node from the domain's cache, refilling it with one chunk; NULL on out-of-memory. */
static struct iova_node *node_get(struct pb_iova_domain *d)
{
	struct iova_node *n = d->free_nodes;
	struct node_chunk *c;

	if (!n) {
		c = malloc(sizeof(*c));
		if (!c)
			return NULL;
		c->next = d->chunks;
		d->chunks = c;
		for (unsigned i = 0; i < NODES_PER_CHUNK; i++) {
			c->nodes[i].parent = d->free_nodes;
			d->free_nodes = &c->nodes[i];
		}
		n = d->free_nodes;
	}
	d->free_nodes = n->parent;
	return n;
}

/* Returns @n to the domain's cache. */
static void node_put(struct pb_iova_domain *d, struct iova_node *n)
{
	n->parent = d->free_nodes;
	d->free_nodes = n;
}

/* --- red-black tree --- */

/* Makes @repl take @old's place under @old's parent (or as the root); @repl may be NULL. */
static void replace_child(struct pb_iova_domain *d, struct iova_node *old, struct iova_node *repl)
{
	struct iova_node *p = old->parent;

	if (!p)
		d->root = repl;
	else if (p->left == old)
		p->left = repl;
	else
		p->right = repl;
	if (repl)
		repl->parent = p;
}

/* Lifts @x's right child into @x's place; @x becomes its left child. */
static void rotate_left(struct pb_iova_domain *d, struct iova_node *x)
{
	struct iova_node *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	replace_child(d, x, y);
	y->left = x;
	x->parent = y;
}

/* Lifts @x's left child into @x's place; @x becomes its right child. */
static void rotate_right(struct pb_iova_domain *d, struct iova_node *x)
{
	struct iova_node *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	replace_child(d, x, y);
	y->right = x;
	x->parent = y;
}

static bool is_red(const struct iova_node *n)
{
	return n && n->red;
}

/* Restores the red-black rules after red leaf @n was linked in. */
static void insert_fixup(struct pb_iova_domain *d, struct iova_node *n)
{
	struct iova_node *p, *g, *u;

	while ((p = n->parent) && p->red) {
		g = p->parent;	/* a red node is never the root, so g exists */
		if (p == g->left) {
			u = g->right;
			if (is_red(u)) {
				/* Push the red up two levels and look again there. */
				p->red = u->red = false;
				g->red = true;
				n = g;
				continue;
			}
			if (n == p->right) {
				rotate_left(d, p);
				n = p;
				p = n->parent;
			}
			p->red = false;
			g->red = true;
			rotate_right(d, g);
		} else {
			u = g->left;
			if (is_red(u)) {
				p->red = u->red = false;
				g->red = true;
				n = g;
				continue;
			}
			if (n == p->left) {
				rotate_right(d, p);
				n = p;
				p = n->parent;
			}
			p->red = false;
			g->red = true;
			rotate_left(d, g);
		}
	}
	d->root->red = false;
}

/*
 * Links @n in as the in-order predecessor of @above, which the allocator already knows:
 * descending from @above instead of the root costs only the height of its left subtree.
 */
static void insert_below(struct pb_iova_domain *d, struct iova_node *n, struct iova_node *above)
{
	struct iova_node *p = above;

	n->left = n->right = NULL;
	n->red = true;
	if (!p->left) {
		p->left = n;
	} else {
		p = p->left;
		while (p->right)
			p = p->right;
		p->right = n;
	}
	n->parent = p;
	insert_fixup(d, n);
}

/*
 * Restores the black height after a black node was unlinked from under @xp, leaving @x
 * (possibly NULL) one black short.
 */
static void erase_fixup(struct pb_iova_domain *d, struct iova_node *x, struct iova_node *xp)
{
	struct iova_node *w;

	while (x != d->root && !is_red(x)) {
		/* The short side has black height >= 1 on the other side, so w is never NULL. */
		if (x == xp->left) {
			w = xp->right;
			if (w->red) {
				w->red = false;
				xp->red = true;
				rotate_left(d, xp);
				w = xp->right;
			}
			if (!is_red(w->left) && !is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
				continue;
			}
			if (!is_red(w->right)) {
				w->left->red = false;
				w->red = true;
				rotate_right(d, w);
				w = xp->right;
			}
			w->red = xp->red;
			xp->red = false;
			w->right->red = false;
			rotate_left(d, xp);
		} else {
			w = xp->left;
			if (w->red) {
				w->red = false;
				xp->red = true;
				rotate_right(d, xp);
				w = xp->left;
			}
			if (!is_red(w->left) && !is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
				continue;
			}
			if (!is_red(w->left)) {
				w->right->red = false;
				w->red = true;
				rotate_left(d, w);
				w = xp->left;
			}
			w->red = xp->red;
			xp->red = false;
			w->left->red = false;
			rotate_right(d, xp);
		}
		x = d->root;
	}
	if (x)
		x->red = false;
}

/* Unlinks @z from the tree and rebalances. */
static void erase(struct pb_iova_domain *d, struct iova_node *z)
{
	struct iova_node *y, *x, *xp;
	bool lost_black = !z->red;

	if (!z->left || !z->right) {
		x = z->left ? z->left : z->right;
		xp = z->parent;
		replace_child(d, z, x);
	} else {
		/* Two children: z's successor y (no left child) takes z's place and colour. */
		y = z->right;
		while (y->left)
			y = y->left;
		lost_black = !y->red;
		x = y->right;
		if (y->parent == z) {
			xp = y;
		} else {
			xp = y->parent;
			replace_child(d, y, x);
			y->right = z->right;
			y->right->parent = y;
		}
		replace_child(d, z, y);
		y->left = z->left;
		y->left->parent = y;
		y->red = z->red;
	}
	if (lost_black)
		erase_fixup(d, x, xp);
}

/* The range just below @n in address order, or NULL. */
static struct iova_node *node_prev(const struct iova_node *n)
{
	const struct iova_node *p;

	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return (struct iova_node *)n;
	}
	while ((p = n->parent) && p->left == n)
		n = p;
	return (struct iova_node *)p;
}

/* The range just above @n in address order, or NULL. */
static struct iova_node *node_next(const struct iova_node *n)
{
	const struct iova_node *p;

	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct iova_node *)n;
	}
	while ((p = n->parent) && p->right == n)
		n = p;
	return (struct iova_node *)p;
}

/* The node whose range starts at @pfn, or NULL. */
static struct iova_node *lookup(const struct pb_iova_domain *d, uint64_t pfn)
{
	struct iova_node *n = d->root;

	while (n && n->pfn_lo != pfn)
		n = pfn < n->pfn_lo ? n->left : n->right;
	return n;
}

/* --- the allocator --- */

/* Magazines per class: loaded + prev per CPU slot, a full depot and the one being swapped in. */
#define MAGS_PER_CLASS (2 * PB_MAX_CPUS + PB_IOVA_MAX_GLOBAL_MAGS + 1)

/*
 * init_iova_rcaches: every CPU slot gets its loaded and prev magazines now, as the kernel
 * gives every possible CPU; the rest go to the spare list.
 */
static int init_rcaches(struct pb_iova_domain *d)
{
	struct iova_magazine *m;

	d->mags = calloc((size_t)PB_IOVA_RANGE_CACHE_MAX_SIZE * MAGS_PER_CLASS, sizeof(*m));
	if (!d->mags)
		return -1;
	m = d->mags;
	for (unsigned i = 0; i < PB_IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rc = &d->rcaches[i];

		pb_spin_init(&rc->lock);
		for (unsigned c = 0; c < PB_MAX_CPUS; c++) {
			pb_spin_init(&rc->cpu[c].lock);
			rc->cpu[c].loaded = m++;
			rc->cpu[c].prev = m++;
		}
		for (unsigned k = 0; k < PB_IOVA_MAX_GLOBAL_MAGS + 1; k++) {
			m->next = rc->spare;
			rc->spare = m++;
		}
	}
	return 0;
}

struct pb_iova_domain *pb_iova_create(uint64_t start_pfn, uint64_t limit_pfn)
{
	struct pb_iova_domain *d = aligned_alloc(PB_CACHELINE, sizeof(*d));

	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	if (init_rcaches(d)) {
		free(d);
		return NULL;
	}
	pb_spin_init(&d->lock);
	/* pfn 0 is the failure value, and limit + 1 must not reach the anchor. */
	d->start_pfn = start_pfn ? start_pfn : 1;
	d->limit_pfn = limit_pfn < ANCHOR_PFN - 1 ? limit_pfn : ANCHOR_PFN - 1;
	d->fail_size = UINT64_MAX;
	d->anchor.pfn_lo = d->anchor.pfn_hi = ANCHOR_PFN;
	d->root = &d->anchor;
	d->hint = &d->anchor;
	return d;
}

void pb_iova_destroy(struct pb_iova_domain *d)
{
	struct node_chunk *c, *next;

	if (!d)
		return;
	for (c = d->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(d->mags);
	free(d);
}

/*
 * Walks down from the range @above through the gaps between ranges and returns the range
 * the new block goes just below, with its first pfn in *@pfn; NULL when no gap at or above
 * @low fits. Each gap is tried with its highest aligned block, so the first gap that fits
 * at all is found, and the walk costs one step per range it passes: the kernel's cost.
 */
static struct iova_node *find_gap(struct iova_node *above, uint64_t high, uint64_t low,
				  uint64_t size, uint64_t *pfn)
{
	struct iova_node *below;
	uint64_t cand;

	for (;;) {
		if (above->pfn_lo < high)
			high = above->pfn_lo;
		if (high < size)
			return NULL;
		cand = (high - size) & ~(size - 1);
		if (cand < low)
			return NULL;
		below = node_prev(above);
		if (!below || cand > below->pfn_hi) {
			*pfn = cand;
			return above;
		}
		above = below;
	}
}

/* __alloc_and_insert_iova_range, with the domain lock held. */
static uint64_t tree_alloc(struct pb_iova_domain *d, unsigned order)
{
	struct iova_node *above, *n;
	uint64_t size, pfn;

	if (order >= 64)
		return 0;
	size = 1ull << order;
	if (size >= d->fail_size)
		return 0;
	above = find_gap(d->hint, d->limit_pfn + 1, d->start_pfn, size, &pfn);
	/*
	 * Nothing below the hint: space above it can still be free (alignment holes, frees
	 * that did not move the hint), so look once more from the top down to the hint.
	 */
	if (!above && d->hint->pfn_hi < d->limit_pfn)
		above = find_gap(&d->anchor, d->limit_pfn + 1, d->hint->pfn_hi + 1, size, &pfn);
	if (!above) {
		d->fail_size = size;
		return 0;
	}
	n = node_get(d);
	if (!n)
		return 0;
	n->pfn_lo = pfn;
	n->pfn_hi = pfn + size - 1;
	insert_below(d, n, above);
	d->hint = n;
	d->count++;
	d->stats[pb_cpu_id()].s.tree_alloc++;
	return pfn;
}

/* private_find_iova + private_free_iova, with the domain lock held. */
static bool tree_free(struct pb_iova_domain *d, uint64_t pfn)
{
	struct iova_node *n = lookup(d, pfn);

	if (!n || n == &d->anchor)
		return false;
	/* A hole at or above the hint would be out of the search's sight: start above it. */
	if (n->pfn_lo >= d->hint->pfn_lo)
		d->hint = node_next(n);
	d->fail_size = UINT64_MAX;
	erase(d, n);
	node_put(d, n);
	d->count--;
	d->stats[pb_cpu_id()].s.tree_free++;
	return true;
}

uint64_t pb_iova_alloc(struct pb_iova_domain *d, unsigned order)
{
	uint64_t pfn;

	pb_spin_lock(&d->lock);
	pfn = tree_alloc(d, order);
	pb_spin_unlock(&d->lock);
	return pfn;
}

bool pb_iova_free(struct pb_iova_domain *d, uint64_t pfn)
{
	bool found;

	pb_spin_lock(&d->lock);
	found = tree_free(d, pfn);
	pb_spin_unlock(&d->lock);
	return found;
}

size_t pb_iova_count(const struct pb_iova_domain *d)
{
	return d->count;
}

/* --- the per-CPU range caches (iova_rcache_get / iova_rcache_insert) --- */

/* iova_magazine_free_pfns: every pfn of @m back to the tree, under the domain lock. */
static void mag_free_pfns(struct pb_iova_domain *d, struct iova_magazine *m)
{
	pb_spin_lock(&d->lock);
	for (uint64_t i = 0; i < m->size; i++)
		PB_BUG_ON(!tree_free(d, m->pfns[i]), "iova: a cached pfn is not in the tree");
	pb_spin_unlock(&d->lock);
	m->size = 0;
}

/*
 * iova_magazine_pop: the topmost pfn at or below @limit, swapped out of its slot. Every
 * pfn of this domain is below its limit, so the scan stops at the first slot, but it is
 * the kernel's scan.
 */
static uint64_t mag_pop(struct iova_magazine *m, uint64_t limit)
{
	uint64_t i = m->size - 1, pfn;

	while (m->pfns[i] > limit) {
		if (i == 0)
			return 0;
		i--;
	}
	pfn = m->pfns[i];
	m->pfns[i] = m->pfns[--m->size];
	return pfn;
}

/*
 * __iova_rcache_get: this CPU's loaded magazine, else its prev (swapped in), else a full
 * one from the depot (the empty loaded one freed); 0 when all are empty.
 */
static uint64_t rcache_get(struct pb_iova_domain *d, unsigned order)
{
	struct iova_rcache *rc = &d->rcaches[order];
	unsigned cpu = pb_cpu_id();
	struct iova_cpu_rcache *cr = &rc->cpu[cpu];
	struct iova_magazine *m;
	uint64_t pfn = 0;
	bool has_pfn = false;

	pb_spin_lock(&cr->lock);
	if (cr->loaded->size) {
		has_pfn = true;
	} else if (cr->prev->size) {
		m = cr->loaded;
		cr->loaded = cr->prev;
		cr->prev = m;
		has_pfn = true;
	} else {
		pb_spin_lock(&rc->lock);
		if (rc->depot_size) {
			cr->loaded->next = rc->spare;	/* iova_magazine_free */
			rc->spare = cr->loaded;
			cr->loaded = rc->depot[--rc->depot_size];
			d->stats[cpu].s.depot_get++;
			has_pfn = true;
		}
		pb_spin_unlock(&rc->lock);
	}
	if (has_pfn)
		pfn = mag_pop(cr->loaded, d->limit_pfn + 1 - (1ull << order));
	pb_spin_unlock(&cr->lock);
	return pfn;
}

/*
 * __iova_rcache_insert: into this CPU's loaded magazine, else its prev (swapped in), else a
 * fresh magazine replaces the full loaded one, which goes to the depot or, with the depot
 * full, is emptied into the tree after the CPU lock is dropped.
 */
static void rcache_insert(struct pb_iova_domain *d, uint64_t pfn, unsigned order)
{
	struct iova_rcache *rc = &d->rcaches[order];
	unsigned cpu = pb_cpu_id();
	struct iova_cpu_rcache *cr = &rc->cpu[cpu];
	struct iova_magazine *m, *to_free = NULL;

	pb_spin_lock(&cr->lock);
	if (cr->loaded->size == PB_IOVA_MAG_SIZE) {
		if (cr->prev->size < PB_IOVA_MAG_SIZE) {
			m = cr->loaded;
			cr->loaded = cr->prev;
			cr->prev = m;
		} else {
			pb_spin_lock(&rc->lock);
			m = rc->spare;	/* iova_magazine_alloc: never NULL, see struct iova_rcache */
			rc->spare = m->next;
			if (rc->depot_size < PB_IOVA_MAX_GLOBAL_MAGS) {
				rc->depot[rc->depot_size++] = cr->loaded;
				d->stats[cpu].s.depot_put++;
			} else {
				to_free = cr->loaded;
			}
			pb_spin_unlock(&rc->lock);
			cr->loaded = m;
		}
	}
	cr->loaded->pfns[cr->loaded->size++] = pfn;
	pb_spin_unlock(&cr->lock);
	d->stats[cpu].s.rcache_insert++;

	if (to_free) {
		mag_free_pfns(d, to_free);
		d->stats[cpu].s.mag_drained++;
		pb_spin_lock(&rc->lock);
		to_free->next = rc->spare;
		rc->spare = to_free;
		pb_spin_unlock(&rc->lock);
	}
}

uint64_t pb_iova_alloc_fast(struct pb_iova_domain *d, unsigned order)
{
	struct pb_iova_stats *st = &d->stats[pb_cpu_id()].s;
	uint64_t pfn;

	if (order < PB_IOVA_RANGE_CACHE_MAX_SIZE) {
		pfn = rcache_get(d, order);
		if (pfn) {
			st->rcache_hit++;
			return pfn;
		}
	}
	st->rcache_miss++;
	pfn = pb_iova_alloc(d, order);
	if (pfn)
		return pfn;
	/* Ranges parked in magazines may be what the tree lacks: give them back, try once more. */
	pb_iova_flush_rcaches(d);
	return pb_iova_alloc(d, order);
}

void pb_iova_free_fast(struct pb_iova_domain *d, uint64_t pfn, unsigned order)
{
	if (order < PB_IOVA_RANGE_CACHE_MAX_SIZE) {
		rcache_insert(d, pfn, order);
		return;
	}
	d->stats[pb_cpu_id()].s.rcache_reject++;
	PB_BUG_ON(!pb_iova_free(d, pfn), "iova: freeing a range that was never allocated");
}

void pb_iova_flush_rcaches(struct pb_iova_domain *d)
{
	for (unsigned i = 0; i < PB_IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rc = &d->rcaches[i];

		for (unsigned c = 0; c < PB_MAX_CPUS; c++) {
			struct iova_cpu_rcache *cr = &rc->cpu[c];

			pb_spin_lock(&cr->lock);
			mag_free_pfns(d, cr->loaded);
			mag_free_pfns(d, cr->prev);
			pb_spin_unlock(&cr->lock);
		}
		pb_spin_lock(&rc->lock);
		while (rc->depot_size) {
			struct iova_magazine *m = rc->depot[--rc->depot_size];

			mag_free_pfns(d, m);
			m->next = rc->spare;
			rc->spare = m;
		}
		pb_spin_unlock(&rc->lock);
	}
	d->stats[pb_cpu_id()].s.rcache_flush++;
}

size_t pb_iova_cached(struct pb_iova_domain *d)
{
	size_t n = 0;

	for (unsigned i = 0; i < PB_IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rc = &d->rcaches[i];

		for (unsigned c = 0; c < PB_MAX_CPUS; c++)
			n += rc->cpu[c].loaded->size + rc->cpu[c].prev->size;
		for (unsigned k = 0; k < rc->depot_size; k++)
			n += rc->depot[k]->size;
	}
	return n;
}

void pb_iova_stats(const struct pb_iova_domain *d, struct pb_iova_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned c = 0; c < PB_MAX_CPUS; c++) {
		const struct pb_iova_stats *s = &d->stats[c].s;

		out->rcache_hit += s->rcache_hit;
		out->rcache_miss += s->rcache_miss;
		out->rcache_insert += s->rcache_insert;
		out->rcache_reject += s->rcache_reject;
		out->depot_put += s->depot_put;
		out->depot_get += s->depot_get;
		out->mag_drained += s->mag_drained;
		out->tree_alloc += s->tree_alloc;
		out->tree_free += s->tree_free;
		out->rcache_flush += s->rcache_flush;
	}
}
