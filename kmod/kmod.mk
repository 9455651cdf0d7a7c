# SPDX-License-Identifier: GPL-2.0-only
# The kernel-module variant, included by the top Makefile.
#   make kmod          build build/kmod/<release>/pagebench_kmod.ko against KDIR
#   make kmod-all      build it for every installed Debian kernel with headers
#   make kmod-test     build for every kernel, then boot each under qemu and test the module
#   make kmod-clean    remove build/kmod
# KDIR defaults to the headers of the newest Debian kernel installed (kmod/kdir.sh); on a
# real host: make kmod KDIR=/lib/modules/$(uname -r)/build. <release> is KDIR's own
# (include/generated/utsrelease.h), so one tree holds a module per kernel.

# Debian 12's two kernels: 6.1 (linux-*-amd64) and 6.12 from bookworm-security (the
# linux-*-6.12-amd64 meta packages follow its newest 6.12 release). The headers are installed;
# the images are not: scripts/fetch-guest-kernels.sh takes each one's vmlinuz out of its
# package (no initramfs, no boot-loader entry on the host; the guests boot it with their own).
KMOD_PKGS := linux-headers-amd64 linux-headers-6.12-amd64 qemu-system-x86 busybox-static cpio
KMOD_IMAGES := linux-image-amd64 linux-image-6.12-amd64
KMOD_B := $(B)/kmod
KMOD_ROOT := $(CURDIR)
include kmod/shared-src.mk
KDIR ?= $(shell kmod/kdir.sh)
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
KMOD_OUT = $(KMOD_B)/$(KREL)

.PHONY: kmod kmod-all kmod-deps kmod-test kmod-clean
test: kmod-test

kmod-deps:
	@scripts/install-deps.sh $(KMOD_PKGS)
	@scripts/fetch-guest-kernels.sh $(KMOD_IMAGES)

# Symlinks, not copies: Kbuild wants every source in the module directory, and the shared
# sources must stay the files the userspace build compiles.
# With KDIR given (a real host's own headers) the Debian kernel packages are not needed.
kmod: $(if $(filter file,$(origin KDIR)),kmod-deps)
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || \
		{ echo "pagebench: no kernel headers (KDIR='$(KDIR)'); install linux-headers-amd64 or pass KDIR=" >&2; exit 2; }
	@test -n "$(KREL)" || { echo "pagebench: $(KDIR): no include/generated/utsrelease.h (not a kernel headers directory)" >&2; exit 2; }
	@mkdir -p $(KMOD_OUT)
	@ln -sfn $(CURDIR)/kmod/Kbuild $(KMOD_OUT)/Kbuild
	@find $(KMOD_OUT) -maxdepth 1 -type l ! -name Kbuild -delete	# drop links to removed files
	@for f in $(notdir $(wildcard kmod/*.c)); do ln -sfn $(CURDIR)/kmod/$$f $(KMOD_OUT)/$$f; done
	@for f in $(KMOD_SHARED); do ln -sfn $(CURDIR)/$$f $(KMOD_OUT)/$$(basename $$f); done
	$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_OUT)) PB_ROOT=$(CURDIR) PB_GIT_REV=$(GIT_REV) modules

# One build per kernel, one after the other (each is a parallel kbuild of its own).
kmod-all: kmod-deps
	@rels=$$(kmod/kdir.sh --releases); test -n "$$rels" || \
		{ echo "pagebench: no Debian kernel with headers installed (make kmod-deps)" >&2; exit 2; }; \
	for r in $$rels; do $(MAKE) --no-print-directory kmod KDIR=/usr/src/linux-headers-$$r || exit $$?; done

kmod-test: kmod-all $(B)/pagebench
	PB_BIN=$(CURDIR)/$(B)/pagebench KMOD_B=$(CURDIR)/$(KMOD_B) tests/kmod/kmod-test.sh

kmod-clean:
	rm -rf $(KMOD_B)
