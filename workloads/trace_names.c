// SPDX-License-Identifier: GPL-2.0-only
/* Trace vocabulary (kinds, paths, roles), the header's params text and the CRC32. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "trace_codec.h"
#include "trace_format.h"

static const char *const kind_names[PB_TK_NKINDS] = {
	[PB_TK_RX] = "rx",
	[PB_TK_NAPI_POLL_END] = "napi_poll_end",
	[PB_TK_TX_COMPLETE] = "tx_complete",
	[PB_TK_SOCK_ENQUEUE] = "sock_enqueue",
	[PB_TK_SOCK_RELEASE] = "sock_release",
	[PB_TK_REDIRECT] = "redirect",
	[PB_TK_DROP] = "drop",
	[PB_TK_COPYBREAK] = "copybreak",
};

static const char *const path_names[PB_TP_NPATHS] = {
	[PB_TP_NONE] = "-",
	[PB_TP_XDP_DROP] = "xdp_drop",
	[PB_TP_XDP_TX] = "xdp_tx",
	[PB_TP_XDP_REDIRECT] = "xdp_redirect",
	[PB_TP_SKB] = "skb",
};

static const char *const role_names[] = { "rx", "tx", "sock" };

const char *pb_trace_kind_name(unsigned kind)
{
	return kind < PB_TK_NKINDS ? kind_names[kind] : "?";
}

const char *pb_trace_path_name(unsigned path)
{
	return path < PB_TP_NPATHS ? path_names[path] : "?";
}

int pb_trace_kind_parse(const char *name)
{
	for (unsigned k = 0; k < PB_TK_NKINDS; k++)
		if (!strcmp(name, kind_names[k]))
			return (int)k;
	return -1;
}

unsigned pb_trace_kind_role(unsigned kind)
{
	switch (kind) {
	case PB_TK_TX_COMPLETE:
		return PB_ROLE_TX;
	case PB_TK_SOCK_RELEASE:
		return PB_ROLE_SOCK;
	default:	/* the driver's NAPI context does everything else */
		return PB_ROLE_RX;
	}
}

bool pb_trace_kind_releases(unsigned kind)
{
	return kind == PB_TK_TX_COMPLETE || kind == PB_TK_SOCK_RELEASE || kind == PB_TK_DROP ||
	       kind == PB_TK_COPYBREAK;
}

char *pb_trace_roles_format(unsigned mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 3; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "+" : "",
					      role_names[i]);
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

int pb_trace_roles_parse(const char *s, unsigned *mask, const char *what, struct pb_err *err)
{
	unsigned m = 0;

	while (*s) {
		size_t w = strcspn(s, "+");
		unsigned i;

		for (i = 0; i < 3; i++)
			if (strlen(role_names[i]) == w && !strncmp(s, role_names[i], w))
				break;
		if (i == 3)
			return pb_err_set(err, "%s: '%.*s' is not a role (rx, tx, sock joined by '+')",
					  what, (int)w, s);
		m |= 1u << i;
		s += w + (s[w] == '+');
	}
	if (!m)
		return pb_err_set(err, "%s: no role given", what);
	*mask = m;
	return 0;
}

void pb_trace_header_init(struct pb_trace_header *h, const char *generator, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	h->version = PB_TRACE_VERSION;
	snprintf(h->generator, sizeof(h->generator), "%s", generator);
	h->seed = seed;
}

int pb_trace_header_add_cpu(struct pb_trace_header *h, unsigned mask, struct pb_err *err)
{
	if (h->ncpus >= PB_TRACE_MAX_CPUS)
		return pb_err_set(err, "trace header: more than %d CPUs", PB_TRACE_MAX_CPUS);
	h->roles[h->ncpus++] = (uint8_t)mask;
	return 0;
}

int pb_trace_header_set(struct pb_trace_header *h, struct pb_err *err, const char *key,
			const char *fmt, ...)
{
	size_t n = strlen(h->params), room = sizeof(h->params) - n;
	va_list ap;
	int w;

	w = snprintf(h->params + n, room, "%s=", key);
	if (w < 0 || (size_t)w >= room)
		goto full;
	va_start(ap, fmt);
	w += vsnprintf(h->params + n + w, room - (size_t)w, fmt, ap);
	va_end(ap);
	if ((size_t)w + 1 >= room)
		goto full;
	h->params[n + w] = '\n';
	h->params[n + w + 1] = '\0';
	return 0;
full:
	h->params[n] = '\0';
	return pb_err_set(err, "trace header: params over %d bytes at key '%s'", PB_TRACE_PARAMS_MAX, key);
}

bool pb_trace_header_get(const struct pb_trace_header *h, const char *key, char *buf, size_t len)
{
	size_t k = strlen(key);

	for (const char *l = h->params; *l; ) {
		size_t n = strcspn(l, "\n");

		if (n > k && l[k] == '=' && !strncmp(l, key, k)) {
			snprintf(buf, len, "%.*s", (int)(n - k - 1), l + k + 1);
			return true;
		}
		l += n + (l[n] == '\n');
	}
	return false;
}

uint32_t pb_trace_crc32(uint32_t crc, const void *p, size_t n)
{
	static uint32_t table[256];
	static bool ready;
	const uint8_t *b = p;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {	/* idempotent: racing threads compute the same table */
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int j = 0; j < 8; j++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
