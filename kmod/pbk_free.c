// SPDX-License-Identifier: GPL-2.0-only
/*
 * The system's free pages, for the leak checks. NR_FREE_PAGES alone would not do: pages a
 * CPU freed sit on its per-CPU lists, which 6.1 does not count as free, and the per-CPU
 * counter deltas are folded in only now and then. Both are added here, so a page that went
 * back to the page allocator counts as back wherever it is parked.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/vmstat.h>
#include "pbk.h"

long pbk_free_pages(void)
{
	long n = 0;
	int nid, cpu;

	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			if (!populated_zone(zone))
				continue;
			n += zone_page_state_snapshot(zone, NR_FREE_PAGES);
			for_each_online_cpu(cpu)
				n += READ_ONCE(per_cpu_ptr(zone->per_cpu_pageset, cpu)->count);
		}
	}
	return n;
}

long pbk_free_settle(long want, unsigned ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	long d;

	/* Deferred frees (a page_pool's release work, RCU) may still be on their way back. */
	for (;;) {
		d = pbk_free_pages() - want;
		if (abs(d) <= PBK_FREE_TOLERANCE || time_after(jiffies, end))
			return d;
		msleep(50);
	}
}
