// SPDX-License-Identifier: GPL-2.0-only
/* Linear probing with backward-shift deletion: no tombstones, so probes stay short. */
#include <stdlib.h>
#include "trace_pktmap.h"

static size_t hash(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

int pb_pktmap_init(struct pb_pktmap *m)
{
	m->cap = 64;
	m->n = 0;
	m->slot = calloc(m->cap, sizeof(*m->slot));
	return m->slot ? 0 : -1;
}

struct pb_pkt_state *pb_pktmap_find(struct pb_pktmap *m, uint64_t pkt)
{
	for (size_t i = hash(pkt, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->slot[i].pkt == pkt)
			return &m->slot[i];
		if (!m->slot[i].pkt)
			return NULL;
	}
}

static int grow(struct pb_pktmap *m)
{
	struct pb_pkt_state *old = m->slot;
	size_t oldcap = m->cap;

	m->slot = calloc(oldcap * 2, sizeof(*m->slot));
	if (!m->slot) {
		m->slot = old;
		return -1;
	}
	m->cap = oldcap * 2;
	for (size_t j = 0; j < oldcap; j++) {
		size_t i;

		if (!old[j].pkt)
			continue;
		for (i = hash(old[j].pkt, m->cap); m->slot[i].pkt; i = (i + 1) & (m->cap - 1))
			;
		m->slot[i] = old[j];
	}
	free(old);
	return 0;
}

struct pb_pkt_state *pb_pktmap_add(struct pb_pktmap *m, uint64_t pkt)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
		return NULL;
	for (i = hash(pkt, m->cap); m->slot[i].pkt; i = (i + 1) & (m->cap - 1))
		;
	m->slot[i] = (struct pb_pkt_state){ .pkt = pkt };
	m->n++;
	return &m->slot[i];
}

void pb_pktmap_del(struct pb_pktmap *m, struct pb_pkt_state *s)
{
	size_t i = (size_t)(s - m->slot), j = i;

	m->slot[i].pkt = 0;
	m->n--;
	for (;;) {
		size_t h;

		j = (j + 1) & (m->cap - 1);
		if (!m->slot[j].pkt)
			return;
		h = hash(m->slot[j].pkt, m->cap);
		/* move j back into the hole at i unless its home lies cyclically in (i, j] */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			m->slot[i] = m->slot[j];
			m->slot[j].pkt = 0;
			i = j;
		}
	}
}

void pb_pktmap_free(struct pb_pktmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = m->n = 0;
}
