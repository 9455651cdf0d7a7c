// SPDX-License-Identifier: GPL-2.0-only
/*
 * nic and nic-2cpu: the NIC/driver model (nic_model.h, docs/nic-model.md) as fixed-work
 * workloads. Each repetition is one pass of `packets` frames through an RX ring; the
 * frames' verdicts send their buffers back on the paths path.h names. nic completes its TX
 * ring in the same NAPI (one CPU); nic-2cpu completes it on a second CPU (roles rx and tx,
 * `--cpus rx=0,tx=1`), whose record is the cost of freeing there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nic_model.h"
#include "workload.h"

#define NIC_WINDOW 4096

static const char *const verdict_names[PB_NIC_VERDICTS] = { "drop", "tx", "redirect", "pass" };

/*
 * verdict=: one of drop, tx, redirect, pass, or weights "drop:90+pass:10" (each verdict
 * at most once, whole weights 0..1000000). Fills @w when not NULL.
 */
static int parse_verdict(const char *value, uint32_t *w, struct pb_err *err)
{
	uint32_t tmp[PB_NIC_VERDICTS] = { 0 };
	bool seen[PB_NIC_VERDICTS] = { false };
	const char *p = value;
	bool weighted = strchr(value, ':') != NULL;

	while (*p) {
		size_t n = strcspn(p, ":+");
		unsigned v;

		for (v = 0; v < PB_NIC_VERDICTS; v++)
			if (strlen(verdict_names[v]) == n && !strncmp(p, verdict_names[v], n))
				break;
		if (v == PB_NIC_VERDICTS)
			return pb_err_set(err, "verdict=%s: '%.*s' is not drop, tx, redirect or pass",
					  value, (int)n, p);
		if (seen[v])
			return pb_err_set(err, "verdict=%s: %s given twice", value, verdict_names[v]);
		seen[v] = true;
		p += n;
		if (!weighted) {
			if (*p)
				return pb_err_set(err, "verdict=%s: one verdict, or weights as drop:90+pass:10",
						  value);
			tmp[v] = 1;
			break;
		}
		if (*p != ':')
			return pb_err_set(err, "verdict=%s: %s has no weight (drop:90+pass:10)", value,
					  verdict_names[v]);
		p++;
		{
			char *end;
			unsigned long x = strtoul(p, &end, 10);

			if (end == p || x > 1000000 || (*end && *end != '+'))
				return pb_err_set(err, "verdict=%s: the weight of %s must be a whole number 0..1000000",
						  value, verdict_names[v]);
			tmp[v] = (uint32_t)x;
			p = end;
		}
		if (*p == '+' && !*++p)
			return pb_err_set(err, "verdict=%s: nothing after '+'", value);
	}
	if (!tmp[0] && !tmp[1] && !tmp[2] && !tmp[3])
		return pb_err_set(err, "verdict=%s: every weight is zero", value);
	if (w)
		memcpy(w, tmp, sizeof(tmp));
	return 0;
}

static int check_verdict(const char *value, struct pb_err *err)
{
	return parse_verdict(value, NULL, err);
}

static const struct pb_param_spec nic_params[] = {
	{ "ring", PB_PARAM_UINT, 8, 65536, NULL, "512", "RX descriptors (power of two)" },
	{ "budget", PB_PARAM_UINT, 1, 4096, NULL, "64", "NAPI budget: frames per poll" },
	{ "refill", PB_PARAM_ENUM, 0, 0, "slot|bulk", "slot",
	  "slot: one allocation per slot once refill_write slots are empty (ixgbe/i40e_alloc_rx_buffers); "
	  "bulk: every empty slot after the poll, one bulk call (mlx5e_post_rx_wqes)" },
	{ "refill_write", PB_PARAM_UINT, 1, 65536, NULL, "16",
	  "empty slots before a refill (IXGBE_RX_BUFFER_WRITE 16, I40E_RX_BUFFER_WRITE 32; mlx5's wqe_bulk)" },
	{ "tx_ring", PB_PARAM_UINT, 8, 65536, NULL, "512", "TX descriptors (power of two, whole tx_batches)" },
	{ "tx_batch", PB_PARAM_UINT, 1, 65536, NULL, "32",
	  "descriptors the NIC reports complete at once (ice's RS bit every tx_thresh)" },
	{ "copybreak", PB_PARAM_UINT, 0, 1024, NULL, "0",
	  "PASS frames shorter than this are copied into a small skb and the buffer reused (e1000e); 0 off" },
	{ "len", PB_PARAM_CUSTOM, 0, 0, NULL, "64",
	  "frame bytes 14..4096, imix (7:4:1 of 64, 576, 1500) or file:PATH (LENGTH [WEIGHT] lines)",
	  pb_nic_len_check },
	{ "verdict", PB_PARAM_CUSTOM, 0, 0, NULL, "drop",
	  "drop (XDP_DROP), tx (XDP_TX), redirect (XDP_REDIRECT), pass (an skb), or weights "
	  "as drop:90+pass:10", check_verdict },
	{ "skb", PB_PARAM_ENUM, 0, 0, "6.1|6.5", "6.1",
	  "how PASS frames come back: 6.1 through the pool's ring, 6.5 direct in the owning NAPI" },
	{ "packets", PB_PARAM_UINT, 1, 1u << 26, NULL, "256k", "frames per repetition" },
	{ "seed", PB_PARAM_UINT, 0, UINT64_MAX, NULL, "1", "seed of the frame table (lengths, verdicts)" },
	{ 0 },
};

/* The model's configuration from checked params @p; -1 + @err when a file cannot be read. */
static int nic_config(const struct pb_params *p, bool tx_remote, struct pb_nic_config *c,
		      struct pb_err *err)
{
	pb_nic_config_default(c);
	c->ring = (unsigned)pb_param_u64(p, nic_params, "ring");
	c->budget = (unsigned)pb_param_u64(p, nic_params, "budget");
	c->refill = (enum pb_nic_refill)pb_param_u64(p, nic_params, "refill");
	c->refill_write = (unsigned)pb_param_u64(p, nic_params, "refill_write");
	c->tx_ring = (unsigned)pb_param_u64(p, nic_params, "tx_ring");
	c->tx_batch = (unsigned)pb_param_u64(p, nic_params, "tx_batch");
	c->copybreak = (unsigned)pb_param_u64(p, nic_params, "copybreak");
	c->skb_65 = pb_param_u64(p, nic_params, "skb") == 1;
	c->packets = pb_param_u64(p, nic_params, "packets");
	c->seed = pb_param_u64(p, nic_params, "seed");
	c->tx_remote = tx_remote;
	/* The rings are the device's memory: on the node the pool's memory is bound to. */
	if (pb_params_check(p, pb_mem_params, err))
		return -1;
	c->node = pb_params_raw(p, "node") ? (int)pb_param_u64(p, pb_mem_params, "node") : -1;
	if (parse_verdict(pb_param_str(p, nic_params, "verdict"), c->weight, err) ||
	    pb_nic_len_parse(pb_param_str(p, nic_params, "len"), &c->len, err))
		return -1;
	return pb_nic_config_check(c, err);
}

static int nic_check(const struct pb_params *p, struct pb_err *err)
{
	struct pb_nic_config c;

	return nic_config(p, false, &c, err);
}

static int nic2_check(const struct pb_params *p, struct pb_err *err)
{
	struct pb_nic_config c;

	if (nic_config(p, true, &c, err))
		return -1;
	if (!c.weight[PB_NIC_TX] && !c.weight[PB_NIC_REDIRECT])
		return pb_err_set(err, "verdict=%s: nic-2cpu needs tx or redirect frames for its tx CPU",
				  pb_param_str(p, nic_params, "verdict"));
	return 0;
}

static int prepare(struct pb_wl_run *r, bool tx_remote, struct pb_err *err)
{
	struct pb_nic_config c;

	if (nic_config(r->params, tx_remote, &c, err))
		return -1;
	r->state = pb_nic_create(&c, r->alloc, err);
	if (!r->state)
		return -1;
	if (tx_remote && !pb_nic_tx_frames(r->state)) {
		pb_nic_destroy(r->state);
		r->state = NULL;
		return pb_err_set(err, "nic-2cpu: no frame of the table goes to the tx CPU (raise packets=)");
	}
	return 0;
}

static int nic_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	return prepare(r, false, err);
}

static int nic2_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	return prepare(r, true, err);
}

static uint64_t nic_work(const struct pb_wl_run *r, unsigned t)
{
	return t ? pb_nic_tx_frames(r->state) : pb_param_u64(r->params, nic_params, "packets");
}

static bool rx_body(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n)
{
	const char *why = NULL;

	if (pb_nic_rx(r->state, first, n, &r->track[0].wait, r->shared_cpus, &why))
		return true;
	r->failed = why;
	return false;
}

static bool tx_body(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n)
{
	if (pb_nic_tx(r->state, first, n, &r->track[1].wait, r->shared_cpus))
		return true;
	r->failed = "the rx CPU stopped";
	return false;
}

static void nic_run(struct pb_wl_run *r, unsigned t)
{
	pb_wl_time_windows(r, t, t ? tx_body : rx_body);
}

static void nic_cleanup(struct pb_wl_run *r)
{
	pb_nic_destroy(r->state);
	r->state = NULL;
}

/* The posted ring, a full TX ring and the frame in hand. */
static uint64_t nic_held(const struct pb_params *p, char *why, size_t len)
{
	uint64_t ring = pb_param_u64(p, nic_params, "ring"), tx = pb_param_u64(p, nic_params, "tx_ring");

	snprintf(why, len, "ring=%llu + tx_ring=%llu", (unsigned long long)ring, (unsigned long long)tx);
	return ring + tx + 1;
}

/* One verdict names its path; a mix says so (and verdict= gives the shares). */
static enum pb_wl_path nic_path(const struct pb_params *p)
{
	uint32_t w[PB_NIC_VERDICTS];
	unsigned nonzero = 0, last = 0;

	if (parse_verdict(pb_param_str(p, nic_params, "verdict"), w, NULL))
		return PB_WL_PATH_MIXED;
	for (unsigned v = 0; v < PB_NIC_VERDICTS; v++)
		if (w[v]) {
			nonzero++;
			last = v;
		}
	if (nonzero > 1)
		return PB_WL_PATH_MIXED;
	switch (last) {
	case PB_NIC_DROP:
		return PB_WL_PATH_XDP;
	case PB_NIC_PASS:
		return pb_param_u64(p, nic_params, "skb") ? PB_WL_PATH_SKB_65 : PB_WL_PATH_SKB_61;
	default:
		return PB_WL_PATH_TX_DONE;
	}
}

const struct pb_workload pb_wl_nic = {
	.name = "nic",
	.desc = "NIC/driver model: RX ring, NAPI polls, refill, TX ring completed in the same NAPI (fixed work)",
	.params = nic_params,
	.nthreads = 1,
	.work_size = nic_work,
	.window = NIC_WINDOW,
	.check = nic_check,
	.prepare = nic_prepare,
	.run = nic_run,
	.cleanup = nic_cleanup,
	.bufs_held = nic_held,
	.path = nic_path,
};

const struct pb_workload pb_wl_nic_2cpu = {
	.name = "nic-2cpu",
	.desc = "NIC/driver model with TX completion on a second CPU (roles rx, tx; fixed work)",
	.params = nic_params,
	.nthreads = 2,
	.tracks = { "rx", "tx" },
	.concurrent = true,
	.work_size = nic_work,
	.window = NIC_WINDOW,
	.check = nic2_check,
	.prepare = nic2_prepare,
	.run = nic_run,
	.cleanup = nic_cleanup,
	.bufs_held = nic_held,
	.path = nic_path,
};
