// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where results leave the kernel: every line goes to the kernel log (the serial console of
 * the qemu runner, dmesg on a real host) and into a buffer that debugfs shows as
 * pagebench_kmod/results, for hosts whose log buffer is too small to keep a whole run.
 * Only process context prints, never a measured region.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/stdarg.h>
#include <linux/vmalloc.h>
#include "pbk.h"

#define OUT_BUF_SIZE (4u << 20)
#define LINE_MAX_LEN 900	/* below the printk record limit, so a line is never split */

static DEFINE_MUTEX(out_lock);
static char line[LINE_MAX_LEN];
static char *buf;
static size_t used;
static bool truncated;
static unsigned failures;
static struct debugfs_blob_wrapper blob;
static struct dentry *dir;

int pbk_out_init(void)
{
	buf = vmalloc(OUT_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	used = 0;
	truncated = false;
	failures = 0;
	return 0;
}

void pbk_out_publish(void)
{
	if (!buf)
		return;
	blob.data = buf;
	blob.size = used;
	dir = debugfs_create_dir(PBK_NAME, NULL);
	debugfs_create_blob("results", 0400, dir, &blob);
}

void pbk_out_exit(void)
{
	debugfs_remove_recursive(dir);
	dir = NULL;
	vfree(buf);
	buf = NULL;
}

/* Emits the line formatted in @line; out_lock held. */
static void emit_locked(void)
{
	size_t len = strlen(line);

	printk(KERN_INFO "PBK %s\n", line);
	if (!buf || truncated)
		return;
	if (used + len + 5 > OUT_BUF_SIZE) {
		truncated = true;
		pr_warn(PBK_NAME ": results buffer full; the kernel log has the rest\n");
		return;
	}
	memcpy(buf + used, "PBK ", 4);
	memcpy(buf + used + 4, line, len);
	buf[used + 4 + len] = '\n';
	used += len + 5;
}

void pbk_out(const char *fmt, ...)
{
	va_list ap;

	mutex_lock(&out_lock);
	va_start(ap, fmt);
	vscnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit_locked();
	mutex_unlock(&out_lock);
}

void pbk_error(const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pbk_quote_safe(what, sizeof(what), what);
	mutex_lock(&out_lock);
	failures++;
	mutex_unlock(&out_lock);
	pbk_out("error what=\"%s\"", what);
}

void pbk_check(const char *name, bool ok, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok) {
		mutex_lock(&out_lock);
		failures++;
		mutex_unlock(&out_lock);
	}
	pbk_out("check name=%s ok=%d %s", name, ok, detail);
}

unsigned pbk_out_failures(void)
{
	return READ_ONCE(failures);
}

void pbk_quote_safe(char *dst, size_t len, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i]; i++)
		dst[i] = (s[i] == '"' || (unsigned char)s[i] < ' ') ? '\'' : s[i];
	dst[i] = '\0';
}
