// SPDX-License-Identifier: GPL-2.0-only
/* The registry of capture importers (PB_TRACE_IMPORT lines of trace_generators.def). */
#include <string.h>
#include "trace_import.h"

#define PB_TRACE_GEN(sym, name, src)
#define PB_TRACE_IMPORT(sym, name, src) extern const struct pb_trace_importer pb_timp_##sym;
#include "trace_generators.def"
#undef PB_TRACE_IMPORT
#define PB_TRACE_IMPORT(sym, name, src) &pb_timp_##sym,
const struct pb_trace_importer *const pb_trace_importers[] = {
#include "trace_generators.def"
	NULL
};

const struct pb_trace_importer *pb_trace_importer_find(const char *name)
{
	for (const struct pb_trace_importer *const *i = pb_trace_importers; *i; i++)
		if (!strcmp((*i)->name, name))
			return *i;
	return NULL;
}
