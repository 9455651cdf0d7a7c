// SPDX-License-Identifier: GPL-2.0-only
/*
 * The streaming trace writer: events are coded into one block buffer, each full block is
 * written with its CRC; commit writes the trailer, puts the final count and CRC into the
 * header (rewritten in place: its size does not change) and puts the file in place through
 * the one output-file writer (atomic_file.h: a temporary file beside PATH, fsync, rename), so
 * a failed gen or import leaves the previous PATH, or none, never a partial trace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "atomic_file.h"
#include "trace_codec.h"
#include "trace_format.h"

struct pb_trace_writer {
	struct pb_afile af;
	FILE *f;			/* af.f */
	char path[4096];
	struct pb_trace_header hdr;
	uint64_t count;
	/* delta state, continuous across blocks */
	uint64_t last_time, last_rx_pkt;
	uint32_t last_len;
	unsigned last_cpu;
	/* the block being filled */
	uint32_t block_events, block_bytes;
	uint8_t block[PB_TRACE_BLOCK_BYTES + 16];
};

/* The serialized header of @h into @buf (big enough); returns its length. */
static size_t header_bytes(const struct pb_trace_header *h, uint64_t nevents, uint8_t *buf)
{
	size_t glen = strlen(h->generator), plen = strlen(h->params), n = 0;

	memcpy(buf, PB_TRACE_MAGIC, 8);
	pb_put_le(buf + 8, PB_TRACE_VERSION, 2);
	pb_put_le(buf + 10, h->ncpus, 2);
	pb_put_le(buf + 12, plen, 4);
	pb_put_le(buf + 16, h->seed, 8);
	pb_put_le(buf + PB_TRACE_HDR_COUNT_OFF, nevents, 8);
	n = PB_TRACE_HDR_FIXED;
	buf[n++] = (uint8_t)glen;
	memcpy(buf + n, h->generator, glen);
	n += glen;
	memcpy(buf + n, h->roles, h->ncpus);
	n += h->ncpus;
	memcpy(buf + n, h->params, plen);
	n += plen;
	pb_put_le(buf + n, pb_trace_crc32(0, buf, n), 4);
	return n + 4;
}

static int write_all(struct pb_trace_writer *w, const void *p, size_t n, struct pb_err *err)
{
	if (fwrite(p, 1, n, w->f) != n)
		return pb_err_set(err, "%s: write failed: %s; %s", w->path, strerror(errno),
				  pb_afile_left(w->af.had_target));
	return 0;
}

struct pb_trace_writer *pb_trace_create(const char *path, const struct pb_trace_header *h,
					struct pb_err *err)
{
	uint8_t hb[PB_TRACE_HDR_FIXED + 1 + PB_TRACE_NAME_MAX + PB_TRACE_MAX_CPUS + PB_TRACE_PARAMS_MAX + 4];
	struct pb_trace_writer *w;
	size_t n;
	int e;

	if (!h->ncpus || h->ncpus > PB_TRACE_MAX_CPUS)
		return pb_err_set(err, "%s: a trace needs 1..%d CPUs, not %u", path, PB_TRACE_MAX_CPUS,
				  h->ncpus), NULL;
	if (strlen(path) >= sizeof(w->path))
		return pb_err_set(err, "%s: path too long", path), NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return pb_err_set(err, "%s: out of memory", path), NULL;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->hdr = *h;
	e = pb_afile_open(&w->af, path);
	if (e) {
		pb_err_set(err, "%s: cannot create: %s", path, strerror(e));
		free(w);
		return NULL;
	}
	w->f = w->af.f;
	n = header_bytes(h, 0, hb);
	if (write_all(w, hb, n, err)) {
		pb_trace_abort(w);
		return NULL;
	}
	return w;
}

static int flush_block(struct pb_trace_writer *w, struct pb_err *err)
{
	uint8_t head[12], tail[4];
	uint32_t crc;

	if (!w->block_events)
		return 0;
	pb_put_le(head, PB_TRACE_TAG_BLOCK, 4);
	pb_put_le(head + 4, w->block_events, 4);
	pb_put_le(head + 8, w->block_bytes, 4);
	crc = pb_trace_crc32(pb_trace_crc32(0, head + 4, 8), w->block, w->block_bytes);
	pb_put_le(tail, crc, 4);
	if (write_all(w, head, 12, err) || write_all(w, w->block, w->block_bytes, err) ||
	    write_all(w, tail, 4, err))
		return -1;
	w->block_events = w->block_bytes = 0;
	return 0;
}

int pb_trace_write(struct pb_trace_writer *w, const struct pb_trace_event *ev, struct pb_err *err)
{
	uint8_t *p;
	uint8_t b;

	if (ev->kind >= PB_TK_NKINDS || ev->path >= PB_TP_NPATHS)
		return pb_err_set(err, "%s: event %llu: kind %u or path %u out of range", w->path,
				  (unsigned long long)w->count, ev->kind, ev->path);
	if (ev->cpu >= w->hdr.ncpus)
		return pb_err_set(err, "%s: event %llu: cpu %u but the trace has %u CPUs", w->path,
				  (unsigned long long)w->count, ev->cpu, w->hdr.ncpus);
	if (ev->time_ns < w->last_time)
		return pb_err_set(err, "%s: event %llu: time %llu ns before the previous %llu ns", w->path,
				  (unsigned long long)w->count, (unsigned long long)ev->time_ns,
				  (unsigned long long)w->last_time);
	if ((ev->kind == PB_TK_NAPI_POLL_END) != (ev->pkt == 0))
		return pb_err_set(err, "%s: event %llu: %s with packet id %llu (0 is napi_poll_end's only)",
				  w->path, (unsigned long long)w->count, pb_trace_kind_name(ev->kind),
				  (unsigned long long)ev->pkt);
	if (w->block_events >= PB_TRACE_BLOCK_EVENTS ||
	    w->block_bytes + PB_TRACE_EVENT_MAX_BYTES > PB_TRACE_BLOCK_BYTES)
		if (flush_block(w, err))
			return -1;
	p = w->block + w->block_bytes;
	b = (uint8_t)(ev->kind | ev->path << 3);
	if (ev->cpu != w->last_cpu)
		b |= PB_EV_CPU_CHANGED;
	if (ev->len == w->last_len)
		b |= PB_EV_LEN_SAME;
	*p++ = b;
	if (b & PB_EV_CPU_CHANGED)
		*p++ = (uint8_t)ev->cpu;
	p += pb_put_varint(p, ev->time_ns - w->last_time);
	if (ev->kind != PB_TK_NAPI_POLL_END)
		/* relative to the newest rx: small while few packets are in flight */
		p += pb_put_varint(p, pb_zigzag((int64_t)(ev->pkt - w->last_rx_pkt)));
	if (!(b & PB_EV_LEN_SAME))
		p += pb_put_varint(p, ev->len);
	w->block_bytes = (uint32_t)(p - w->block);
	w->block_events++;
	w->last_time = ev->time_ns;
	w->last_cpu = ev->cpu;
	w->last_len = ev->len;
	if (ev->kind == PB_TK_RX)
		w->last_rx_pkt = ev->pkt;
	w->count++;
	return 0;
}

int pb_trace_commit(struct pb_trace_writer *w, struct pb_err *err)
{
	uint8_t hb[PB_TRACE_HDR_FIXED + 1 + PB_TRACE_NAME_MAX + PB_TRACE_MAX_CPUS + PB_TRACE_PARAMS_MAX + 4];
	uint8_t end[16];
	size_t n;

	if (flush_block(w, err))
		goto fail;
	pb_put_le(end, PB_TRACE_TAG_END, 4);
	pb_put_le(end + 4, w->count, 8);
	pb_put_le(end + 12, pb_trace_crc32(0, end + 4, 8), 4);
	if (write_all(w, end, 16, err))
		goto fail;
	n = header_bytes(&w->hdr, w->count, hb);
	if (fseek(w->f, 0, SEEK_SET) || write_all(w, hb, n, err))
		goto fail;
	{
		bool had = w->af.had_target;
		int e = pb_afile_commit(&w->af);

		w->f = NULL;
		if (e) {
			pb_err_set(err, "%s: write failed: %s; %s", w->path, strerror(e), pb_afile_left(had));
			free(w);
			return -1;
		}
	}
	free(w);
	return 0;
fail:
	pb_trace_abort(w);
	return -1;
}

void pb_trace_abort(struct pb_trace_writer *w)
{
	if (!w)
		return;
	pb_afile_abort(&w->af);
	free(w);
}

uint64_t pb_trace_writer_count(const struct pb_trace_writer *w)
{
	return w->count;
}

static int writer_emit(void *ctx, const struct pb_trace_event *ev, struct pb_err *err)
{
	return pb_trace_write(ctx, ev, err);
}

struct pb_trace_sink pb_trace_writer_sink(struct pb_trace_writer *w)
{
	return (struct pb_trace_sink){ .emit = writer_emit, .ctx = w };
}
