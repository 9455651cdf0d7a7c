// SPDX-License-Identifier: GPL-2.0-only
/* The JSON of a record's sampled series (a trace replay's memory over time). */
#include <math.h>
#include "results_series.h"

json_t *pb_series_json(const struct pb_series *s)
{
	json_t *o = json_object(), *cols = json_array(), *rows = json_array();
	int bad = !o || !cols || !rows;

	for (unsigned c = 0; !bad && c < s->ncols; c++)
		bad |= json_array_append_new(cols, json_string(s->col[c]));
	for (unsigned i = 0; !bad && i < s->n; i++) {
		json_t *row = json_array();

		bad |= !row;
		for (unsigned c = 0; !bad && c < s->ncols; c++) {
			double v = s->v[(size_t)i * s->ncols + c];

			bad |= json_array_append_new(row, isfinite(v) ? json_real(v) : json_null());
		}
		bad |= json_array_append_new(rows, row);
	}
	if (!bad)
		bad |= json_object_set_new(o, "columns", cols) | json_object_set_new(o, "rows", rows);
	else {
		json_decref(cols);
		json_decref(rows);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
