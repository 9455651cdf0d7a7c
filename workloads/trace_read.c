// SPDX-License-Identifier: GPL-2.0-only
/*
 * The streaming trace reader: the header is read and checked at open, then one block at a
 * time (its CRC checked before any of its events is handed out). Every error names the
 * file, the byte offset and the field, so a corrupt, truncated or foreign file is one line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace_codec.h"
#include "trace_format.h"

struct pb_trace_reader {
	FILE *f;
	char path[4096];
	struct pb_trace_header hdr;
	uint64_t off;			/* file offset of the next unread byte */
	uint64_t count;			/* events handed out */
	uint64_t ev_off;		/* offset of the last event handed out */
	bool done;
	/* delta state */
	uint64_t last_time, last_rx_pkt;
	uint32_t last_len;
	unsigned last_cpu;
	/* the current block */
	uint64_t block_off;		/* file offset of its payload */
	uint32_t block_events, block_bytes, pos, left;
	uint8_t block[PB_TRACE_BLOCK_BYTES];
};

/* Reads @n bytes of @field; -1 + "byte N: truncated in FIELD" at end of file. */
static int rd(struct pb_trace_reader *r, void *p, size_t n, const char *field, struct pb_err *err)
{
	size_t got = fread(p, 1, n, r->f);

	if (got != n) {
		if (ferror(r->f))
			return pb_err_set(err, "%s: byte %llu: %s: read failed: %s", r->path,
					  (unsigned long long)(r->off + got), field, strerror(errno));
		return pb_err_set(err, "%s: byte %llu: %s: truncated (file ends %zu of %zu bytes in)",
				  r->path, (unsigned long long)(r->off + got), field, got, n);
	}
	r->off += n;
	return 0;
}

static int read_header(struct pb_trace_reader *r, struct pb_err *err)
{
	uint8_t fixed[PB_TRACE_HDR_FIXED], glen, crcb[4];
	struct pb_trace_header *h = &r->hdr;
	uint32_t crc, plen;
	uint16_t version;

	if (rd(r, fixed, 8, "magic", err))
		return -1;
	if (memcmp(fixed, PB_TRACE_MAGIC, 8))
		return pb_err_set(err, "%s: byte 0: magic: not a pagebench trace", r->path);
	if (rd(r, fixed + 8, PB_TRACE_HDR_FIXED - 8, "header", err))
		return -1;
	version = (uint16_t)pb_get_le(fixed + 8, 2);
	if (version != PB_TRACE_VERSION)
		return pb_err_set(err, "%s: byte 8: version: %u, this pagebench reads version %d",
				  r->path, version, PB_TRACE_VERSION);
	h->version = version;
	h->ncpus = (uint16_t)pb_get_le(fixed + 10, 2);
	if (!h->ncpus || h->ncpus > PB_TRACE_MAX_CPUS)
		return pb_err_set(err, "%s: byte 10: ncpus: %u (must be 1..%d)", r->path, h->ncpus,
				  PB_TRACE_MAX_CPUS);
	plen = (uint32_t)pb_get_le(fixed + 12, 4);
	if (plen >= PB_TRACE_PARAMS_MAX)
		return pb_err_set(err, "%s: byte 12: params length: %u (at most %d)", r->path, plen,
				  PB_TRACE_PARAMS_MAX - 1);
	h->seed = pb_get_le(fixed + 16, 8);
	h->nevents = pb_get_le(fixed + PB_TRACE_HDR_COUNT_OFF, 8);
	crc = pb_trace_crc32(0, fixed, PB_TRACE_HDR_FIXED);
	if (rd(r, &glen, 1, "generator length", err))
		return -1;
	if (glen >= PB_TRACE_NAME_MAX)
		return pb_err_set(err, "%s: byte %llu: generator length: %u (at most %d)", r->path,
				  (unsigned long long)(r->off - 1), glen, PB_TRACE_NAME_MAX - 1);
	if (rd(r, h->generator, glen, "generator", err) || rd(r, h->roles, h->ncpus, "roles", err) ||
	    rd(r, h->params, plen, "params", err))
		return -1;
	crc = pb_trace_crc32(crc, &glen, 1);
	crc = pb_trace_crc32(crc, h->generator, glen);
	crc = pb_trace_crc32(crc, h->roles, h->ncpus);
	crc = pb_trace_crc32(crc, h->params, plen);
	if (rd(r, crcb, 4, "header crc", err))
		return -1;
	if ((uint32_t)pb_get_le(crcb, 4) != crc)
		return pb_err_set(err, "%s: byte %llu: header crc: mismatch (header or params corrupt)",
				  r->path, (unsigned long long)(r->off - 4));
	/* after the CRC: a bad value here is a writer's bug or a forged file, still named */
	for (unsigned c = 0; c < h->ncpus; c++)
		if (!h->roles[c] || h->roles[c] & ~PB_ROLE_ALL)
			return pb_err_set(err, "%s: byte %llu: roles: cpu %u has role mask 0x%x", r->path,
					  (unsigned long long)(PB_TRACE_HDR_FIXED + 1 + glen + c), c,
					  h->roles[c]);
	if (memchr(h->generator, 0, glen) || memchr(h->params, 0, plen))
		return pb_err_set(err, "%s: header: NUL byte inside the generator name or params", r->path);
	return 0;
}

struct pb_trace_reader *pb_trace_open(const char *path, struct pb_err *err)
{
	struct pb_trace_reader *r;

	r = calloc(1, sizeof(*r));
	if (!r)
		return pb_err_set(err, "%s: out of memory", path), NULL;
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->f = fopen(path, "rb");
	if (!r->f) {
		pb_err_set(err, "%s: cannot open: %s", path, strerror(errno));
		free(r);
		return NULL;
	}
	if (read_header(r, err)) {
		pb_trace_close(r);
		return NULL;
	}
	return r;
}

const struct pb_trace_header *pb_trace_reader_header(const struct pb_trace_reader *r)
{
	return &r->hdr;
}

/* Reads the next block or the trailer; 1 with a block, 0 at the (checked) end, -1. */
static int next_block(struct pb_trace_reader *r, struct pb_err *err)
{
	uint8_t head[12], crcb[4], end[12];
	uint64_t tag_off = r->off, total;
	uint32_t tag, crc;
	int c;

	if (rd(r, head, 4, "block tag", err))
		return -1;
	tag = (uint32_t)pb_get_le(head, 4);
	if (tag == PB_TRACE_TAG_END) {
		if (rd(r, end, 12, "trailer", err))
			return -1;
		total = pb_get_le(end, 8);
		if ((uint32_t)pb_get_le(end + 8, 4) != pb_trace_crc32(0, end, 8))
			return pb_err_set(err, "%s: byte %llu: trailer crc: mismatch", r->path,
					  (unsigned long long)(r->off - 4));
		if (total != r->count)
			return pb_err_set(err, "%s: byte %llu: trailer count: %llu events, the blocks held %llu",
					  r->path, (unsigned long long)(tag_off + 4),
					  (unsigned long long)total, (unsigned long long)r->count);
		if (total != r->hdr.nevents)
			return pb_err_set(err, "%s: byte %d: header count: %llu events, the file holds %llu",
					  r->path, PB_TRACE_HDR_COUNT_OFF,
					  (unsigned long long)r->hdr.nevents, (unsigned long long)total);
		if ((c = fgetc(r->f)) != EOF)
			return pb_err_set(err, "%s: byte %llu: trailing data after the trailer", r->path,
					  (unsigned long long)r->off);
		return 0;
	}
	if (tag != PB_TRACE_TAG_BLOCK)
		return pb_err_set(err, "%s: byte %llu: block tag: 0x%08x is neither a block nor the trailer",
				  r->path, (unsigned long long)tag_off, tag);
	if (rd(r, head + 4, 8, "block header", err))
		return -1;
	r->block_events = (uint32_t)pb_get_le(head + 4, 4);
	r->block_bytes = (uint32_t)pb_get_le(head + 8, 4);
	if (!r->block_events || r->block_events > PB_TRACE_BLOCK_EVENTS)
		return pb_err_set(err, "%s: byte %llu: block event count: %u (must be 1..%d)", r->path,
				  (unsigned long long)(tag_off + 4), r->block_events, PB_TRACE_BLOCK_EVENTS);
	if (r->block_bytes < r->block_events || r->block_bytes > PB_TRACE_BLOCK_BYTES)
		return pb_err_set(err, "%s: byte %llu: block length: %u bytes for %u events", r->path,
				  (unsigned long long)(tag_off + 8), r->block_bytes, r->block_events);
	r->block_off = r->off;
	if (rd(r, r->block, r->block_bytes, "block payload", err) || rd(r, crcb, 4, "block crc", err))
		return -1;
	crc = pb_trace_crc32(pb_trace_crc32(0, head + 4, 8), r->block, r->block_bytes);
	if ((uint32_t)pb_get_le(crcb, 4) != crc)
		return pb_err_set(err, "%s: byte %llu: block crc: mismatch (block of events %llu..%llu at byte %llu is corrupt)",
				  r->path, (unsigned long long)(r->off - 4), (unsigned long long)r->count,
				  (unsigned long long)(r->count + r->block_events - 1),
				  (unsigned long long)tag_off);
	r->pos = 0;
	r->left = r->block_events;
	return 1;
}

static int bad_event(struct pb_trace_reader *r, const char *field, struct pb_err *err)
{
	return pb_err_set(err, "%s: byte %llu: event %llu: %s", r->path,
			  (unsigned long long)(r->block_off + r->pos), (unsigned long long)r->count, field);
}

int pb_trace_next(struct pb_trace_reader *r, struct pb_trace_event *ev, struct pb_err *err)
{
	const uint8_t *p;
	uint64_t v;
	unsigned n, avail;
	uint8_t b;
	int rc;

	if (r->done)
		return 0;
	if (!r->left) {
		if (r->pos != r->block_bytes)
			return bad_event(r, "block payload: bytes left after its last event", err);
		rc = next_block(r, err);
		if (rc <= 0) {
			r->done = rc == 0;
			return rc;
		}
	}
	p = r->block + r->pos;
	avail = r->block_bytes - r->pos;
	b = *p;
	if (PB_EV_KIND(b) >= PB_TK_NKINDS || PB_EV_PATH(b) >= PB_TP_NPATHS)
		return bad_event(r, "path: out of range", err);
	ev->kind = PB_EV_KIND(b);
	ev->path = PB_EV_PATH(b);
	n = 1;
	ev->cpu = (uint16_t)r->last_cpu;
	if (b & PB_EV_CPU_CHANGED) {
		if (n >= avail)
			return bad_event(r, "cpu: past the block's end", err);
		ev->cpu = p[n++];
		if (ev->cpu >= r->hdr.ncpus)
			return bad_event(r, "cpu: out of range for the header's CPUs", err);
	}
	if (!(rc = (int)pb_get_varint(p + n, avail - n, &v)))
		return bad_event(r, "time: varint past the block's end or too long", err);
	n += (unsigned)rc;
	if (v > UINT64_MAX - r->last_time)
		return bad_event(r, "time: overflows 64 bits", err);
	ev->time_ns = r->last_time + v;
	ev->pkt = 0;
	if (ev->kind != PB_TK_NAPI_POLL_END) {
		if (!(rc = (int)pb_get_varint(p + n, avail - n, &v)))
			return bad_event(r, "packet: varint past the block's end or too long", err);
		n += (unsigned)rc;
		ev->pkt = r->last_rx_pkt + (uint64_t)pb_unzigzag(v);
		if (!ev->pkt)
			return bad_event(r, "packet: id 0", err);
	}
	ev->len = r->last_len;
	if (!(b & PB_EV_LEN_SAME)) {
		if (!(rc = (int)pb_get_varint(p + n, avail - n, &v)) || v > UINT32_MAX)
			return bad_event(r, "len: bad varint", err);
		n += (unsigned)rc;
		ev->len = (uint32_t)v;
	}
	r->ev_off = r->block_off + r->pos;
	r->pos += n;
	r->left--;
	r->count++;
	r->last_time = ev->time_ns;
	r->last_cpu = ev->cpu;
	r->last_len = ev->len;
	if (ev->kind == PB_TK_RX)
		r->last_rx_pkt = ev->pkt;
	return 1;
}

uint64_t pb_trace_reader_offset(const struct pb_trace_reader *r)
{
	return r->ev_off;
}

void pb_trace_close(struct pb_trace_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r);
}
