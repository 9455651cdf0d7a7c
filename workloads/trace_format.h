/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pagebench trace: a versioned binary file of packet-life events (docs/traces.md).
 *
 *   header   magic "PBTRACE\0", version, CPU count, params length, seed, event count,
 *            generator name, one role mask per CPU, params text ("k=v\n" lines), CRC32
 *   blocks   "EBLK", events in block, payload bytes, payload (varint-coded events), CRC32
 *   trailer  "EEND", total events (must equal the header's), CRC32
 *
 * Reading and writing stream: a reader holds one block (at most 64 KiB), a writer one
 * block, so memory does not grow with the trace. Anything that consumes events (the
 * checker, the writer, a replay engine) takes them through a struct pb_trace_sink, and
 * anything that produces them (a file, a generator) is a struct pb_trace_source.
 */
#ifndef PB_TRACE_FORMAT_H
#define PB_TRACE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "params.h"

#define PB_TRACE_VERSION 1
#define PB_TRACE_MAX_CPUS 64
#define PB_TRACE_PARAMS_MAX 8192
#define PB_TRACE_NAME_MAX 64

/* What happened. A packet's life: rx, then maybe redirect/sock_enqueue, then one release. */
enum pb_trace_kind {
	PB_TK_RX,		/* a frame arrived in an RX buffer (the allocation) */
	PB_TK_NAPI_POLL_END,	/* a NAPI poll ended; pkt 0, len = packets the poll handled */
	PB_TK_TX_COMPLETE,	/* release: TX completion freed the frame (XDP_TX/REDIRECT) */
	PB_TK_SOCK_ENQUEUE,	/* the skb was queued to a socket (still held) */
	PB_TK_SOCK_RELEASE,	/* release: the socket reader (or a drop in the stack) freed it */
	PB_TK_REDIRECT,		/* XDP_REDIRECT handed the frame on (still held) */
	PB_TK_DROP,		/* release: XDP_DROP recycled the frame in the poll */
	PB_TK_COPYBREAK,	/* release: the frame was copied out, the buffer reused at once */
	PB_TK_NKINDS
};

/* The return path of a packet, fixed at rx (the fidelity issue's names). */
enum pb_trace_path {
	PB_TP_NONE,		/* napi_poll_end */
	PB_TP_XDP_DROP,		/* direct recycle in the poll */
	PB_TP_XDP_TX,		/* freed at TX completion of the same device */
	PB_TP_XDP_REDIRECT,	/* freed at TX completion, maybe on another CPU */
	PB_TP_SKB,		/* PASS: an skb, freed by its socket's reader or the stack */
	PB_TP_NPATHS
};

/* CPU role bits: which kinds of event a trace CPU may carry (pb_trace_kind_role). */
#define PB_ROLE_RX	1u
#define PB_ROLE_TX	2u
#define PB_ROLE_SOCK	4u
#define PB_ROLE_ALL	7u

struct pb_trace_event {
	uint64_t time_ns;	/* non-decreasing through the trace */
	uint64_t pkt;		/* packet id >= 1 (rx ids strictly increase); 0 for napi_poll_end */
	uint32_t len;		/* frame bytes; napi_poll_end: packets in the poll */
	uint16_t cpu;		/* index into the header's CPUs */
	uint8_t kind;		/* enum pb_trace_kind */
	uint8_t path;		/* enum pb_trace_path */
};

struct pb_trace_header {
	uint16_t version;
	char generator[PB_TRACE_NAME_MAX];	/* generator or importer name */
	uint64_t seed;
	uint16_t ncpus;				/* 1..PB_TRACE_MAX_CPUS */
	uint8_t roles[PB_TRACE_MAX_CPUS];	/* PB_ROLE_* bits per CPU */
	uint64_t nevents;			/* events in the file (set by the writer at commit) */
	char params[PB_TRACE_PARAMS_MAX];	/* "k=v\n" lines, NUL-terminated */
};

/* A consumer of events: emit() returns 0, or -1 + @err to stop the producer. */
struct pb_trace_sink {
	int (*emit)(void *ctx, const struct pb_trace_event *ev, struct pb_err *err);
	void *ctx;
};

/* The kind's name ("rx", "tx_complete", ...), or "?" when out of range. */
const char *pb_trace_kind_name(unsigned kind);
/* The path's name ("xdp_drop", "xdp_tx", "xdp_redirect", "skb", "-"), or "?". */
const char *pb_trace_path_name(unsigned path);
/* The kind whose name is @name, or -1. */
int pb_trace_kind_parse(const char *name);
/* The role a CPU needs to carry an event of @kind (PB_ROLE_RX, _TX or _SOCK). */
unsigned pb_trace_kind_role(unsigned kind);
/* True for the kinds that end a packet's life (tx_complete, sock_release, drop, copybreak). */
bool pb_trace_kind_releases(unsigned kind);
/* Writes roles @mask as "rx+tx" (or "none") into @buf; returns @buf. */
char *pb_trace_roles_format(unsigned mask, char *buf, size_t len);
/* Parses "rx+tx+sock" into *@mask; -1 + @err naming @what when a word is not a role. */
int pb_trace_roles_parse(const char *s, unsigned *mask, const char *what, struct pb_err *err);

/* Initialises @h for a new trace: version, @generator, @seed, no CPUs, no params. */
void pb_trace_header_init(struct pb_trace_header *h, const char *generator, uint64_t seed);
/* Appends a CPU with roles @mask; -1 + @err when PB_TRACE_MAX_CPUS are already there. */
int pb_trace_header_add_cpu(struct pb_trace_header *h, unsigned mask, struct pb_err *err);
/* Appends "key=value\n" (printf-formatted value); -1 + @err when params would overflow. */
int pb_trace_header_set(struct pb_trace_header *h, struct pb_err *err, const char *key,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Copies the value of @key into @buf (NUL-terminated); false when @key is not in params. */
bool pb_trace_header_get(const struct pb_trace_header *h, const char *key, char *buf, size_t len);

/* An open trace file being read, one block in memory. */
struct pb_trace_reader;

/*
 * Opens @path and reads and checks its header; NULL + @err ("PATH: byte N: field: problem")
 * when the file is missing, foreign, of another version, truncated or corrupt.
 */
struct pb_trace_reader *pb_trace_open(const char *path, struct pb_err *err);
/* The header of @r (valid until pb_trace_close). */
const struct pb_trace_header *pb_trace_reader_header(const struct pb_trace_reader *r);
/*
 * The next event into *@ev: 1, or 0 at the end (after the trailer and its count were
 * checked), or -1 + @err naming the byte offset and the field of a corrupt or truncated file.
 */
int pb_trace_next(struct pb_trace_reader *r, struct pb_trace_event *ev, struct pb_err *err);
/* The byte offset in the file of the event pb_trace_next last returned. */
uint64_t pb_trace_reader_offset(const struct pb_trace_reader *r);
/* Closes @r (NULL is fine). */
void pb_trace_close(struct pb_trace_reader *r);

/* A trace file being written beside PATH (atomic_file.h), renamed to PATH by pb_trace_commit. */
struct pb_trace_writer;

/* Creates PATH's temporary file and writes @h (ncpus >= 1); NULL + @err on failure (nothing left behind). */
struct pb_trace_writer *pb_trace_create(const char *path, const struct pb_trace_header *h,
					struct pb_err *err);
/*
 * Appends @ev; -1 + @err when it is not valid for the header (time going back, CPU, kind
 * or path out of range, pkt 0 on a packet event) or the write failed.
 */
int pb_trace_write(struct pb_trace_writer *w, const struct pb_trace_event *ev, struct pb_err *err);
/* Writes the last block and the trailer, fixes the header's count, renames; frees @w. */
int pb_trace_commit(struct pb_trace_writer *w, struct pb_err *err);
/* Removes PATH's temporary file and frees @w (NULL is fine): no partial output. */
void pb_trace_abort(struct pb_trace_writer *w);
/* Events written so far. */
uint64_t pb_trace_writer_count(const struct pb_trace_writer *w);
/* A sink that writes each event to @w. */
struct pb_trace_sink pb_trace_writer_sink(struct pb_trace_writer *w);

/*
 * A producer of events, pulled one at a time: a trace file or a generator. next() returns
 * 1 with *@ev, 0 at the end, -1 + @err. The replay engine reads any source the same way.
 */
struct pb_trace_source {
	const struct pb_trace_header *hdr;	/* roles, seed, params of what is produced */
	int (*next)(void *ctx, struct pb_trace_event *ev, struct pb_err *err);
	void (*close)(void *ctx);
	void *ctx;
};

/* A source reading the trace file @path; -1 + @err as pb_trace_open. */
int pb_trace_source_file(struct pb_trace_source *src, const char *path, struct pb_err *err);
/* Pulls every event of @src into @sink; 0, or -1 + @err from either side. */
int pb_trace_pump(struct pb_trace_source *src, struct pb_trace_sink *sink, struct pb_err *err);
/* Closes @src (its close() if any). */
void pb_trace_source_close(struct pb_trace_source *src);

#endif
