/* SPDX-License-Identifier: GPL-2.0-only */
/* A record's sampled series in the results file (docs/result-schema.md, "memory_series"). */
#ifndef PB_RESULTS_SERIES_H
#define PB_RESULTS_SERIES_H

#include <jansson.h>
#include "result.h"

/* {"columns": [...], "rows": [[...], ...]} of @s (non-finite values null); NULL out of memory. */
json_t *pb_series_json(const struct pb_series *s);

#endif
