// SPDX-License-Identifier: GPL-2.0-only
/*
 * numa.h on hwloc: the only file that calls it. The machine's topology is loaded once and
 * then only read (hwloc allows concurrent readers of a loaded topology); a synthetic one
 * belongs to whoever made it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <hwloc.h>
#include "numa.h"
#include "platform.h"

_Thread_local unsigned pb_tls_node;

struct pb_topo {
	hwloc_topology_t h;
	bool system;
};

static struct pb_topo sys_topo = { .system = true };
static pthread_once_t sys_once = PTHREAD_ONCE_INIT;
static int sys_errno;

static void sys_load(void)
{
	if (hwloc_topology_init(&sys_topo.h)) {
		sys_errno = errno ? errno : ENOMEM;
		sys_topo.h = NULL;
		return;
	}
	if (hwloc_topology_load(sys_topo.h)) {
		sys_errno = errno ? errno : EIO;
		hwloc_topology_destroy(sys_topo.h);
		sys_topo.h = NULL;
	}
}

struct pb_topo *pb_topo_system(void)
{
	pthread_once(&sys_once, sys_load);
	if (!sys_topo.h) {
		errno = sys_errno;
		return NULL;
	}
	return &sys_topo;
}

struct pb_topo *pb_topo_synthetic(const char *desc)
{
	struct pb_topo *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (hwloc_topology_init(&t->h)) {
		free(t);
		return NULL;
	}
	if (hwloc_topology_set_synthetic(t->h, desc) || hwloc_topology_load(t->h)) {
		hwloc_topology_destroy(t->h);
		free(t);
		errno = EINVAL;
		return NULL;
	}
	return t;
}

void pb_topo_put(struct pb_topo *t)
{
	if (!t || t->system)
		return;
	hwloc_topology_destroy(t->h);
	free(t);
}

bool pb_topo_is_system(const struct pb_topo *t)
{
	return t->system;
}

unsigned pb_topo_nodes(const struct pb_topo *t)
{
	int n = hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_NUMANODE);

	return n > 0 ? (unsigned)n : 1;
}

int pb_topo_node_os(const struct pb_topo *t, unsigned i)
{
	hwloc_obj_t o = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, i);

	if (!o)
		return !i && hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_NUMANODE) <= 0 ? 0 : -1;
	return (int)o->os_index;
}

bool pb_topo_has_node(const struct pb_topo *t, unsigned node)
{
	if (hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_NUMANODE) <= 0)
		return node == 0;
	return hwloc_get_numanode_obj_by_os_index(t->h, node) != NULL;
}

int pb_topo_cpu_node(const struct pb_topo *t, unsigned cpu)
{
	hwloc_obj_t node = NULL;

	if (!hwloc_get_pu_obj_by_os_index(t->h, cpu))
		return -1;
	while ((node = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, node)))
		if (hwloc_bitmap_isset(node->cpuset, cpu))
			return (int)node->os_index;
	return 0;	/* no NUMA object: one node */
}

static void to_cpuset(hwloc_const_bitmap_t b, struct pb_cpuset *out)
{
	int i;

	pb_cpuset_zero(out);
	hwloc_bitmap_foreach_begin(i, b)
		pb_cpuset_add(out, (unsigned)i);
	hwloc_bitmap_foreach_end();
}

static int from_cpuset(const struct pb_cpuset *s, hwloc_bitmap_t b)
{
	hwloc_bitmap_zero(b);
	for (unsigned i = 0; i < PB_NUMA_MAX_CPUS; i++)
		if (pb_cpuset_has(s, i) && hwloc_bitmap_set(b, i))
			return -ENOMEM;
	return 0;
}

void pb_topo_allowed(const struct pb_topo *t, struct pb_cpuset *out)
{
	hwloc_bitmap_t proc = hwloc_bitmap_alloc(), thr = hwloc_bitmap_alloc();

	pb_cpuset_zero(out);
	if (!proc || !thr)
		goto out;
	if (!t->system || hwloc_get_cpubind(t->h, proc, HWLOC_CPUBIND_PROCESS))
		hwloc_bitmap_copy(proc, hwloc_topology_get_allowed_cpuset(t->h));
	if (t->system && !hwloc_get_cpubind(t->h, thr, HWLOC_CPUBIND_THREAD))
		hwloc_bitmap_or(proc, proc, thr);
	to_cpuset(proc, out);
out:
	hwloc_bitmap_free(proc);
	hwloc_bitmap_free(thr);
}

unsigned pb_topo_cores(const struct pb_topo *t, const struct pb_cpuset *allowed, unsigned *cpu,
		       int *node, unsigned max)
{
	/* A topology without core objects (a synthetic "pack:2 pu:2") counts each PU as one. */
	hwloc_obj_type_t type = hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_CORE) > 0 ?
				HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	hwloc_obj_t o = NULL;
	unsigned n = 0;

	while (n < max && (o = hwloc_get_next_obj_by_type(t->h, type, o))) {
		int pu;

		hwloc_bitmap_foreach_begin(pu, o->cpuset)
			if (pb_cpuset_has(allowed, (unsigned)pu))
				break;
		hwloc_bitmap_foreach_end();
		if (pu < 0 || !pb_cpuset_has(allowed, (unsigned)pu))
			continue;
		cpu[n] = (unsigned)pu;
		if (node)
			node[n] = pb_topo_cpu_node(t, (unsigned)pu);
		n++;
	}
	return n;
}

/* Appends to @buf[@len] at *@off; false once it is full. */
static bool put(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*off + 1 >= len)
		return false;
	va_start(ap, fmt);
	w = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= len - *off) {
		*off = len - 1;
		return false;
	}
	*off += (size_t)w;
	return true;
}

void pb_topo_describe(const struct pb_topo *t, char *buf, size_t len)
{
	static const struct { hwloc_obj_type_t type; const char *name; } levels[] = {
		{ HWLOC_OBJ_PACKAGE, "Package" }, { HWLOC_OBJ_NUMANODE, "NUMANode" },
		{ HWLOC_OBJ_CORE, "Core" }, { HWLOC_OBJ_PU, "PU" },
	};
	hwloc_obj_t node = NULL;
	size_t off = 0;
	char cpus[256];

	if (!len)
		return;
	buf[0] = '\0';
	/* Counts per level: short, and the same shape whether or not the machine is symmetric. */
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		int n = hwloc_get_nbobjs_by_type(t->h, levels[i].type);

		if (n > 0 && !put(buf, len, &off, "%s%s:%d", off ? " " : "", levels[i].name, n))
			return;
	}
	while ((node = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, node))) {
		hwloc_bitmap_list_snprintf(cpus, sizeof(cpus), node->cpuset);
		if (!put(buf, len, &off, "; node %u: CPUs %s", node->os_index, cpus))
			return;
	}
}

/* "2M" / "48K" / "1280K": the unit that keeps the number whole. */
static void format_size(char *buf, size_t len, unsigned long long bytes)
{
	if (bytes && bytes % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluM", bytes >> 20);
	else if (bytes && bytes % (1ULL << 10) == 0)
		snprintf(buf, len, "%lluK", bytes >> 10);
	else
		snprintf(buf, len, "%llu", bytes);
}

void pb_topo_caches(const struct pb_topo *t, char *buf, size_t len)
{
	static const hwloc_obj_type_t levels[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
		HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(t->h, levels[i], 0);
		char size[32];

		if (!o || !o->attr)
			continue;
		format_size(size, sizeof(size), (unsigned long long)o->attr->cache.size);
		if (!put(buf, len, &off, "%sL%u%s %s", off ? " " : "", o->attr->cache.depth,
			 o->attr->cache.type == HWLOC_OBJ_CACHE_DATA ? "d" : "", size))
			return;
	}
}

void pb_topo_cpu_model(const struct pb_topo *t, char *buf, size_t len)
{
	hwloc_obj_t pkg = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_PACKAGE, 0);
	const char *m = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;

	if (len)
		snprintf(buf, len, "%s", m ? m : "");
}

/* The system topology in *@t and a fresh bitmap in *@b for a thread-binding call; -errno if not. */
static int binding_start(struct pb_topo **t, hwloc_bitmap_t *b)
{
	*b = NULL;
	*t = pb_topo_system();
	if (!*t)
		return -errno;
	*b = hwloc_bitmap_alloc();
	return *b ? 0 : -ENOMEM;
}

/* Binds the calling thread to @b with @flags and frees @b; @rc (an earlier failure) wins. */
static int binding_finish(struct pb_topo *t, hwloc_bitmap_t b, int flags, int rc)
{
	if (!rc && hwloc_set_cpubind(t->h, b, HWLOC_CPUBIND_THREAD | flags))
		rc = -errno;
	hwloc_bitmap_free(b);
	return rc;
}

int pb_thread_get_binding(struct pb_cpuset *out)
{
	struct pb_topo *t;
	hwloc_bitmap_t b = NULL;
	int rc = binding_start(&t, &b);

	if (rc)
		return rc;
	if (hwloc_get_cpubind(t->h, b, HWLOC_CPUBIND_THREAD))
		rc = -errno;
	else
		to_cpuset(b, out);
	hwloc_bitmap_free(b);
	return rc;
}

int pb_thread_set_binding(const struct pb_cpuset *s)
{
	struct pb_topo *t;
	hwloc_bitmap_t b = NULL;
	int rc = binding_start(&t, &b);

	if (rc)
		return rc;
	return binding_finish(t, b, 0, from_cpuset(s, b));
}

int pb_thread_pin(unsigned cpu)
{
	struct pb_topo *t;
	hwloc_bitmap_t b = NULL;
	int rc = binding_start(&t, &b);

	if (rc)
		return rc;
	hwloc_bitmap_only(b, cpu);
	return binding_finish(t, b, HWLOC_CPUBIND_STRICT, 0);
}

/* The node object of OS node @node on this machine, or NULL with @rc set. */
static hwloc_obj_t sys_node(unsigned node, struct pb_topo **t, int *rc)
{
	hwloc_obj_t o;

	*t = pb_topo_system();
	if (!*t) {
		*rc = -errno;
		return NULL;
	}
	o = hwloc_get_numanode_obj_by_os_index((*t)->h, node);
	if (!o)
		*rc = -ENOENT;
	return o;
}

int pb_numa_bind_area(void *addr, size_t len, unsigned node)
{
	struct pb_topo *t;
	int rc = 0;
	hwloc_obj_t o = sys_node(node, &t, &rc);

	if (!o)
		return rc;
	if (hwloc_set_area_membind(t->h, addr, len, o->nodeset, HWLOC_MEMBIND_BIND,
				   HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_STRICT))
		return errno ? -errno : -ENOSYS;
	return 0;
}

int pb_numa_area_node(const void *addr, size_t len)
{
	struct pb_topo *t = pb_topo_system();
	hwloc_bitmap_t set;
	int node = -1;

	if (!t)
		return -1;
	if (pb_topo_nodes(t) == 1)
		return pb_topo_node_os(t, 0);	/* nowhere else it could be */
	set = hwloc_bitmap_alloc();
	if (!set)
		return -1;
	if (!hwloc_get_area_memlocation(t->h, addr, len, set, HWLOC_MEMBIND_BYNODESET) &&
	    hwloc_bitmap_weight(set) == 1)
		node = hwloc_bitmap_first(set);
	hwloc_bitmap_free(set);
	return node;
}

void *pb_numa_alloc(size_t len, int node)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (node >= 0) {
		int rc = pb_numa_bind_area(p, len, (unsigned)node);

		if (rc) {
			munmap(p, len);
			errno = -rc;
			return NULL;
		}
		/* Touched now, so the pages are on the node before anyone measures them. */
		memset(p, 0, len);
	}
	return p;
}

void pb_numa_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

int pb_numa_membind_thread(int node, struct pb_membind *saved)
{
	hwloc_membind_policy_t policy;
	hwloc_bitmap_t before;
	struct pb_topo *t;
	hwloc_obj_t o;
	int rc = 0;

	memset(saved, 0, sizeof(*saved));
	if (node < 0)
		return 0;
	o = sys_node((unsigned)node, &t, &rc);
	if (!o)
		return rc;
	before = hwloc_bitmap_alloc();
	if (!before)
		return -ENOMEM;
	if (hwloc_get_membind(t->h, before, &policy, HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET)) {
		/* Unreadable policy: put back the default afterwards. */
		policy = HWLOC_MEMBIND_DEFAULT;
		hwloc_bitmap_copy(before, hwloc_topology_get_topology_nodeset(t->h));
	}
	if (hwloc_set_membind(t->h, o->nodeset, HWLOC_MEMBIND_BIND,
			      HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET)) {
		rc = errno ? -errno : -ENOSYS;
	} else {
		saved->set = true;
		saved->policy = (int)policy;
		to_cpuset(before, &saved->nodes);
	}
	hwloc_bitmap_free(before);
	return rc;
}

void pb_numa_membind_restore(const struct pb_membind *saved)
{
	struct pb_topo *t = pb_topo_system();
	hwloc_bitmap_t b;

	if (!saved->set || !t || !(b = hwloc_bitmap_alloc()))
		return;
	if (!from_cpuset(&saved->nodes, b))
		hwloc_set_membind(t->h, b, (hwloc_membind_policy_t)saved->policy,
				  HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET);
	hwloc_bitmap_free(b);
}
