// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOVA allocator: allocated ranges in a red-black tree keyed by pfn_lo, placed top-down
 * from a cached hint the way drivers/iommu/iova.c does, with tree nodes from a per-domain
 * node cache standing in for the kernel's kmem_cache of struct iova.
 */
#include <stdlib.h>
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

struct pb_iova_domain {
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

struct pb_iova_domain *pb_iova_create(uint64_t start_pfn, uint64_t limit_pfn)
{
	struct pb_iova_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
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

uint64_t pb_iova_alloc(struct pb_iova_domain *d, unsigned order)
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
	return pfn;
}

bool pb_iova_free(struct pb_iova_domain *d, uint64_t pfn)
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
	return true;
}

size_t pb_iova_count(const struct pb_iova_domain *d)
{
	return d->count;
}
