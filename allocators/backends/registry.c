// SPDX-License-Identifier: GPL-2.0-only
/* The backend registry: one line per backend in backends.def. */
#include <string.h>
#include "allocator.h"

#define PB_BACKEND(sym) extern const struct pb_alloc_ops pb_alloc_##sym;
#include "backends.def"
#undef PB_BACKEND

const struct pb_alloc_ops *const pb_alloc_registry[] = {
#define PB_BACKEND(sym) &pb_alloc_##sym,
#include "backends.def"
#undef PB_BACKEND
	NULL,
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
