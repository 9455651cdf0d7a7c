// SPDX-License-Identifier: GPL-2.0-only
/*
 * How a trace file reaches the module: the stdio the trace reader (workloads/trace_read.c)
 * uses, over request_partial_firmware_into_buf. A FILE is a firmware name (under
 * /lib/firmware, which in the qemu guest is the initramfs) and a window of PBK_FW_WINDOW
 * bytes: each refill asks the firmware loader for the next window at its offset, so the
 * module holds one window per open reader, never the trace (docs/kmod.md, "Trace replay in
 * the kernel", says why not debugfs). Also the other bits of libc the replay needs.
 */
#include <linux/device.h>
#include <linux/firmware.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "pbk_replay.h"
#include "platform_kernel.h"
#include "errno.h"
#include "stdio.h"
#include "stdlib.h"
#include "string.h"

#define PBK_FW_WINDOW (64 << 10)	/* one trace block at most: about one load per block */

struct pbk_file {
	char name[128];
	u64 off;		/* file offset of win[0] */
	size_t pos, len;	/* next byte in win, bytes in win */
	bool eof, err;
	u8 *win;
};

static struct device *fw_dev;	/* the firmware loader wants a device; a root device is enough */

int pbk_replay_fw_init(void)
{
	fw_dev = root_device_register("pagebench_kmod");
	return PTR_ERR_OR_ZERO(fw_dev);
}

void pbk_replay_fw_exit(void)
{
	if (!IS_ERR_OR_NULL(fw_dev))
		root_device_unregister(fw_dev);
	fw_dev = NULL;
}

/* Loads the window at @f->off + @f->len; false at the end of the file or on an error. */
static bool refill(struct pbk_file *f)
{
	const struct firmware *fw;
	int ret;

	if (f->eof || f->err)
		return false;
	f->off += f->len;
	f->pos = f->len = 0;
	ret = request_partial_firmware_into_buf(&fw, f->name, fw_dev, f->win, PBK_FW_WINDOW, f->off);
	if (ret) {
		pb_kernel_errno = -ret;
		f->err = true;
		return false;
	}
	f->len = fw->size;
	release_firmware(fw);	/* the bytes stay in f->win: it was our buffer */
	if (f->len < PBK_FW_WINDOW)
		f->eof = true;	/* a short window is the last one: no load past the end */
	return f->len > 0;
}

FILE *pbk_fopen(const char *name, const char *mode)
{
	struct pbk_file *f;

	if (IS_ERR_OR_NULL(fw_dev) || strcmp(mode, "rb")) {
		pb_kernel_errno = EINVAL;
		return NULL;
	}
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (f)
		f->win = vmalloc(PBK_FW_WINDOW);
	if (!f || !f->win || strscpy(f->name, name, sizeof(f->name)) < 0) {
		if (f)
			vfree(f->win);
		kfree(f);
		pb_kernel_errno = f ? ENAMETOOLONG : ENOMEM;
		return NULL;
	}
	/* The first window now, so that a missing file fails the open, as fopen does. */
	if (!refill(f) && f->err) {
		vfree(f->win);
		kfree(f);
		return NULL;
	}
	return f;
}

size_t pbk_fread(void *p, size_t size, size_t n, FILE *f)
{
	size_t want = size * n, got = 0;

	while (got < want) {
		size_t k;

		if (f->pos == f->len && !refill(f))
			break;
		k = min(want - got, f->len - f->pos);
		memcpy((u8 *)p + got, f->win + f->pos, k);
		f->pos += k;
		got += k;
	}
	return size ? got / size : 0;
}

int pbk_fgetc(FILE *f)
{
	u8 c;

	return pbk_fread(&c, 1, 1, f) == 1 ? c : EOF;
}

int pbk_ferror(FILE *f)
{
	return f->err;
}

int pbk_fclose(FILE *f)
{
	if (f) {
		vfree(f->win);
		kfree(f);
	}
	return 0;
}

const char *pbk_strerror(int e)
{
	switch (e) {
	case ENOENT:
		return "no such file under /lib/firmware";
	case ENOMEM:
		return "out of memory";
	case EFBIG:
		return "file too large (over 2 GiB)";
	default:
		return "read failed (see the kernel log)";
	}
}

void *pbk_realloc(void *p, size_t n)
{
	if (p && is_vmalloc_addr(p))
		return NULL;	/* no size to copy: the caller says out of memory */
	return krealloc(p, n, GFP_KERNEL);
}
