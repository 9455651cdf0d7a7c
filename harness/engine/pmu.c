// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hardware event counters: event names to perf_event_attr through libpfm4, per-thread
 * perf_event groups, snapshots by rdpmc (perf mmap page) or read(), and the sums.
 * See pmu.h for the model.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <linux/perf_event.h>	/* first: libpfm4's copy of it steps aside then */
#include <math.h>
#include <perfmon/pfmlib_perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "pmu.h"

#if defined(__x86_64__) || defined(__i386__)
#define PB_PMU_RDPMC 1
#else
#define PB_PMU_RDPMC 0
#endif

/* Orders the perf page reads against the seqlock; x86 needs no more than this. */
#define barrier() __asm__ __volatile__("" ::: "memory")

#define NO_PMU "no PMU: the kernel has no hardware PMU driver (a VM without vPMU, or a container?)"

struct pmu_event {
	int fd;				/* -1: unavailable, see why */
	struct perf_event_mmap_page *pc;	/* mapped only when its group may use rdpmc */
	uint64_t gap;			/* time_enabled - time_running once mapped */
	char why[PB_PMU_WHY_LEN];
};

struct pmu_group {
	int leader;			/* fd that read() returns the whole group from */
	unsigned n;
	unsigned ev[PB_PMU_GROUP_MAX];	/* event indices, in the kernel's read() order */
	bool rdpmc;
	bool solo;			/* takes no members */
};

struct pb_pmu {
	unsigned n, ngroups;
	struct pmu_event ev[PB_PMU_MAX_EVENTS];
	struct pmu_group grp[PB_PMU_MAX_EVENTS];
	pthread_t owner;		/* rdpmc reads the counters of the CPU's current thread */
	bool rdpmc;
	uint64_t rdpmc_reads;
	int fake_errno;
	int absent;			/* hardware PMU missing: -1 not probed yet, 0, 1 */
};

/* ---- parsing ---------------------------------------------------------------------- */

static const struct {
	const char *name;
	int e;
} fake_errnos[] = {
	{ "EACCES", EACCES }, { "EPERM", EPERM }, { "ENOENT", ENOENT },
	{ "ENODEV", ENODEV }, { "EOPNOTSUPP", EOPNOTSUPP },
};

static int read_env(struct pb_pmu_spec *spec, struct pb_err *err)
{
	const char *v = getenv("PB_PMU_NO_RDPMC");

	spec->force_read = v && *v && strcmp(v, "0");
	v = getenv("PB_PMU_FAKE_ERRNO");
	if (!v || !*v)
		return 0;
	for (size_t i = 0; i < sizeof(fake_errnos) / sizeof(fake_errnos[0]); i++) {
		if (!strcmp(v, fake_errnos[i].name)) {
			spec->fake_errno = fake_errnos[i].e;
			return 0;
		}
	}
	return pb_err_set(err, "PB_PMU_FAKE_ERRNO=%s: must be EACCES, EPERM, ENOENT, ENODEV or EOPNOTSUPP",
			  v);
}

static bool all_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

static int encode(const char *name, struct perf_event_attr *attr)
{
	pfm_perf_encode_arg_t arg;

	memset(attr, 0, sizeof(*attr));
	/* With size 0 libpfm4 hands back only the first 64 bytes, dropping config2. */
	attr->size = sizeof(*attr);
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	return pfm_get_os_event_encoding(name, PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
}

/*
 * Encodes @name trying the spellings libpfm4 may know it by: the raw shorthands rXXXX and
 * raw:0xXXXX become its perf_raw::rXXXX, and perf-list style mem_inst_retired.lock_loads
 * becomes MEM_INST_RETIRED:LOCK_LOADS when the name as written is unknown.
 */
static int encode_name(const char *name, struct perf_event_attr *attr, struct pb_err *err)
{
	char alt[PB_PMU_NAME_LEN + 16];
	int rc;

	if (!strncasecmp(name, "raw:0x", 6)) {
		if (!all_hex(name + 6))
			return pb_err_set(err, "event '%s': raw code must be hexadecimal", name);
		snprintf(alt, sizeof(alt), "perf_raw::r%s", name + 6);
		rc = encode(alt, attr);
	} else if (name[0] == 'r' && all_hex(name + 1)) {
		snprintf(alt, sizeof(alt), "perf_raw::%s", name);
		rc = encode(alt, attr);
	} else {
		rc = encode(name, attr);
		if (rc != PFM_SUCCESS && strchr(name, '.')) {
			size_t i;

			for (i = 0; name[i] && i < sizeof(alt) - 1; i++)
				alt[i] = name[i] == '.' ? ':' : toupper((unsigned char)name[i]);
			alt[i] = '\0';
			if (encode(alt, attr) == PFM_SUCCESS)
				rc = PFM_SUCCESS;
		}
	}
	if (rc != PFM_SUCCESS)
		return pb_err_set(err, "event '%s': %s (libpfm4)", name, pfm_strerror(rc));
	/* A ":k" modifier would leave nothing to count once kernel counting is excluded. */
	if (attr->exclude_user)
		return pb_err_set(err, "event '%s': excludes user space, and only user space is counted", name);
	attr->exclude_kernel = 1;	/* what perf_event_paranoid=2 allows */
	attr->exclude_hv = 1;
	attr->disabled = 0;
	attr->inherit = 0;
	attr->read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
			    PERF_FORMAT_TOTAL_TIME_RUNNING;
	return 0;
}

static int add_event(struct pb_pmu_spec *spec, const char *name, size_t len, const char *list,
		     struct pb_err *err)
{
	char *dst;

	if (!len)
		return pb_err_set(err, "empty event name in '%s'", list);
	if (len >= PB_PMU_NAME_LEN)
		return pb_err_set(err, "event '%.*s': name longer than %d characters",
				  (int)len, name, PB_PMU_NAME_LEN - 1);
	if (spec->n == PB_PMU_MAX_EVENTS)
		return pb_err_set(err, "more than %d events in '%s'", PB_PMU_MAX_EVENTS, list);
	dst = spec->name[spec->n];
	memcpy(dst, name, len);
	dst[len] = '\0';
	/* Results are keyed by event name: a second one would be ambiguous. */
	for (unsigned i = 0; i < spec->n; i++)
		if (!strcasecmp(spec->name[i], dst))
			return pb_err_set(err, "event '%s' listed twice", dst);
	if (encode_name(dst, &spec->attr[spec->n], err))
		return -1;
	spec->n++;
	return 0;
}

int pb_pmu_spec_parse(const char *list, struct pb_pmu_spec *spec, struct pb_err *err)
{
	const char *s = list ? list : "";
	int rc;

	memset(spec, 0, sizeof(*spec));
	if (read_env(spec, err))
		return -1;
	rc = pfm_initialize();
	if (rc != PFM_SUCCESS)
		return pb_err_set(err, "libpfm4 cannot start: %s", pfm_strerror(rc));
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return pb_err_set(err, "no events given");
	for (;;) {
		const char *end = strchr(s, ','), *e;

		if (!end)
			end = s + strlen(s);
		while (s < end && isspace((unsigned char)*s))
			s++;
		for (e = end; e > s && isspace((unsigned char)e[-1]); e--)
			;
		if (add_event(spec, s, (size_t)(e - s), list, err))
			return -1;
		if (!*end)
			return 0;
		s = end + 1;
	}
}

/* ---- defaults and probe ------------------------------------------------------------- */

/* Vendor string and family from /proc/cpuinfo; the family is -1 when unknown. */
static int cpu_family(char *vendor, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	int family = -1;

	vendor[0] = '\0';
	if (!f)
		return -1;
	while ((!vendor[0] || family < 0) && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		if (!strncmp(line, "vendor_id", 9) && !vendor[0])
			snprintf(vendor, len, "%.*s", (int)strcspn(colon + 2, "\n"), colon + 2);
		else if (!strncmp(line, "cpu family", 10) && family < 0)
			family = atoi(colon + 1);
	}
	fclose(f);
	return family;
}

enum { DEF_LOCK_INST, DEF_LOCK_UOPS, DEF_AMD_LOCK, DEF_PLAIN };

static const char *const pmu_defaults[] = {
	[DEF_LOCK_INST] = "cycles,instructions,MEM_INST_RETIRED:LOCK_LOADS",	/* Intel Skylake on */
	[DEF_LOCK_UOPS] = "cycles,instructions,MEM_UOPS_RETIRED:LOCK_LOADS",	/* Haswell, Broadwell */
	[DEF_AMD_LOCK] = "cycles,instructions,r0f25",	/* Zen: retired lock instructions */
	[DEF_PLAIN] = "cycles,instructions",
};

const char *pb_pmu_default_events(void)
{
	struct perf_event_attr a;
	char vendor[32];
	int family;

	if (pfm_initialize() != PFM_SUCCESS)
		return pmu_defaults[DEF_PLAIN];
	/* libpfm4 only knows these names where it has a table for this core. */
	if (encode("MEM_INST_RETIRED:LOCK_LOADS", &a) == PFM_SUCCESS)
		return pmu_defaults[DEF_LOCK_INST];
	if (encode("MEM_UOPS_RETIRED:LOCK_LOADS", &a) == PFM_SUCCESS)
		return pmu_defaults[DEF_LOCK_UOPS];
	/* A raw code always encodes, so the CPU itself decides. */
	family = cpu_family(vendor, sizeof(vendor));
	if (!strcmp(vendor, "AuthenticAMD") && (family == 0x17 || family == 0x19 || family == 0x1a))
		return pmu_defaults[DEF_AMD_LOCK];
	return pmu_defaults[DEF_PLAIN];
}

bool pb_pmu_available(struct pb_err *why)
{
	struct pb_pmu_spec spec;
	struct pb_pmu *p;
	const char *reason;
	bool ok;

	if (pb_pmu_spec_parse("cycles", &spec, why))
		return false;
	p = pb_pmu_open(&spec);
	if (!p) {
		pb_err_set(why, "out of memory");
		return false;
	}
	ok = pb_pmu_event_ok(p, 0, &reason);
	if (!ok)
		pb_err_set(why, "cycles: %s", reason);
	pb_pmu_close(p);
	return ok;
}

/* ---- opening -------------------------------------------------------------------------- */

static int perf_open(const struct pb_pmu *p, const struct perf_event_attr *a, int group_fd)
{
	if (p->fake_errno) {
		errno = p->fake_errno;
		return -1;
	}
	return (int)syscall(SYS_perf_event_open, a, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

static bool hardware(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_HARDWARE || a->type == PERF_TYPE_HW_CACHE ||
	       a->type == PERF_TYPE_RAW || a->type >= PERF_TYPE_MAX;
}

/*
 * Whether the kernel has no hardware PMU at all: then every hardware event fails with
 * ENOENT, the same errno as one event a PMU lacks, and only cycles tells them apart.
 */
static bool pmu_absent(struct pb_pmu *p)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	int fd;

	if (p->absent < 0) {
		fd = perf_open(p, &a, -1);
		p->absent = fd < 0 && (errno == ENOENT || errno == ENODEV || errno == EOPNOTSUPP);
		if (fd >= 0)
			close(fd);
	}
	return p->absent;
}

static int paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = 99;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 99;
		fclose(f);
	}
	return v;
}

/* Why perf_event_open failed with @e for @a, in plain words, into @ev->why. */
static void explain(struct pb_pmu *p, struct pmu_event *ev, const struct perf_event_attr *a, int e)
{
	char buf[64], words[112];
	const char *err = strerror_r(e, buf, sizeof(buf));
	int par;

	switch (e) {
	case EACCES:
	case EPERM:
		par = paranoid();
		if (par == 99)
			snprintf(words, sizeof(words), "perf_event_paranoid forbids it");
		else if (par >= 3)
			snprintf(words, sizeof(words), "perf_event_paranoid=%d forbids it", par);
		else	/* 2 and below allow user-space self-monitoring */
			snprintf(words, sizeof(words),
				 "perf_event_paranoid=%d allows it, so seccomp or a security module forbids it", par);
		break;
	case ENOENT:
	case EOPNOTSUPP:
		snprintf(words, sizeof(words), "%s",
			 hardware(a) && pmu_absent(p) ? NO_PMU : "not supported by this PMU");
		break;
	case ENODEV:
		snprintf(words, sizeof(words), "%s", NO_PMU);
		break;
	case EINVAL:
		snprintf(words, sizeof(words), "the kernel rejects this encoding or cannot schedule it");
		break;
	case EBUSY:
		snprintf(words, sizeof(words), "counter taken by another user (NMI watchdog?)");
		break;
	default:
		snprintf(ev->why, sizeof(ev->why), "%s", err);
		return;
	}
	snprintf(ev->why, sizeof(ev->why), "%s: %s", err, words);
}

/*
 * The software clocks (cpu-clock, task-clock) misbehave in groups: as members their group
 * read returns a stale value, and as leaders their software-event members count nothing
 * (seen on 6.18). They never multiplex, so alone they lose nothing.
 */
static bool solo(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_SOFTWARE &&
	       (a->config == PERF_COUNT_SW_CPU_CLOCK || a->config == PERF_COUNT_SW_TASK_CLOCK);
}

/* Opens event @i into the last group, or a new one; -1 + errno when the kernel refuses. */
static int join(struct pb_pmu *p, unsigned i, const struct perf_event_attr *a)
{
	struct pmu_group *g = p->ngroups ? &p->grp[p->ngroups - 1] : NULL;
	int fd;

	if (g && !g->solo && !solo(a) && g->n < PB_PMU_GROUP_MAX) {
		fd = perf_open(p, a, g->leader);
		if (fd >= 0)
			goto add;
		/* A member that cannot be scheduled together with the others may fit alone. */
		if (errno != EINVAL && errno != ENOSPC)
			return -1;
	}
	fd = perf_open(p, a, -1);
	if (fd < 0)
		return -1;
	g = &p->grp[p->ngroups++];
	g->leader = fd;
	g->solo = solo(a);
add:
	p->ev[i].fd = fd;
	g->ev[g->n++] = i;
	return 0;
}

/* time_enabled - time_running as the perf page says now. */
static uint64_t page_gap(const volatile struct perf_event_mmap_page *pc)
{
	uint64_t en, run;
	uint32_t seq;

	do {
		seq = pc->lock;
		barrier();
		en = pc->time_enabled;
		run = pc->time_running;
		barrier();
	} while (pc->lock != seq || (seq & 1));
	return en - run;
}

/* Maps the perf page of each member of @g; the group may use rdpmc if all allow it. */
static void map_group(struct pmu_group *g, struct pmu_event *ev)
{
	long page = sysconf(_SC_PAGESIZE);

	g->rdpmc = PB_PMU_RDPMC;
	for (unsigned k = 0; k < g->n && g->rdpmc; k++) {
		struct pmu_event *e = &ev[g->ev[k]];
		void *m = mmap(NULL, page, PROT_READ, MAP_SHARED, e->fd, 0);

		if (m == MAP_FAILED) {
			g->rdpmc = false;
			continue;
		}
		e->pc = m;
		if (!e->pc->cap_user_rdpmc)
			g->rdpmc = false;	/* software events, or /sys/devices/cpu/rdpmc=0 */
		else
			e->gap = page_gap(e->pc);
	}
	if (g->rdpmc)
		return;
	for (unsigned k = 0; k < g->n; k++) {
		struct pmu_event *e = &ev[g->ev[k]];

		if (e->pc)
			munmap(e->pc, page);
		e->pc = NULL;
	}
}

struct pb_pmu *pb_pmu_open(const struct pb_pmu_spec *spec)
{
	struct pb_pmu *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->n = spec->n;
	p->owner = pthread_self();
	p->fake_errno = spec->fake_errno;
	p->absent = -1;
	for (unsigned i = 0; i < p->n; i++) {
		p->ev[i].fd = -1;
		if (join(p, i, &spec->attr[i]))
			explain(p, &p->ev[i], &spec->attr[i], errno);
	}
	if (spec->force_read)
		return p;
	for (unsigned k = 0; k < p->ngroups; k++) {
		map_group(&p->grp[k], p->ev);
		p->rdpmc |= p->grp[k].rdpmc;
	}
	return p;
}

void pb_pmu_close(struct pb_pmu *p)
{
	long page = sysconf(_SC_PAGESIZE);

	if (!p)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		if (p->ev[i].pc)
			munmap(p->ev[i].pc, page);
		if (p->ev[i].fd >= 0)
			close(p->ev[i].fd);
	}
	free(p);
}

/* ---- reading -------------------------------------------------------------------------- */

#if PB_PMU_RDPMC
static inline uint64_t rdpmc(uint32_t counter)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * One event through its perf page, by the seqlock protocol of linux/perf_event.h. False
 * when rdpmc cannot give the right answer: the event is off the PMU (index 0), or it has
 * been multiplexed, which grows time_enabled - time_running beyond @gap (what it was when
 * mapped: a few ns between enabling and scheduling); then only read() scales correctly.
 */
static bool read_self(const volatile struct perf_event_mmap_page *pc, uint64_t gap,
		      uint64_t *count, uint64_t *enabled, uint64_t *running)
{
	uint64_t cnt, en, run, pmc, cyc = 0, toff = 0, tcyc = 0, tmask = 0;
	uint32_t seq, idx, mult = 0;
	uint16_t width, shift = 0;
	bool utime, ushort;

	do {
		seq = pc->lock;
		barrier();
		en = pc->time_enabled;
		run = pc->time_running;
		idx = pc->index;
		cnt = (uint64_t)pc->offset;
		if (!pc->cap_user_rdpmc || !idx || en - run != gap)
			return false;
		utime = pc->cap_user_time;
		ushort = pc->cap_user_time_short;
		if (utime) {
			shift = pc->time_shift;
			mult = pc->time_mult;
			toff = pc->time_offset;
			if (ushort) {
				tcyc = pc->time_cycles;
				tmask = pc->time_mask;
			}
			cyc = rdtsc();
		}
		width = pc->pmc_width;
		pmc = rdpmc(idx - 1);
		barrier();
	} while (pc->lock != seq || (seq & 1));

	/* The counter is pmc_width bits wide, and the kernel's offset expects it sign-extended. */
	if (width && width < 64)
		pmc = (uint64_t)((int64_t)(pmc << (64 - width)) >> (64 - width));
	*count = cnt + pmc;
	/* The page's times are as of the last schedule-in; the TSC brings them up to now. */
	if (utime) {
		uint64_t quot, rem, delta;

		if (ushort)
			cyc = tcyc + ((cyc - tcyc) & tmask);
		quot = cyc >> shift;
		rem = cyc & (((uint64_t)1 << shift) - 1);
		delta = toff + quot * mult + ((rem * mult) >> shift);
		en += delta;
		run += delta;
	}
	*enabled = en;
	*running = run;
	return true;
}

static bool group_rdpmc(const struct pmu_group *g, const struct pmu_event *ev,
			struct pb_pmu_snap *s)
{
	for (unsigned k = 0; k < g->n; k++) {
		unsigned i = g->ev[k];

		if (!read_self(ev[i].pc, ev[i].gap, &s->value[i], &s->enabled[i], &s->running[i]))
			return false;
	}
	for (unsigned k = 0; k < g->n; k++)
		s->valid |= 1u << g->ev[k];
	return true;
}
#else
static bool group_rdpmc(const struct pmu_group *g, const struct pmu_event *ev,
			struct pb_pmu_snap *s)
{
	(void)g, (void)ev, (void)s;
	return false;
}
#endif

static void group_read(const struct pmu_group *g, struct pb_pmu_snap *s)
{
	/* PERF_FORMAT_GROUP with both times: nr, time_enabled, time_running, values[nr]. */
	uint64_t buf[3 + PB_PMU_GROUP_MAX];
	ssize_t got = read(g->leader, buf, sizeof(buf));

	if (got < (ssize_t)(3 + g->n) * (ssize_t)sizeof(uint64_t) || buf[0] != g->n)
		return;
	for (unsigned k = 0; k < g->n; k++) {
		unsigned i = g->ev[k];

		s->value[i] = buf[3 + k];
		s->enabled[i] = buf[1];
		s->running[i] = buf[2];
		s->valid |= 1u << i;
	}
}

void pb_pmu_snapshot(struct pb_pmu *p, struct pb_pmu_snap *s)
{
	bool self = p->rdpmc && pthread_equal(pthread_self(), p->owner);

	s->valid = 0;
	for (unsigned k = 0; k < p->ngroups; k++) {
		const struct pmu_group *g = &p->grp[k];

		if (self && g->rdpmc && group_rdpmc(g, p->ev, s))
			p->rdpmc_reads++;
		else
			group_read(g, s);
	}
	for (unsigned i = 0; i < p->n; i++)
		if (!(s->valid & (1u << i)))
			s->value[i] = s->enabled[i] = s->running[i] = 0;
}

/* ---- sums ------------------------------------------------------------------------------ */

void pb_pmu_accumulate(const struct pb_pmu *p, const struct pb_pmu_snap *before,
		       const struct pb_pmu_snap *after, struct pb_pmu_totals *t)
{
	for (unsigned i = 0; i < p->n; i++) {
		uint32_t bit = 1u << i;

		uint64_t de, dr;

		if (!(before->valid & after->valid & bit) || after->value[i] < before->value[i]) {
			if (p->ev[i].fd >= 0)
				t->skipped[i]++;
			continue;
		}
		/*
		 * Without cap_user_time an rdpmc snapshot has the times of the last schedule-in,
		 * which may lag a read() one: the count is right, the times only approximately.
		 */
		de = after->enabled[i] > before->enabled[i] ? after->enabled[i] - before->enabled[i] : 0;
		dr = after->running[i] > before->running[i] ? after->running[i] - before->running[i] : 0;
		t->raw[i] += after->value[i] - before->value[i];
		t->enabled[i] += de;
		t->running[i] += dr < de ? dr : de;
		t->windows[i]++;
	}
}

void pb_pmu_totals_add(struct pb_pmu_totals *dst, const struct pb_pmu_totals *src)
{
	for (unsigned i = 0; i < PB_PMU_MAX_EVENTS; i++) {
		dst->raw[i] += src->raw[i];
		dst->enabled[i] += src->enabled[i];
		dst->running[i] += src->running[i];
		dst->windows[i] += src->windows[i];
		dst->skipped[i] += src->skipped[i];
	}
}

double pb_pmu_ratio(const struct pb_pmu_totals *t, unsigned i)
{
	if (!t->windows[i])
		return NAN;
	/* Equal also when both are 0: rdpmc without cap_user_time sees no time pass. */
	if (t->enabled[i] == t->running[i])
		return 1.0;
	return (double)t->running[i] / (double)t->enabled[i];
}

double pb_pmu_scaled(const struct pb_pmu_totals *t, unsigned i)
{
	if (!t->windows[i])
		return NAN;
	if (t->enabled[i] == t->running[i])
		return (double)t->raw[i];
	if (!t->running[i])
		return NAN;
	return (double)t->raw[i] * ((double)t->enabled[i] / (double)t->running[i]);
}

double pb_pmu_per_op(const struct pb_pmu_totals *t, unsigned i, uint64_t ops)
{
	return ops ? pb_pmu_scaled(t, i) / (double)ops : NAN;
}

/* ---- queries ----------------------------------------------------------------------------- */

unsigned pb_pmu_nevents(const struct pb_pmu *p)
{
	return p->n;
}

bool pb_pmu_event_ok(const struct pb_pmu *p, unsigned i, const char **why)
{
	if (i >= p->n) {
		if (why)
			*why = "no such event";
		return false;
	}
	if (p->ev[i].fd >= 0)
		return true;
	if (why)
		*why = p->ev[i].why;
	return false;
}

unsigned pb_pmu_ngroups(const struct pb_pmu *p)
{
	return p->ngroups;
}

bool pb_pmu_uses_rdpmc(const struct pb_pmu *p)
{
	return p->rdpmc;
}

uint64_t pb_pmu_rdpmc_reads(const struct pb_pmu *p)
{
	return p->rdpmc_reads;
}
