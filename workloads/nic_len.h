/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frame lengths of the NIC/driver model (len=): one length, the simple IMIX (7:4:1 of 64,
 * 576 and 1500 bytes, the same mix the trace generators draw), or a distribution read from
 * a file. A distribution file has one "LENGTH [WEIGHT]" per line (weight 1 when left out);
 * '#' starts a comment, blank lines are skipped:
 *     # a DNS-heavy edge: mostly small frames
 *     64   90
 *     1500 10
 */
#ifndef PB_NIC_LEN_H
#define PB_NIC_LEN_H

#include <stdint.h>
#include "params.h"

#define PB_NIC_LEN_MIN 14	/* an Ethernet header */
#define PB_NIC_LEN_MAX 4096	/* one buffer per frame: no multi-buffer (jumbo) frames */
#define PB_NIC_LEN_ENTRIES 64	/* distinct lengths a distribution may have */

struct pb_nic_len {
	unsigned n;				/* entries */
	uint32_t len[PB_NIC_LEN_ENTRIES];
	uint64_t cum[PB_NIC_LEN_ENTRIES];	/* cumulative weight up to and including entry i */
};

/*
 * Parses a len= value ("64", "imix", "file:PATH") into @d; -1 + @err otherwise. A file's
 * error names PATH:LINE and the problem.
 */
int pb_nic_len_parse(const char *value, struct pb_nic_len *d, struct pb_err *err);
/* The len= check of a parameter table: pb_nic_len_parse without keeping the result. */
int pb_nic_len_check(const char *value, struct pb_err *err);
/* The length that the uniform 64-bit draw @x picks (weights exact up to 2^-32). */
uint32_t pb_nic_len_pick(const struct pb_nic_len *d, uint64_t x);
/* The weighted mean length of @d. */
double pb_nic_len_mean(const struct pb_nic_len *d);

/* The simple IMIX's total weight: draws in [0, PB_IMIX_WEIGHT) pick its lengths. */
#define PB_IMIX_WEIGHT 12
/* The simple IMIX's frame length for the draw @r in [0, PB_IMIX_WEIGHT): 7 of 64, 4 of 576, 1 of 1500. */
uint32_t pb_imix_len(uint64_t r);

#endif
