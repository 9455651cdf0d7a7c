// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trace file: round trip of every field, streaming (the reader's memory does not
 * grow with the trace), and corrupt, truncated and foreign files refused with the byte
 * offset and the field, by the library and by `pagebench trace show` (exit 2).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "support_trace.h"
#include "trace_format.h"
#include "trace_gen.h"

static const unsigned roles2[] = { PB_ROLE_RX, PB_ROLE_TX | PB_ROLE_SOCK };

/* A pseudo-random but valid-for-the-writer event list. */
static size_t make_events(struct pb_trace_event *ev, size_t n)
{
	uint64_t t = 0, x = 12345, pkt = 0;

	for (size_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		t += (x >> 40) % 3000;
		ev[i] = (struct pb_trace_event){ .time_ns = t, .cpu = (uint16_t)((x >> 20) & 1),
						 .kind = (uint8_t)((x >> 30) % PB_TK_NKINDS),
						 .path = (uint8_t)((x >> 33) % PB_TP_NPATHS),
						 .len = (x >> 50) & 1 ? 1500 : (uint32_t)(x >> 45) };
		if (ev[i].kind == PB_TK_RX)
			ev[i].pkt = ++pkt + 1;
		else if (ev[i].kind != PB_TK_NAPI_POLL_END)
			ev[i].pkt = 1 + (x >> 8) % (pkt + 3);
	}
	return n;
}

Test(trace_format, round_trip_every_field)
{
	enum { N = 20000 };	/* several blocks */
	struct pb_trace_event *ev = calloc(N, sizeof(*ev)), got;
	const char *path = pb_ttmp("rt.pbtrace");
	const struct pb_trace_header *h;
	struct pb_trace_reader *r;
	struct pb_err err;
	size_t i = 0;
	int rc;

	make_events(ev, N);
	pb_twrite(path, 2, roles2, ev, N);
	r = pb_trace_open(path, &err);
	cr_assert_not_null(r, "%s", err.msg);
	h = pb_trace_reader_header(r);
	cr_assert_str_eq(h->generator, "test");
	cr_assert_eq(h->seed, 7);
	cr_assert_eq(h->ncpus, 2);
	cr_assert_eq(h->roles[1], PB_ROLE_TX | PB_ROLE_SOCK);
	cr_assert_eq(h->nevents, N);
	while ((rc = pb_trace_next(r, &got, &err)) > 0) {
		cr_assert_lt(i, N);
		cr_assert(got.time_ns == ev[i].time_ns && got.pkt == ev[i].pkt && got.len == ev[i].len &&
			  got.cpu == ev[i].cpu && got.kind == ev[i].kind && got.path == ev[i].path,
			  "event %zu differs", i);
		i++;
	}
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(i, N);
	pb_trace_close(r);
	free(ev);
}

Test(trace_format, header_params_round_trip)
{
	struct pb_trace_header h;
	struct pb_err err;
	char v[64];

	pb_trace_header_init(&h, "x", 1);
	cr_assert_eq(pb_trace_header_set(&h, &err, "a", "%d", 5), 0);
	cr_assert_eq(pb_trace_header_set(&h, &err, "ab", "x,y"), 0);
	cr_assert(pb_trace_header_get(&h, "ab", v, sizeof(v)));
	cr_assert_str_eq(v, "x,y");
	cr_assert(pb_trace_header_get(&h, "a", v, sizeof(v)));
	cr_assert_str_eq(v, "5");
	cr_assert_not(pb_trace_header_get(&h, "b", v, sizeof(v)));
}

Test(trace_format, writer_refuses_time_going_back_and_bad_cpu)
{
	struct pb_trace_event a = { .time_ns = 10, .pkt = 1, .kind = PB_TK_RX, .path = PB_TP_SKB };
	struct pb_trace_event b = a, c = a;
	const char *path = pb_ttmp("bad.pbtrace");
	struct pb_trace_header h;
	struct pb_trace_writer *w;
	struct stat st;
	struct pb_err err;

	pb_trace_header_init(&h, "t", 0);
	pb_trace_header_add_cpu(&h, PB_ROLE_ALL, &err);
	w = pb_trace_create(path, &h, &err);
	cr_assert_not_null(w);
	cr_assert_eq(pb_trace_write(w, &a, &err), 0);
	b.time_ns = 5;
	cr_assert_eq(pb_trace_write(w, &b, &err), -1);
	cr_assert(strstr(err.msg, "before the previous"), "%s", err.msg);
	c.cpu = 3;
	cr_assert_eq(pb_trace_write(w, &c, &err), -1);
	cr_assert(strstr(err.msg, "cpu 3"), "%s", err.msg);
	pb_trace_abort(w);
	cr_assert_neq(stat(path, &st), 0, "no file after abort");
}

/* Generating 2M events to a file and reading them back keeps max RSS far below the trace. */
Test(trace_format, streaming_memory_stays_bounded, .timeout = 120)
{
	const char *path = pb_ttmp("big.pbtrace");
	struct pb_trace_writer *w;
	struct pb_trace_source src;
	struct pb_trace_sink sink;
	struct pb_trace_reader *r;
	struct pb_trace_event ev;
	struct pb_params p = { 0 };
	struct rusage before, after;
	struct stat st;
	struct pb_err err;
	uint64_t n = 0;

	getrusage(RUSAGE_SELF, &before);
	cr_assert_eq(pb_params_add(&p, "packets=1000000", &err), 0);
	cr_assert_eq(pb_trace_gen_open(&src, "rx-drop", &p, 3, &err), 0, "%s", err.msg);
	w = pb_trace_create(path, src.hdr, &err);
	cr_assert_not_null(w, "%s", err.msg);
	sink = pb_trace_writer_sink(w);
	cr_assert_eq(pb_trace_pump(&src, &sink, &err), 0, "%s", err.msg);
	pb_trace_source_close(&src);
	cr_assert_eq(pb_trace_commit(w, &err), 0, "%s", err.msg);
	r = pb_trace_open(path, &err);
	cr_assert_not_null(r, "%s", err.msg);
	while (pb_trace_next(r, &ev, &err) > 0)
		n++;
	pb_trace_close(r);
	getrusage(RUSAGE_SELF, &after);
	cr_assert_gt(n, 2000000);
	cr_assert_eq(stat(path, &st), 0);
	/* 2M events held in memory would be 48 MB as structs; the growth must stay under 8 MB */
	cr_assert_lt(after.ru_maxrss - before.ru_maxrss, 8 * 1024,
		     "max RSS grew %ld KiB for a %lld-byte trace", after.ru_maxrss - before.ru_maxrss,
		     (long long)st.st_size);
	remove(path);
}

static void put_bytes(const char *path, long off, const void *b, size_t n)
{
	FILE *f = fopen(path, "r+b");

	cr_assert_not_null(f);
	fseek(f, off, SEEK_SET);
	fwrite(b, 1, n, f);
	fclose(f);
}

/* Opens @path and reads every event; the error of the first failure ("" when none). */
static const char *read_all(const char *path)
{
	static struct pb_err err;
	struct pb_trace_reader *r = pb_trace_open(path, &err);
	struct pb_trace_event ev;
	int rc;

	if (!r)
		return err.msg;
	while ((rc = pb_trace_next(r, &ev, &err)) > 0)
		;
	pb_trace_close(r);
	return rc ? err.msg : "";
}

static const char *small_file(const char *name)
{
	struct pb_trace_event ev[3000];
	const char *path = pb_ttmp(name);

	make_events(ev, 3000);
	pb_twrite(path, 2, roles2, ev, 3000);
	return path;
}

Test(trace_format, foreign_file_names_magic)
{
	const char *path = pb_ttmp("foreign");
	FILE *f = fopen(path, "w");

	fputs("hello, not a trace\n", f);
	fclose(f);
	cr_assert(strstr(read_all(path), "byte 0: magic: not a pagebench trace"), "%s", read_all(path));
}

Test(trace_format, other_version_names_version)
{
	const char *path = small_file("ver.pbtrace");
	uint8_t v[2] = { 9, 0 };

	put_bytes(path, 8, v, 2);
	cr_assert(strstr(read_all(path), "byte 8: version: 9"), "%s", read_all(path));
}

Test(trace_format, corrupt_params_fail_the_header_crc)
{
	const char *path = small_file("hdr.pbtrace");

	put_bytes(path, 34, "Z", 1);	/* inside the generator name */
	cr_assert(strstr(read_all(path), "header crc: mismatch"), "%s", read_all(path));
}

Test(trace_format, corrupt_event_fails_its_block_crc_with_offset)
{
	const char *path = small_file("blk.pbtrace");
	struct stat st;
	uint8_t x = 0x5a;
	const char *e;

	stat(path, &st);
	put_bytes(path, (long)st.st_size / 2, &x, 1);
	e = read_all(path);
	cr_assert(strstr(e, "block crc: mismatch") && strstr(e, "byte "), "%s", e);
}

Test(trace_format, truncated_file_names_offset_and_field)
{
	const char *path = small_file("trunc.pbtrace");
	struct stat st;
	const char *e;

	stat(path, &st);
	cr_assert_eq(truncate(path, st.st_size - 7), 0);
	e = read_all(path);
	cr_assert(strstr(e, "truncated") && strstr(e, "trailer"), "%s", e);
	cr_assert_eq(truncate(path, 100), 0);
	e = read_all(path);
	cr_assert(strstr(e, "truncated") && strstr(e, "byte 100"), "%s", e);
}

Test(trace_format, cli_show_refuses_corrupt_file_with_exit_2)
{
	const char *path = small_file("cli.pbtrace");
	char args[512], out[4096];
	uint8_t x = 0xff;
	int rc;

	put_bytes(path, 200, &x, 1);
	snprintf(args, sizeof(args), "trace show '%s'", path);
	rc = pb_trun(args, out, sizeof(out));
	if (rc == -1)
		cr_skip_test("PB_BIN is not set");
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "pagebench: trace show: ") && strstr(out, "byte "), "%s", out);
}
