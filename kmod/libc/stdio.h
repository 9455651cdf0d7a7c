/* SPDX-License-Identifier: GPL-2.0-only */
/* <stdio.h> for the shared sources: snprintf is the kernel's; stderr is the kernel log. */
#ifndef PBK_LIBC_STDIO_H
#define PBK_LIBC_STDIO_H

#include <linux/kernel.h>
#include <linux/printk.h>

#define stderr NULL
#define fprintf(f, ...) printk(KERN_ERR __VA_ARGS__)

/*
 * Reading a file, for the trace reader (workloads/trace_read.c): a FILE is a firmware file
 * read window by window with request_partial_firmware_into_buf (kmod/pbk_replay_fw.c), so
 * the reader streams in the kernel as it does in userspace. Read-only, "rb" mode only.
 */
typedef struct pbk_file FILE;
#define EOF (-1)
/* Opens firmware file @name (under /lib/firmware) for reading; NULL + errno when it is not there. */
FILE *pbk_fopen(const char *name, const char *mode);
/* Up to @size * @n bytes into @p; fewer at the end of the file or on an error (pbk_ferror). */
size_t pbk_fread(void *p, size_t size, size_t n, FILE *f);
/* The next byte, or EOF. */
int pbk_fgetc(FILE *f);
/* Whether a read of @f failed (not just ended). */
int pbk_ferror(FILE *f);
/* Closes @f. */
int pbk_fclose(FILE *f);
#define fopen pbk_fopen
#define fread pbk_fread
#define fgetc pbk_fgetc
#define ferror pbk_ferror
#define fclose pbk_fclose

#endif
