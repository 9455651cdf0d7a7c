/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet data touched. A driver's first access to a received buffer is its header: it reads
 * the first cache line (eth_type_trans, the XDP program, napi_gro_receive's header peek) and
 * writes it (an XDP rewrite, skb_pull's bookkeeping in the head), and that line is the RX
 * path's first cache miss. Which allocator handed the buffer out decides whether the line is
 * still in the cache: a LIFO cache hands back the line it just wrote, a 512-entry half-page
 * ring or a walk through 32 KiB frag pages does not. So every loop that stands for "a packet
 * arrived" reads and writes the first touch= bytes of each buffer it gets (workloads/touch.h),
 * userspace and the kernel module alike, the k_* loops included: like-named rows do the same
 * work. Every byte touched is read and written back changed (8 bytes at a time, then the
 * tail), so neither the compiler nor the cache can skip it.
 */
#ifndef PB_BUF_TOUCH_H
#define PB_BUF_TOUCH_H

#include <stdint.h>

/* Reads the 8 bytes at @p (any alignment) and writes them back incremented. */
static inline __attribute__((always_inline)) void pb_touch_word(unsigned char *p)
{
	uint64_t w;

	__builtin_memcpy(&w, p, sizeof(w));
	w++;
	__builtin_memcpy(p, &w, sizeof(w));
}

/* One 64-byte line: eight words, written out so the compiler emits them with no loop. */
static inline __attribute__((always_inline)) void pb_touch_line(unsigned char *p)
{
	pb_touch_word(p);
	pb_touch_word(p + 8);
	pb_touch_word(p + 16);
	pb_touch_word(p + 24);
	pb_touch_word(p + 32);
	pb_touch_word(p + 40);
	pb_touch_word(p + 48);
	pb_touch_word(p + 56);
}

/*
 * Reads and writes the first @bytes bytes at @buf, which the caller owns (its buffer, at
 * least @bytes long). @bytes 0 touches nothing.
 */
static inline __attribute__((always_inline)) void pb_buf_touch(void *buf, uint32_t bytes)
{
	unsigned char *p, *end;

	/* First, so that with touch=0 the caller's address arithmetic sinks in here too. */
	if (!bytes)
		return;
	p = buf;
	end = p + (bytes & ~63u);
	for (; p != end; p += 64)
		pb_touch_line(p);
	bytes &= 63;
	if (__builtin_expect(bytes != 0, 0)) {	/* a length not a multiple of 64 */
		for (; bytes >= 8; bytes -= 8, p += 8)
			pb_touch_word(p);
		for (; bytes; bytes--, p++)
			p[0]++;
	}
}

#endif
