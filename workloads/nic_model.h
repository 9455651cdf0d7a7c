/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The NIC/driver model (docs/nic-model.md): one RX queue and its TX queue as a driver runs
 * them, over any backend through the ops table. Per NAPI poll: the TX completions first (as
 * i40e_napi_poll and mlx5e_napi_poll clean TX before RX), then up to `budget` frames, each
 * one a descriptor read, a header read (the first cache line of the buffer) and the frame's
 * return path, then the refill. The frames are a fixed, seeded table of (length, verdict),
 * so a pass is the same work every time and the TX side knows how many frames it will see.
 *
 * Threads. pb_nic_rx runs on the owning (NAPI) CPU. With tx_remote the TX completions run
 * on another thread through pb_nic_tx, which frees what the RX side queued, in batches, on
 * the non-direct path; without it the RX side completes its own TX ring.
 */
#ifndef PB_NIC_MODEL_H
#define PB_NIC_MODEL_H

#include "allocator.h"
#include "nic_len.h"

enum pb_nic_verdict {
	PB_NIC_DROP,		/* XDP_DROP: freed in the poll, direct (page_pool_recycle_direct) */
	PB_NIC_TX,		/* XDP_TX: out of this device's XDP TX ring, freed at its completion */
	PB_NIC_REDIRECT,	/* XDP_REDIRECT: out of another device's ring (xdp_return_frame) */
	PB_NIC_PASS,		/* an skb to a socket whose reader frees it at once */
	PB_NIC_VERDICTS,
};

enum pb_nic_refill {
	PB_NIC_REFILL_SLOT,	/* ixgbe/i40e: one allocation per slot, every refill_write cleaned */
	PB_NIC_REFILL_BULK,	/* mlx5: after the poll, every missing slot at once */
};

/* Frames of the seeded table; a prime, so the pattern never lines up with a power-of-two ring. */
#define PB_NIC_TABLE 4093

struct pb_nic_config {
	unsigned ring;			/* RX descriptors (power of two) */
	unsigned budget;		/* NAPI budget: frames per poll */
	enum pb_nic_refill refill;
	unsigned refill_write;		/* slot: refill once this many slots are empty; bulk: at least this many */
	unsigned tx_ring;		/* TX descriptors (power of two, a multiple of tx_batch) */
	unsigned tx_batch;		/* descriptors the NIC reports complete at a time */
	unsigned copybreak;		/* PASS frames shorter than this are copied (0: never) */
	bool skb_65;			/* PASS frees as 6.5+ (direct in the owning NAPI), else as 6.1 */
	bool tx_remote;			/* TX completion on another thread (pb_nic_tx) */
	uint64_t packets;		/* frames per pass */
	uint32_t weight[PB_NIC_VERDICTS];	/* verdict mix (not all zero) */
	struct pb_nic_len len;
	uint64_t seed;			/* of the frame table */
	int node;			/* NUMA node of the rings, -1 for first touch */
};

/* What one side did; each side writes only its own. */
struct pb_nic_counts {
	uint64_t frames;		/* frames received (RX) */
	uint64_t polls;			/* NAPI polls (RX) */
	uint64_t short_polls;		/* polls cut short because no buffer was posted (RX) */
	/*
	 * Frames the NIC dropped because even a refill left their slot without a buffer (RX;
	 * ixgbe's rx_no_buffer_count, mlx5's rx_out_of_buffer): not in frames or verdict[].
	 */
	uint64_t rx_missed;
	uint64_t verdict[PB_NIC_VERDICTS];
	uint64_t copybreak;		/* PASS frames copied; their buffer went back to the ring */
	uint64_t refills;		/* refill rounds: one tail (doorbell) write each */
	uint64_t refill_bufs;		/* buffers those rounds posted */
	uint64_t alloc_calls;		/* calls into the backend for them */
	uint64_t refill_short;		/* buffers a refill asked for and did not get */
	uint64_t tx_cleans;		/* TX completion rounds that freed something */
	uint64_t tx_freed;		/* buffers freed at TX completion */
	uint64_t tx_max_batch;		/* most buffers one completion round freed */
	uint64_t free_direct;		/* frees on the direct path (the owning NAPI) */
	uint64_t free_ring;		/* frees on the non-direct path */
} pb_cacheline_aligned;

struct pb_nic;

/* Fills @c with the defaults (the workload's parameter defaults). */
void pb_nic_config_default(struct pb_nic_config *c);
/* -1 + @err naming the key when @c is not a combination the model runs. */
int pb_nic_config_check(const struct pb_nic_config *c, struct pb_err *err);
/*
 * Builds the model over @a and posts a buffer to every RX slot it can (the driver's open:
 * not a measured pass; slots left empty are refilled by the polls). NULL + @err on a bad
 * config or out of memory for the rings.
 */
struct pb_nic *pb_nic_create(const struct pb_nic_config *c, struct pb_alloc *a, struct pb_err *err);
/* Gives every buffer the model holds back to the backend and frees the model. */
void pb_nic_destroy(struct pb_nic *m);
/* Frames of one pass whose buffers go to the TX side (XDP_TX and REDIRECT): pb_nic_tx's work. */
uint64_t pb_nic_tx_frames(const struct pb_nic *m);
/*
 * RX side, frames @first..@first+@n-1 of a pass (a pass starts at 0 and ends at
 * c->packets, polls closed and, without tx_remote, the TX ring completed). Cycles spent
 * waiting for the TX thread go to *@wait; @yield: wait with sched_yield (shared CPUs).
 * false when it could not go on (*@why says why; the TX side is told to stop).
 */
bool pb_nic_rx(struct pb_nic *m, uint64_t first, uint64_t n, uint64_t *wait, bool yield,
	       const char **why);
/*
 * TX side (tx_remote), frees @first..@first+@n-1 of pb_nic_tx_frames(): completion rounds
 * of tx_batch each (the pass's last may be shorter), non-direct. false when the RX side
 * stopped.
 */
bool pb_nic_tx(struct pb_nic *m, uint64_t first, uint64_t n, uint64_t *wait, bool yield);
/* The RX side's (@tx false) or the TX side's counters, since create. */
const struct pb_nic_counts *pb_nic_counts(const struct pb_nic *m, bool tx);
/* The length and verdict of frame @i of a pass (the table entry it takes). */
void pb_nic_frame(const struct pb_nic *m, uint64_t i, uint32_t *len, enum pb_nic_verdict *v);
/* Buffers posted to the RX ring now. */
unsigned pb_nic_posted(const struct pb_nic *m);

#endif
