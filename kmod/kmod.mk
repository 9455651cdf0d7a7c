# SPDX-License-Identifier: GPL-2.0-only
# The kernel-module variant, included by the top Makefile.
#   make kmod          build build/kmod/pagebench_kmod.ko against KDIR
#   make kmod-test     build, then boot Debian's kernel under qemu and test the module
#   make kmod-clean    remove build/kmod
# KDIR defaults to the Debian headers that match an installed /boot/vmlinuz (see
# kmod/kdir.sh); on a real host: make kmod KDIR=/lib/modules/$(uname -r)/build

KMOD_PKGS := linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static cpio
KMOD_B := $(B)/kmod
KMOD_ROOT := $(CURDIR)
include kmod/shared-src.mk
KDIR ?= $(shell kmod/kdir.sh)

.PHONY: kmod kmod-deps kmod-test kmod-clean
test: kmod-test

kmod-deps:
	@scripts/install-deps.sh $(KMOD_PKGS)

# Symlinks, not copies: Kbuild wants every source in the module directory, and the shared
# sources must stay the files the userspace build compiles.
# With KDIR given (a real host's own headers) the Debian kernel packages are not needed.
kmod: $(if $(filter file,$(origin KDIR)),kmod-deps)
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || \
		{ echo "pagebench: no kernel headers (KDIR='$(KDIR)'); install linux-headers-amd64 or pass KDIR=" >&2; exit 2; }
	@mkdir -p $(KMOD_B)
	@ln -sfn $(CURDIR)/kmod/Kbuild $(KMOD_B)/Kbuild
	@find $(KMOD_B) -maxdepth 1 -type l ! -name Kbuild -delete	# drop links to removed files
	@for f in $(notdir $(wildcard kmod/*.c)); do ln -sfn $(CURDIR)/kmod/$$f $(KMOD_B)/$$f; done
	@for f in $(KMOD_SHARED); do ln -sfn $(CURDIR)/$$f $(KMOD_B)/$$(basename $$f); done
	$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_B)) PB_ROOT=$(CURDIR) PB_GIT_REV=$(GIT_REV) modules

kmod-test: kmod-deps kmod $(B)/pagebench
	PB_BIN=$(CURDIR)/$(B)/pagebench KMOD_KO=$(CURDIR)/$(KMOD_B)/pagebench_kmod.ko \
		tests/kmod/kmod-test.sh

kmod-clean:
	rm -rf $(KMOD_B)
