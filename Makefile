# SPDX-License-Identifier: GPL-2.0-only
# pagebench: `make` builds, `make bench` measures, `make test` tests. See README.md.

CC      ?= cc
PKGS    := hwloc jansson inih jemalloc liburcu liburcu-cds
# Only the build and the tests need the packages; `make help` and `make clean` do not.
ifeq ($(filter clean help distclean,$(MAKECMDGOALS)),)
DEPS_OK := $(shell scripts/install-deps.sh >&2 && echo ok)
ifneq ($(DEPS_OK),ok)
$(error dependencies missing: see the message above)
endif
endif

# DPDK is optional: dpdk_mempool.c builds its real backend only where pkg-config finds it.
HAVE_DPDK := $(shell pkg-config --exists libdpdk 2>/dev/null && echo 1)
DPDK_CFLAGS := $(if $(HAVE_DPDK),-DPB_HAVE_DPDK $(shell pkg-config --cflags libdpdk))
DPDK_LIBS := $(if $(HAVE_DPDK),$(shell pkg-config --libs libdpdk))

GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
BASE_CFLAGS := -std=gnu11 -g -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers -pthread \
	-DPB_GIT_REV='"$(GIT_REV)"' \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
OPT     ?= -O2
CFLAGS  ?=
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(DPDK_LIBS) -lpfm -lm -pthread
TEST_LIBS := $(shell pkg-config --libs criterion 2>/dev/null)

# The layers, bottom up. A layer sees its own headers and those below it, never one above:
# the include path enforces docs/architecture.md's "no layer includes a header from a layer
# above" (tests/check-layers.sh checks the same from the sources).
LAYERS := allocators/platform allocators/core allocators/backends workloads \
	harness/results harness/engine harness/plan harness/cli
layer_inc = $(foreach d,$(wordlist 1,$(1),$(LAYERS)),-I$(d))
$(foreach i,1 2 3 4 5 6 7 8,$(eval INC_$(word $(i),$(LAYERS)) := $(call layer_inc,$(i))))
# harness/results sits on the allocator substrate (params, counters), not on the workloads.
INC_harness/results := -Iallocators/platform -Iallocators/core -Iharness/results
INC_tests := $(call layer_inc,8) -Itests

LIB_SRCS := $(foreach d,$(filter-out harness/cli,$(LAYERS)),$(wildcard $(d)/*.c))
CLI_SRCS := $(wildcard harness/cli/*.c)
TEST_SRCS := $(wildcard tests/test_*.c tests/support_*.c)
HDRS := $(foreach d,$(LAYERS),$(wildcard $(d)/*.h $(d)/*.def)) kmod/pbk_params.def

# Two build trees: the measured build, and the same code under ASan+UBSan for the tests.
B  := build
BA := build-asan
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

objs = $(patsubst %.c,$(1)/%.o,$(2))

.PHONY: all bench test test-layers test-unit test-asan test-reports clean help
all: $(B)/pagebench

# The include path of the layer a source file is in (its directory).
inc_of = $(INC_$(patsubst %/,%,$(dir $(1))))
$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(call inc_of,$<) $(OPT) $(CFLAGS) -c $< -o $@
$(BA)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(call inc_of,$<) -O1 $(SAN) $(CFLAGS) -c $< -o $@
# DPDK's headers want their own flags (rte_config.h, -march); only this file sees them.
$(B)/allocators/backends/dpdk_mempool.o $(BA)/allocators/backends/dpdk_mempool.o: CFLAGS += $(DPDK_CFLAGS)

$(B)/libpagebench.a: $(call objs,$(B),$(LIB_SRCS))
	ar rcs $@ $^
$(BA)/libpagebench.a: $(call objs,$(BA),$(LIB_SRCS))
	ar rcs $@ $^

$(B)/pagebench: $(call objs,$(B),$(CLI_SRCS)) $(B)/libpagebench.a
	$(CC) $(OPT) -o $@ $^ $(LIBS)
$(BA)/pagebench: $(call objs,$(BA),$(CLI_SRCS)) $(BA)/libpagebench.a
	$(CC) $(SAN) -o $@ $^ $(LIBS)

$(B)/unit-tests: $(call objs,$(B),$(TEST_SRCS)) $(B)/libpagebench.a
	$(CC) -o $@ $^ $(TEST_LIBS) $(LIBS)
$(BA)/unit-tests: $(call objs,$(BA),$(TEST_SRCS)) $(BA)/libpagebench.a
	$(CC) $(SAN) -o $@ $^ $(TEST_LIBS) $(LIBS)

# make bench                      runs configs/quick.ini (every backend, then the ring path)
# make bench CONFIG=configs/default.ini [REPS=n] [OPS=n]   runs another experiment file, REPS
#                                 and OPS overriding every job's (the results record it)
# make bench ALLOC=a,b WORKLOAD=w [SET="k=v k=v"] [REPS=n] [OPS=n]   that comparison instead;
#                                 ALLOC defaults to all (every backend that can run W)
ALLOC    ?=
WORKLOAD ?=
REPS     ?=
OPS      ?=
SET      ?=
CONFIG   ?= configs/quick.ini
RESULTS  ?= results
# Debian's python3, which has matplotlib and scipy (a pyenv python3 earlier in PATH may not).
PYTHON   ?= /usr/bin/python3
BENCH_STAMP := $(shell date +%Y%m%d-%H%M%S)
BENCH_JSON = $(RESULTS)/bench-$(BENCH_STAMP).json
BENCH_COUNTS = $(if $(REPS),--reps $(REPS)) $(if $(OPS),--ops $(OPS))
bench: $(B)/pagebench
	@mkdir -p $(RESULTS)
	$(if $(ALLOC)$(WORKLOAD)$(SET),$(B)/pagebench run --alloc $(or $(ALLOC),all) \
		--workload $(or $(WORKLOAD),alloc-free) $(foreach s,$(SET),--set $(s)) \
		$(BENCH_COUNTS) --json $(BENCH_JSON),$(B)/pagebench run $(CONFIG) $(BENCH_COUNTS) --json $(BENCH_JSON))
	@$(PYTHON) reports/report.py $(BENCH_JSON) -o $(RESULTS)/bench-$(BENCH_STAMP).html

test: test-layers test-unit test-asan test-reports
test-layers:
	tests/check-layers.sh
test-unit: $(B)/unit-tests $(B)/pagebench
	PB_BIN=$(CURDIR)/$(B)/pagebench $(B)/unit-tests --jobs=1
test-asan: $(BA)/unit-tests $(BA)/pagebench
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	PB_SKIP_VALGRIND=1 PB_BIN=$(CURDIR)/$(BA)/pagebench $(BA)/unit-tests --jobs=1

test-reports:
	$(PYTHON) tests/test_report.py

clean:
	rm -rf $(B) $(BA)

help:
	@echo "targets:"
	@echo "  make               build build/pagebench"
	@echo "  make bench         measure: CONFIG's jobs, or ALLOC x WORKLOAD; table + JSON + HTML report"
	@echo "  make test          everything below: layers, unit, ASan+UBSan, reports, kmod-test"
	@echo "  make test-layers   no source includes a header of a layer above it"
	@echo "  make test-unit     the Criterion suites against build/pagebench"
	@echo "  make test-asan     the same suites under AddressSanitizer + UBSan"
	@echo "  make test-reports  the HTML report generator's tests"
	@echo "  make kmod          build the kernel module build/kmod/pagebench_kmod.ko against KDIR"
	@echo "  make kmod-test     build it, boot Debian's kernel under qemu and test the module"
	@echo "  make kmod-clean    remove build/kmod"
	@echo "  make clean         remove build/ and build-asan/"
	@echo "variables (make VAR=value ...):"
	@echo "  CONFIG=FILE        bench: the experiment file (default configs/quick.ini)"
	@echo "  ALLOC=a,b          bench: backends instead of CONFIG (default all: every one that can run WORKLOAD)"
	@echo "  WORKLOAD=w         bench: workload instead of CONFIG (default alloc-free)"
	@echo "  SET=\"k=v k=v\"      bench: parameters with ALLOC/WORKLOAD (pagebench list --params)"
	@echo "  REPS=n             bench: repetitions per backend, also overriding CONFIG's jobs"
	@echo "  OPS=n              bench: operations per repetition, also overriding CONFIG's jobs"
	@echo "  RESULTS=DIR        bench: where the JSON and HTML go (default results)"
	@echo "  PYTHON=path        python3 with matplotlib and scipy (default /usr/bin/python3)"
	@echo "  KDIR=DIR           kmod: kernel headers to build against (default: Debian's, kmod/kdir.sh)"
	@echo "  CC, OPT, CFLAGS    compiler, optimisation (default -O2) and extra flags"

# The kernel-module variant: targets kmod, kmod-test (part of make test), kmod-clean.
-include kmod/kmod.mk
