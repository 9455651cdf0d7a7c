// SPDX-License-Identifier: GPL-2.0-only
/*
 * The backend registry: one line per backend in backends.def. Built into the kernel module
 * too, where PB_KSEL_USER drops the userspace-only lines, so the module's backends are the
 * same list, not a copy of it.
 */
#include <string.h>
#include "allocator.h"
#include "direct.h"
#include "kernel_cap.h"

#define PB_BACKEND(sym, src, kernel, why) \
	PB_KSEL_##kernel(extern const struct pb_alloc_ops pb_alloc_##sym;)
#include "backends.def"
#undef PB_BACKEND

const struct pb_alloc_ops *const pb_alloc_registry[] = {
#define PB_BACKEND(sym, src, kernel, why) PB_KSEL_##kernel(&pb_alloc_##sym,)
#include "backends.def"
#undef PB_BACKEND
	NULL,
};

/* In pb_alloc_registry's order, entry for entry. */
static const struct pb_kernel_cap kernel_caps[] = {
#define PB_BACKEND(sym, src, kernel, why) PB_KSEL_##kernel(PB_KCAP_##kernel(why),)
#include "backends.def"
#undef PB_BACKEND
};

unsigned pb_alloc_all(const struct pb_alloc_ops **out, unsigned max)
{
	unsigned n = 0;

	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o && n < max; o++)
		if (!(*o)->absent)
			out[n++] = *o;
	return n;
}

const struct pb_alloc_ops *pb_alloc_find(const char *name)
{
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++)
		if (!strcmp((*o)->name, name))
			return *o;
	return NULL;
}

const struct pb_kernel_cap *pb_alloc_kernel_cap(const struct pb_alloc_ops *ops)
{
	for (unsigned i = 0; pb_alloc_registry[i]; i++)
		if (pb_alloc_registry[i] == ops)
			return &kernel_caps[i];
	return NULL;
}

/* direct.h's path column, entry for entry. */
#define PB_PATH_ENTRY(T, sym, kernel, shape, path) PB_KSEL_##kernel({ &pb_alloc_##sym, PB_PATH_##path },)
static const struct {
	const struct pb_alloc_ops *ops;
	enum pb_path_kind kind;
} path_kinds[] = { PB_DIRECT_BACKENDS(PB_PATH_ENTRY, _) };
#undef PB_PATH_ENTRY

enum pb_path_kind pb_alloc_path_kind(const struct pb_alloc_ops *ops)
{
	for (unsigned i = 0; i < sizeof(path_kinds) / sizeof(path_kinds[0]); i++)
		if (path_kinds[i].ops == ops)
			return path_kinds[i].kind;
	return PB_PATH_NONE;
}
