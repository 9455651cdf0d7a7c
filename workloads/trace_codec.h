/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The trace file's byte-level coding, shared by the reader and the writer only: CRC32,
 * little-endian fields, varints, the block tags and the event's first byte.
 */
#ifndef PB_TRACE_CODEC_H
#define PB_TRACE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define PB_TRACE_MAGIC "PBTRACE"	/* 8 bytes with its NUL */
#define PB_TRACE_TAG_BLOCK 0x4b4c4245u	/* "EBLK" little-endian */
#define PB_TRACE_TAG_END 0x444e4545u	/* "EEND" */
#define PB_TRACE_BLOCK_EVENTS 4096	/* a writer flushes a block at this many events */
#define PB_TRACE_BLOCK_BYTES 65536	/* ... or when its payload could pass this */
#define PB_TRACE_EVENT_MAX_BYTES 28	/* first byte, cpu, 3 varints of up to 10 bytes (len 5) */
/* Fixed part of the header before the generator name: magic, version, ncpus, plen, seed, count. */
#define PB_TRACE_HDR_FIXED 32
#define PB_TRACE_HDR_COUNT_OFF 24

/* The event's first byte: kind (3 bits), path (3 bits), new CPU follows, len as before. */
#define PB_EV_KIND(b) ((b) & 7u)
#define PB_EV_PATH(b) (((b) >> 3) & 7u)
#define PB_EV_CPU_CHANGED 0x40u
#define PB_EV_LEN_SAME 0x80u

/* CRC32 (IEEE 802.3, reflected) of @n bytes at @p continuing from @crc (start with 0). */
uint32_t pb_trace_crc32(uint32_t crc, const void *p, size_t n);

static inline void pb_put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t pb_get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Appends the LEB128 varint of @v at @p; returns the bytes written (1..10). */
static inline unsigned pb_put_varint(uint8_t *p, uint64_t v)
{
	unsigned n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Decodes a varint from @p[0..@avail); the bytes used, or 0 when truncated or over 64 bits. */
static inline unsigned pb_get_varint(const uint8_t *p, size_t avail, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < avail && i < 10; i++) {
		if (i == 9 && p[i] > 1)
			return 0;
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

static inline uint64_t pb_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t pb_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif
