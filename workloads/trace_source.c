// SPDX-License-Identifier: GPL-2.0-only
/* Event sources: a trace file behind the pull interface, and pumping a source into a sink. */
#include "trace_format.h"

static int file_next(void *ctx, struct pb_trace_event *ev, struct pb_err *err)
{
	return pb_trace_next(ctx, ev, err);
}

static void file_close(void *ctx)
{
	pb_trace_close(ctx);
}

int pb_trace_source_file(struct pb_trace_source *src, const char *path, struct pb_err *err)
{
	struct pb_trace_reader *r = pb_trace_open(path, err);

	if (!r)
		return -1;
	*src = (struct pb_trace_source){
		.hdr = pb_trace_reader_header(r), .next = file_next, .close = file_close, .ctx = r,
	};
	return 0;
}

int pb_trace_pump(struct pb_trace_source *src, struct pb_trace_sink *sink, struct pb_err *err)
{
	struct pb_trace_event ev;
	int rc;

	while ((rc = src->next(src->ctx, &ev, err)) > 0)
		if (sink->emit(sink->ctx, &ev, err))
			return -1;
	return rc;
}

void pb_trace_source_close(struct pb_trace_source *src)
{
	if (src->close)
		src->close(src->ctx);
	src->close = NULL;
}
