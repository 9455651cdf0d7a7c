// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NIC/driver model (nic_model.h, docs/nic-model.md). What each piece follows:
 *
 *  poll      i40e_napi_poll / mlx5e_napi_poll: TX completions first, then at most budget
 *            RX frames, then (mlx5) the refill.
 *  refill    slot: ixgbe_clean_rx_irq returns buffers "once cleaned_count >=
 *            IXGBE_RX_BUFFER_WRITE" (16; i40e_clean_rx_irq the same with 32), and
 *            ixgbe_alloc_rx_buffers / i40e_alloc_rx_buffers then take one buffer per slot
 *            (ixgbe_alloc_mapped_page), writing each descriptor and the tail once.
 *            bulk: mlx5e_napi_poll calls mlx5e_post_rx_wqes once after the RX poll, which
 *            refills every missing WQE at once when at least wqe_bulk are missing; here
 *            that is one call to the ops table's bulk entry for a whole-page backend.
 *  frame     the descriptor's status and length, then the frame's first cache line (the
 *            XDP program or eth_type_trans reads the header), then its return path.
 *  copybreak e1000_clean_rx_irq (e1000e): a frame shorter than copybreak is copied into a
 *            small skb and the receive buffer stays with the ring; the buffer moves to
 *            next_to_use as ixgbe_reuse_rx_page moves a reused page to next_to_alloc.
 *  TX        the XDP TX ring reports completion a batch at a time (ice sets the RS bit
 *            every tx_thresh descriptors and ice_clean_xdp_irq frees a batch, returning
 *            frames with xdp_return_frame_bulk). XDP_TX frames come back direct when the
 *            ring is cleaned in the owning NAPI (mlx5e_free_xdpsq_desc recycles into the
 *            pool's cache); REDIRECT frames through xdp_return_frame, the non-direct path;
 *            on another CPU both are non-direct.
 *  PASS      the skb is built around the buffer (its first line written) and the socket's
 *            reader frees it at once: on 6.1 through page_pool_put_full_page(.., false),
 *            the ring; on 6.5+ napi_pp_put_page recycles direct in the owning NAPI.
 *
 * The NIC's own side is modelled by the polling CPU: it writes the descriptor's length and
 * status and the first word of the frame just before the driver reads them, which leaves
 * those lines in this CPU's cache where a real NIC's DMA would leave them in the LLC (DDIO)
 * or memory. The frame table repeats every PB_NIC_TABLE frames; the pass restarts it.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "nic_model.h"
#include "numa.h"
#include "spsc_ring.h"
#include "timing.h"

#define HEAD_BYTES 1024		/* copybreak's small skb head: copybreak is at most this */
#define BULK_CHUNK 64		/* pages per bulk-allocation call (page_pool's bulk size) */
#define DESC_DD 1u		/* descriptor done: the NIC wrote the frame */

/* An RX descriptor as the NIC sees it: 16 bytes, as ixgbe's advanced descriptor. */
struct rx_desc {
	uint64_t addr;
	uint32_t len;
	uint32_t status;
};

/* One local TX ring entry: the buffer, what sent it, the descriptor's length. */
struct tx_ent {
	struct pb_buf b;
	uint32_t verdict;
	uint32_t len;
};

struct pb_nic {
	/* Read-mostly. */
	struct pb_nic_config c;
	struct pb_alloc *a;
	unsigned mask, tx_mask;
	bool bulk_alloc;		/* whole pages: refill through pb_alloc_bulk */
	uint64_t tx_frames;		/* TX-side frames per pass */
	uint32_t *table;		/* [PB_NIC_TABLE] len | verdict << 16 */
	struct rx_desc *desc;		/* [ring] the descriptor ring (the device's memory) */
	struct pb_buf *rxb;		/* [ring] rx_buffer_info: page NULL when not posted */
	struct tx_ent *tx;		/* [tx_ring] local TX ring */
	struct pb_buf *txq_slots;	/* [tx_ring] remote TX ring storage */
	size_t desc_len, rxb_len, tx_len, txq_len;

	/* The RX (NAPI) side. */
	struct {
		unsigned ntc;		/* next_to_clean */
		unsigned ntu;		/* next_to_use: where the next posted buffer goes */
		unsigned missing;	/* slots without a buffer */
		unsigned in_poll;	/* frames of the current poll so far */
		unsigned pos;		/* next table entry */
		uint64_t tx_head;	/* local TX: frames queued */
		uint64_t tx_tail;	/* local TX: frames completed */
		uint64_t sink;		/* what the header reads saw (keeps them) */
	} rx pb_cacheline_aligned;
	struct pb_nic_counts rxc;

	/* The TX-completion side (tx_remote). */
	struct {
		uint64_t group_left;	/* frames left of the completion batch being freed */
	} txs pb_cacheline_aligned;
	struct pb_nic_counts txc;

	struct pb_spsc_ring txq;
	_Atomic bool stop pb_cacheline_aligned;	/* the RX side failed: do not wait for it */
	uint8_t skb[PB_CACHELINE] pb_cacheline_aligned;	/* the sk_buff line build_skb writes */
	uint8_t head[HEAD_BYTES] pb_cacheline_aligned;	/* copybreak's skb head */
};

/* splitmix64: the table is fixed input, any decent mix will do. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void pb_nic_config_default(struct pb_nic_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ring = 512;
	c->budget = 64;
	c->refill = PB_NIC_REFILL_SLOT;
	c->refill_write = 16;
	c->tx_ring = 512;
	c->tx_batch = 32;
	c->packets = 262144;
	c->weight[PB_NIC_DROP] = 1;
	c->seed = 1;
	c->node = -1;
	pb_nic_len_parse("64", &c->len, NULL);
}

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

int pb_nic_config_check(const struct pb_nic_config *c, struct pb_err *err)
{
	uint64_t w = 0;

	if (!pow2(c->ring) || c->ring < 8)
		return pb_err_set(err, "ring=%u: must be a power of two, at least 8", c->ring);
	if (!pow2(c->tx_ring) || c->tx_ring < 8)
		return pb_err_set(err, "tx_ring=%u: must be a power of two, at least 8", c->tx_ring);
	if (!c->budget)
		return pb_err_set(err, "budget=0: a poll must take at least one frame");
	if (!c->refill_write || c->refill_write > c->ring)
		return pb_err_set(err, "refill_write=%u: must be 1..ring (ring=%u)", c->refill_write, c->ring);
	if (!c->tx_batch || c->tx_batch > c->tx_ring || c->tx_ring % c->tx_batch)
		return pb_err_set(err, "tx_batch=%u: must divide tx_ring=%u", c->tx_batch, c->tx_ring);
	if (c->copybreak > HEAD_BYTES)
		return pb_err_set(err, "copybreak=%u: at most %d (the small skb head)", c->copybreak, HEAD_BYTES);
	for (unsigned v = 0; v < PB_NIC_VERDICTS; v++)
		w += c->weight[v];
	if (!w)
		return pb_err_set(err, "verdict=: every weight is zero");
	if (!c->len.n)
		return pb_err_set(err, "len=: no frame lengths");
	if (!c->packets)
		return pb_err_set(err, "packets=0: a pass needs frames");
	return 0;
}

/* The verdict the uniform draw @x picks under the weights of @c. */
static enum pb_nic_verdict pick_verdict(const struct pb_nic_config *c, uint64_t x)
{
	uint64_t total = 0, w;
	unsigned v;

	for (v = 0; v < PB_NIC_VERDICTS; v++)
		total += c->weight[v];
	w = ((x >> 32) * total) >> 32;
	for (v = 0; v < PB_NIC_VERDICTS - 1; v++) {
		if (w < c->weight[v])
			break;
		w -= c->weight[v];
	}
	return (enum pb_nic_verdict)v;
}

static bool goes_to_tx(uint32_t entry)
{
	uint32_t v = entry >> 16;

	return v == PB_NIC_TX || v == PB_NIC_REDIRECT;
}

/* Fills the frame table and counts a pass's TX-side frames. */
static void make_table(struct pb_nic *m)
{
	uint64_t s = m->c.seed, per_table = 0, rem = m->c.packets % PB_NIC_TABLE, in_rem = 0;

	for (unsigned i = 0; i < PB_NIC_TABLE; i++) {
		uint32_t len = pb_nic_len_pick(&m->c.len, mix(&s));
		enum pb_nic_verdict v = pick_verdict(&m->c, mix(&s));

		m->table[i] = len | (uint32_t)v << 16;
		per_table += goes_to_tx(m->table[i]);
		in_rem += i < rem && goes_to_tx(m->table[i]);
	}
	m->tx_frames = m->c.packets / PB_NIC_TABLE * per_table + in_rem;
}

/* Ring memory: on the rings' node when one is given, else first touch here (the RX CPU). */
static void *ring_mem(size_t len, int node)
{
	void *p = pb_numa_alloc(len, node);

	if (p && node < 0)
		memset(p, 0, len);
	return p;
}

/* The page of the ring's backend a whole-page bulk entry gave, as a buffer. */
static void page_buf(const struct pb_nic *m, struct pb_page *pg, struct pb_buf *b)
{
	b->page = pg;
	b->offset = 0;
	b->len = b->truesize = (uint32_t)(PB_PAGE_SIZE << m->a->order);
}

static inline char *buf_data(const struct pb_buf *b)
{
	return (char *)pb_page_address(b->page) + b->offset;
}

/* Gives @b back on the direct (owning NAPI) or the non-direct path, counted by side @c. */
static inline void nic_free(struct pb_nic *m, struct pb_nic_counts *c, const struct pb_buf *b,
			    bool direct)
{
	if (direct)
		c->free_direct++;
	else
		c->free_ring++;
	pb_alloc_note_free(m->a, b->page);
	pb_free_buf(m->a, b, direct);
}

/* Posts @b at next_to_use: the buffer info and the descriptor the NIC will write into. */
static inline void post(struct pb_nic *m, const struct pb_buf *b)
{
	unsigned i = m->rx.ntu;

	m->rxb[i] = *b;
	m->desc[i].addr = b->page->dma_addr + b->offset;
	m->desc[i].status = 0;
	m->rx.ntu = (i + 1) & m->mask;
	m->rx.missing--;
}

/* One refill round: a buffer for every empty slot (ixgbe_alloc_rx_buffers / mlx5e_post_rx_wqes). */
static pb_noinline void refill(struct pb_nic *m)
{
	unsigned want = m->rx.missing, got = 0;

	if (!want)
		return;
	m->rxc.refills++;
	if (m->c.refill == PB_NIC_REFILL_BULK && m->bulk_alloc) {
		while (got < want) {
			struct pb_page *pages[BULK_CHUNK];
			unsigned k = want - got < BULK_CHUNK ? want - got : BULK_CHUNK;
			unsigned n = pb_alloc_bulk(m->a, pages, k);

			m->rxc.alloc_calls++;
			if (n < k)	/* the buffers asked for and not got: the record's alloc_failed */
				pb_alloc_note_failed(m->a, k - n);
			for (unsigned j = 0; j < n; j++) {
				struct pb_buf b;

				page_buf(m, pages[j], &b);
				post(m, &b);
			}
			got += n;
			if (n < k)
				break;
		}
	} else {
		for (; got < want; got++) {
			struct pb_buf b;

			m->rxc.alloc_calls++;
			if (!pb_alloc_buf(m->a, &b)) {
				pb_alloc_note_failed(m->a, 1);
				break;
			}
			post(m, &b);
		}
	}
	m->rxc.refill_bufs += got;
	m->rxc.refill_short += want - got;
}

/* Frees @n completed entries of the local TX ring from its tail, one completion round. */
static void tx_round_local(struct pb_nic *m, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		struct tx_ent *e = &m->tx[m->rx.tx_tail++ & m->tx_mask];

		/* XDP_TX comes back direct in the owning NAPI; a redirected frame does not. */
		nic_free(m, &m->rxc, &e->b, e->verdict == PB_NIC_TX);
	}
	m->rxc.tx_cleans++;
	m->rxc.tx_freed += n;
	if (n > m->rxc.tx_max_batch)
		m->rxc.tx_max_batch = n;
}

/* Local TX completion: every full batch the NIC reported; with @all the last partial one too. */
static void tx_clean_local(struct pb_nic *m, bool all)
{
	uint64_t pending;

	while ((pending = m->rx.tx_head - m->rx.tx_tail) >= m->c.tx_batch)
		tx_round_local(m, m->c.tx_batch);
	if (all && pending)
		tx_round_local(m, pending);
}

static void poll_begin(struct pb_nic *m)
{
	m->rxc.polls++;
	if (!m->c.tx_remote)
		tx_clean_local(m, false);
}

static void poll_end(struct pb_nic *m)
{
	if (m->c.refill == PB_NIC_REFILL_BULK && m->rx.missing >= m->c.refill_write)
		refill(m);
	m->rx.in_poll = 0;
}

/*
 * The slot at next_to_clean has no buffer: the poll ends there (the NIC keeps the frame)
 * and a new one starts after a refill. false when the backend could not post even that
 * slot's buffer (exhaustion, or fail= injecting failures): the frame is then lost.
 */
static pb_noinline bool ring_dry(struct pb_nic *m)
{
	m->rxc.short_polls++;
	poll_end(m);
	if (!m->rxb[m->rx.ntc].page)
		refill(m);
	if (!m->rxb[m->rx.ntc].page)
		return false;
	poll_begin(m);
	return true;
}

static inline void wait_relax(bool yield)
{
	if (yield)
		sched_yield();
	else
		pb_cpu_relax();
}

/* Queues @b for transmission; a full local ring is cleaned first, a full remote one waited for. */
static inline void xmit(struct pb_nic *m, const struct pb_buf *b, uint32_t v, uint32_t len,
			uint64_t *wait, bool yield)
{
	if (m->c.tx_remote) {
		if (pb_unlikely(!pb_spsc_push(&m->txq, b))) {
			uint64_t w0 = pb_rdtsc();

			/* The TX CPU's completions are late: that is its cost, not ours. */
			while (!pb_spsc_push(&m->txq, b))
				wait_relax(yield);
			*wait += pb_rdtsc() - w0;
		}
		return;
	}
	if (pb_unlikely(m->rx.tx_head - m->rx.tx_tail == m->c.tx_ring))
		tx_clean_local(m, false);	/* full: tx_ring is whole batches, all reported */
	struct tx_ent *e = &m->tx[m->rx.tx_head++ & m->tx_mask];

	e->b = *b;
	e->verdict = v;
	e->len = len;
}

/*
 * The NIC drops the frame it has no buffer for (it counts rx_missed; the driver sees
 * nothing): its table entry is used up all the same, so the pass stays the same frames. A
 * frame the TX CPU was to complete goes to it as an empty entry, so that side still takes
 * exactly pb_nic_tx_frames() per pass and neither waits for the other.
 */
static pb_noinline void rx_missed(struct pb_nic *m, uint64_t *wait, bool yield)
{
	uint32_t entry = m->table[m->rx.pos], v = entry >> 16;
	struct pb_buf none = { 0 };

	if (++m->rx.pos == PB_NIC_TABLE)
		m->rx.pos = 0;
	m->rxc.rx_missed++;
	if (m->c.tx_remote && (v == PB_NIC_TX || v == PB_NIC_REDIRECT))
		xmit(m, &none, v, 0, wait, yield);
}

/* One frame: the NIC's write, the driver's reads, the return path, the poll's bookkeeping. */
static inline bool rx_frame(struct pb_nic *m, uint64_t *wait, bool yield, const char **why)
{
	struct pb_nic_counts *c = &m->rxc;
	struct rx_desc *d;
	struct pb_buf b;
	uint32_t entry, len, v;
	const uint64_t *hdr;
	unsigned i;
	char *data;

	if (!m->rx.in_poll)
		poll_begin(m);
	if (m->c.refill == PB_NIC_REFILL_SLOT && m->rx.missing >= m->c.refill_write)
		refill(m);
	i = m->rx.ntc;
	if (pb_unlikely(!m->rxb[i].page) && !ring_dry(m)) {
		rx_missed(m, wait, yield);
		return true;
	}
	entry = m->table[m->rx.pos];
	if (++m->rx.pos == PB_NIC_TABLE)
		m->rx.pos = 0;
	b = m->rxb[i];
	d = &m->desc[i];
	data = buf_data(&b);
	/* The NIC: the frame's first bytes, then the descriptor write-back. */
	PB_WRITE_ONCE(*(uint64_t *)data, c->frames);
	d->len = entry & 0xffff;
	pb_store_release(&d->status, DESC_DD);
	/* The driver: status (DD set), length, and after dma_rmb the header's cache line. */
	m->rx.sink += pb_load_acquire(&d->status);
	len = d->len;
	v = entry >> 16;
	hdr = (const uint64_t *)data;
	for (unsigned w = 0; w < PB_CACHELINE / sizeof(uint64_t); w++)
		m->rx.sink += PB_READ_ONCE(hdr[w]);
	d->status = 0;
	m->rx.ntc = (i + 1) & m->mask;
	c->frames++;
	c->verdict[v]++;
	if (v == PB_NIC_PASS && len < m->c.copybreak) {
		/* Copied into a small head; the buffer goes straight back to the ring. */
		memcpy(m->head, data, len < b.len ? len : b.len);
		c->copybreak++;
		m->rxb[i].page = NULL;
		m->rx.missing++;
		post(m, &b);
	} else {
		m->rxb[i].page = NULL;
		m->rx.missing++;
		switch (v) {
		case PB_NIC_DROP:
			nic_free(m, c, &b, true);
			break;
		case PB_NIC_TX:
		case PB_NIC_REDIRECT:
			xmit(m, &b, v, len, wait, yield);
			break;
		default: {
			/* build_skb: the sk_buff's first line points at the buffer. */
			uint64_t *skb = (uint64_t *)m->skb;

			skb[0] = (uintptr_t)data;
			skb[1] = len;
			skb[2] = b.truesize;
			nic_free(m, c, &b, m->c.skb_65);
			break;
		}
		}
	}
	if (++m->rx.in_poll == m->c.budget)
		poll_end(m);
	return true;
}

bool pb_nic_rx(struct pb_nic *m, uint64_t first, uint64_t n, uint64_t *wait, bool yield,
	       const char **why)
{
	if (!first) {
		m->rx.pos = 0;
		m->rx.in_poll = 0;
	}
	for (uint64_t k = 0; k < n; k++) {
		if (pb_unlikely(!rx_frame(m, wait, yield, why))) {
			atomic_store(&m->stop, true);
			return false;
		}
	}
	if (first + n == m->c.packets) {
		/* The pass ends: its last poll closes and its last transmissions complete. */
		if (m->rx.in_poll)
			poll_end(m);
		if (!m->c.tx_remote)
			tx_clean_local(m, true);
	}
	return true;
}

/* Frames the RX side has queued and the TX side not yet taken. */
static inline uint64_t txq_ready(struct pb_spsc_ring *q)
{
	return (uint32_t)(pb_load_acquire(&q->prod.head) - q->cons.tail);
}

bool pb_nic_tx(struct pb_nic *m, uint64_t first, uint64_t n, uint64_t *wait, bool yield)
{
	struct pb_nic_counts *c = &m->txc;

	if (!first)
		m->txs.group_left = 0;
	for (uint64_t k = 0; k < n; k++) {
		struct pb_buf b;

		if (!m->txs.group_left) {
			/* The next completion report: a whole batch, or what the pass has left. */
			uint64_t left = m->tx_frames - (first + k);
			uint64_t group = left < m->c.tx_batch ? left : m->c.tx_batch;

			if (pb_unlikely(txq_ready(&m->txq) < group)) {
				uint64_t w0 = pb_rdtsc();

				while (txq_ready(&m->txq) < group) {
					if (atomic_load_explicit(&m->stop, memory_order_relaxed))
						return false;	/* cleanup takes what is queued */
					wait_relax(yield);
				}
				*wait += pb_rdtsc() - w0;
			}
			m->txs.group_left = group;
			c->tx_cleans++;
			if (group > c->tx_max_batch)
				c->tx_max_batch = group;
		}
		pb_spsc_pop(&m->txq, &b);
		m->txs.group_left--;
		if (pb_unlikely(!b.page))	/* a frame the RX side missed (rx_missed) */
			continue;
		c->tx_freed++;
		nic_free(m, c, &b, false);	/* not the owning NAPI: the non-direct path */
	}
	return true;
}

struct pb_nic *pb_nic_create(const struct pb_nic_config *c, struct pb_alloc *a, struct pb_err *err)
{
	struct pb_nic *m;

	if (pb_nic_config_check(c, err))
		return NULL;
	m = aligned_alloc(PB_CACHELINE, (sizeof(*m) + PB_CACHELINE - 1) / PB_CACHELINE * PB_CACHELINE);
	if (!m) {
		pb_err_set(err, "nic: out of memory");
		return NULL;
	}
	memset(m, 0, sizeof(*m));
	m->c = *c;
	m->a = a;
	m->mask = c->ring - 1;
	m->tx_mask = c->tx_ring - 1;
	m->bulk_alloc = !a->ops->alloc_buf;
	m->desc_len = c->ring * sizeof(*m->desc);
	m->rxb_len = c->ring * sizeof(*m->rxb);
	m->table = malloc(PB_NIC_TABLE * sizeof(*m->table));
	m->desc = ring_mem(m->desc_len, c->node);
	m->rxb = ring_mem(m->rxb_len, c->node);
	if (c->tx_remote) {
		m->txq_len = c->tx_ring * sizeof(*m->txq_slots);
		m->txq_slots = ring_mem(m->txq_len, c->node);
	} else {
		m->tx_len = c->tx_ring * sizeof(*m->tx);
		m->tx = ring_mem(m->tx_len, c->node);
	}
	if (!m->table || !m->desc || !m->rxb || (c->tx_remote ? !m->txq_slots : !m->tx)) {
		pb_nic_destroy(m);
		if (c->node >= 0)
			pb_err_set(err, "nic: cannot place the rings on node %d", c->node);
		else
			pb_err_set(err, "nic: out of memory");
		return NULL;
	}
	if (c->tx_remote)
		pb_spsc_init(&m->txq, m->txq_slots, c->tx_ring);
	atomic_init(&m->stop, false);
	make_table(m);
	/*
	 * The driver's open: every slot gets a buffer (not a measured pass, not counted). One
	 * refill, as ixgbe_configure_rx_ring's: a short one (fail=, exhaustion) leaves slots
	 * empty for the polls' refills to fill, and frames meeting them are missed.
	 */
	m->rx.missing = c->ring;
	refill(m);
	memset(&m->rxc, 0, sizeof(m->rxc));
	return m;
}

void pb_nic_destroy(struct pb_nic *m)
{
	struct pb_buf b;

	if (!m)
		return;
	/* Whatever a pass left queued goes back too (a failed pass leaves some). */
	if (m->txq_slots)
		while (pb_spsc_pop(&m->txq, &b))
			if (b.page)	/* NULL: a missed frame's empty entry */
				pb_free_buf(m->a, &b, false);
	if (m->tx)
		while (m->rx.tx_tail != m->rx.tx_head)
			pb_free_buf(m->a, &m->tx[m->rx.tx_tail++ & m->tx_mask].b, true);
	for (unsigned i = 0; m->rxb && i < m->c.ring; i++)
		if (m->rxb[i].page)
			pb_free_buf(m->a, &m->rxb[i], true);
	pb_numa_free(m->desc, m->desc_len);
	pb_numa_free(m->rxb, m->rxb_len);
	pb_numa_free(m->tx, m->tx_len);
	pb_numa_free(m->txq_slots, m->txq_len);
	free(m->table);
	free(m);
}

uint64_t pb_nic_tx_frames(const struct pb_nic *m)
{
	return m->tx_frames;
}

const struct pb_nic_counts *pb_nic_counts(const struct pb_nic *m, bool tx)
{
	return tx ? &m->txc : &m->rxc;
}

void pb_nic_frame(const struct pb_nic *m, uint64_t i, uint32_t *len, enum pb_nic_verdict *v)
{
	uint32_t e = m->table[i % PB_NIC_TABLE];

	*len = e & 0xffff;
	*v = (enum pb_nic_verdict)(e >> 16);
}

unsigned pb_nic_posted(const struct pb_nic *m)
{
	return m->c.ring - m->rx.missing;
}
