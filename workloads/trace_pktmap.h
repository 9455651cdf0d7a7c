/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packets in flight by id: an open-addressing hash map whose size follows the number of
 * live packets (it grows and never holds released ones), so tracking a trace's packets
 * costs O(packets in flight), not O(trace).
 */
#ifndef PB_TRACE_PKTMAP_H
#define PB_TRACE_PKTMAP_H

#include <stddef.h>
#include <stdint.h>

struct pb_pkt_state {
	uint64_t pkt;		/* 0: empty slot */
	uint64_t rx_time;	/* ns */
	uint64_t rx_index;	/* event index of its rx */
	uint32_t len;
	uint16_t rx_cpu;
	uint8_t path;
	uint8_t flags;		/* the user's */
	uint32_t slot;		/* replay: the buffer slot the packet's buffer sits in */
	uint16_t holder;	/* replay: the CPU holding that buffer now */
};

struct pb_pktmap {
	struct pb_pkt_state *slot;
	size_t cap, n;		/* cap is a power of two */
};

/* An empty map; 0, or -1 when out of memory. */
int pb_pktmap_init(struct pb_pktmap *m);
/* The state of @pkt (>= 1), or NULL when it is not in the map. */
struct pb_pkt_state *pb_pktmap_find(struct pb_pktmap *m, uint64_t pkt);
/* Inserts @pkt (not yet in the map) and returns its zeroed state, or NULL out of memory. */
struct pb_pkt_state *pb_pktmap_add(struct pb_pktmap *m, uint64_t pkt);
/* Removes @s (a pointer pb_pktmap_find/add returned, not used after). */
void pb_pktmap_del(struct pb_pktmap *m, struct pb_pkt_state *s);
/* Frees the map. */
void pb_pktmap_free(struct pb_pktmap *m);

#endif
