/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An IOVA allocator in the manner of drivers/iommu/iova.c: allocated ranges kept in a
 * balanced search tree, new ranges placed top-down below a cached hint, each range
 * size-aligned. It is not thread-safe: the DMA model calls it under its domain lock, which
 * is exactly where the kernel's contention is.
 */
#ifndef PB_IOVA_H
#define PB_IOVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_iova_domain;

/* A domain handing out IOVA page frames in [start_pfn, limit_pfn]; NULL on out-of-memory. */
struct pb_iova_domain *pb_iova_create(uint64_t start_pfn, uint64_t limit_pfn);
/* Frees the domain and every range still allocated in it. */
void pb_iova_destroy(struct pb_iova_domain *d);
/* Allocates 2^order frames aligned to their size, highest free first; returns the first pfn, or 0 when full. */
uint64_t pb_iova_alloc(struct pb_iova_domain *d, unsigned order);
/* Frees the range that starts at @pfn; false when no range starts there. */
bool pb_iova_free(struct pb_iova_domain *d, uint64_t pfn);
/* Ranges currently allocated. */
size_t pb_iova_count(const struct pb_iova_domain *d);

#endif
