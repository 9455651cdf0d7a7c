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

# Two build trees: the measured build, and the same code under ASan+UBSan for the tests.
B  := build
BA := build-asan

# The revision results record. Not a -D flag: a flag is no prerequisite, so the files using it
# kept an old revision when HEAD moved. $(GIT_REV_H) is rewritten only when its text changes
# (FORCE + cmp, as Kbuild's filechk), and the two files that include it rebuild exactly then.
# kmod/kmod.mk passes GIT_REV to Kbuild, which still takes it as -DPB_GIT_REV.
GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
BASE_CFLAGS := -std=gnu11 -g -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers -pthread \
	-I$(B)/gen $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
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

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

objs = $(patsubst %.c,$(1)/%.o,$(2))

.PHONY: all bench test test-layers test-unit test-asan test-reports test-bad-input test-browser report nightly reproduce clean help
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

include tests/fuzz/fuzz.mk
include tests/tsan.mk
include tests/stress/stress.mk

GIT_REV_H := $(B)/gen/git_rev.h
GIT_REV_USERS := harness/engine/context.o harness/cli/cli_main.o
$(foreach t,$(B) $(BA) $(BT) $(BF),$(addprefix $(t)/,$(GIT_REV_USERS))): $(GIT_REV_H)
$(GIT_REV_H): FORCE
	@mkdir -p $(dir $@)
	@printf '#define PB_GIT_REV "%s"\n' '$(GIT_REV)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
.PHONY: FORCE
FORCE:

# make bench                      runs configs/quick.ini (every backend, then the ring path)
#                                 in 2 processes (PROCESSES=n for another count)
# make bench CONFIG=configs/default.ini [REPS=n] [OPS=n] [PROCESSES=n]   runs another
#                                 experiment file, REPS, OPS and PROCESSES overriding every
#                                 job's (the results record it)
# make bench ALLOC=a,b WORKLOAD=w [SET="k=v k=v"] [REPS=n] [OPS=n]   that comparison instead;
#                                 ALLOC defaults to all (every backend that can run W)
ALLOC    ?=
WORKLOAD ?=
REPS     ?=
OPS      ?=
PROCESSES ?=
SET      ?=
CONFIG   ?= configs/quick.ini
RESULTS  ?= results
# Debian's python3, which has matplotlib and scipy (a pyenv python3 earlier in PATH may not).
PYTHON   ?= /usr/bin/python3
BENCH_STAMP := $(shell date +%Y%m%d-%H%M%S)
BENCH_JSON = $(RESULTS)/bench-$(BENCH_STAMP).json
BENCH_COUNTS = $(if $(REPS),--reps $(REPS)) $(if $(OPS),--ops $(OPS)) --processes $(or $(PROCESSES),2)
bench: $(B)/pagebench
	@mkdir -p $(RESULTS)
	$(if $(ALLOC)$(WORKLOAD)$(SET),$(B)/pagebench run --alloc $(or $(ALLOC),all) \
		--workload $(or $(WORKLOAD),alloc-free) $(foreach s,$(SET),--set $(s)) \
		$(BENCH_COUNTS) --json $(BENCH_JSON),$(B)/pagebench run $(CONFIG) $(BENCH_COUNTS) --json $(BENCH_JSON))
	@$(PYTHON) reports/report.py $(BENCH_JSON) -o $(RESULTS)/bench-$(BENCH_STAMP).html

# make report RESULTS="FILES-OR-DIRS" [REPORT=DIR]   the HTML report (docs/reports.md)
# make nightly [INJECT="JOB:KEY=VALUE ..."]        run configs/nightly.ini, file it into HISTORY,
#                                 write results/nightly/; fails on a confirmed regression (make: 2)
#                                 (REPS= OPS= PROCESSES= as for bench; THRESHOLD=PCT, default 3;
#                                 NIGHTLY_RESULTS=DIR for the run's JSON and the page, default results)
# make reproduce [NO_KMOD=1]      the LSF/MM 2016 reproduction table and its page
REPORT   ?= results/report
HISTORY  ?= results/history
NIGHTLY_CONFIG ?= configs/nightly.ini
NIGHTLY_RESULTS ?= results
INJECT   ?=
report: $(B)/pagebench
	$(B)/pagebench report $(RESULTS) -o $(REPORT)
nightly: $(B)/pagebench
	PB_BIN=$(CURDIR)/$(B)/pagebench $(PYTHON) reports/nightly.py --config $(NIGHTLY_CONFIG) \
		--history $(HISTORY) --results $(NIGHTLY_RESULTS) -o $(NIGHTLY_RESULTS)/nightly $(BENCH_COUNTS) \
		$(if $(THRESHOLD),--threshold $(THRESHOLD)) $(foreach i,$(INJECT),--inject $(i))
reproduce: $(B)/pagebench
	$(B)/pagebench reproduce --results results -o results/reproduce $(if $(NO_KMOD),--no-kmod)

# Every binary the tests run is built first, in parallel (a serial build of the four trees was
# most of CI's time); the tests then run one after another, as timing-sensitive tests must.
TEST_BINS = $(B)/pagebench $(B)/unit-tests $(BA)/pagebench $(BA)/unit-tests $(B)/stress \
	$(BA)/stress $(BT)/stress $(BT)/pagebench fuzz-build
.PHONY: test-build
test-build:
	$(MAKE) -j$(shell nproc) $(TEST_BINS)
test: test-build test-layers test-unit test-asan test-reports test-browser test-bad-input test-fuzz test-stress test-tsan
test-layers:
	tests/check-layers.sh
test-unit: $(B)/unit-tests $(B)/pagebench
	PB_BIN=$(CURDIR)/$(B)/pagebench tests/run-criterion.sh unit $(B)/unit-tests --jobs=1
test-asan: $(BA)/unit-tests $(BA)/pagebench
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	PB_SKIP_VALGRIND=1 PB_BIN=$(CURDIR)/$(BA)/pagebench tests/run-criterion.sh asan $(BA)/unit-tests --jobs=1

test-reports: $(B)/pagebench
	PB_BIN=$(CURDIR)/$(B)/pagebench $(PYTHON) tests/test_report.py
	PB_BIN=$(CURDIR)/$(B)/pagebench $(PYTHON) tests/test_reproduce_atomic.py
test-browser: $(B)/pagebench
	PB_REQUIRE_BROWSER=1 PB_BIN=$(CURDIR)/$(B)/pagebench $(PYTHON) tests/test_browser.py

# The bad-input corpus (tests/bad-input/, one file per case), plain and under ASan+UBSan.
test-bad-input: $(B)/pagebench $(BA)/pagebench
	$(PYTHON) tests/test_bad_input.py $(B)/pagebench
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	$(PYTHON) tests/test_bad_input.py $(BA)/pagebench

clean:
	rm -rf $(B) $(BA) $(BF) $(BT)

help:
	@echo "targets:"
	@echo "  make               build build/pagebench"
	@echo "  make bench         measure: CONFIG's jobs, or ALLOC x WORKLOAD; table + JSON + HTML report"
	@echo "  make test          everything below: layers, unit, ASan+UBSan, reports, browser, bad-input, fuzz, stress, TSan, kmod-test"
	@echo "  make test-layers   no source includes a header of a layer above it"
	@echo "  make test-unit     the Criterion suites against build/pagebench"
	@echo "  make test-asan     the same suites under AddressSanitizer + UBSan"
	@echo "  make test-reports  the HTML report generator's tests"
	@echo "  make test-bad-input  every case of tests/bad-input/: exit 2, one line, no file written"
	@echo "  make test-fuzz     every libFuzzer target of tests/fuzz/ for FUZZ_TEST_SECONDS (10) each"
	@echo "  make fuzz          every libFuzzer target for FUZZ_SECONDS (60) each, from tests/fuzz/corpus"
	@echo "  make test-browser  the report in headless Chromium (screenshot: build/test-artefacts/)"
	@echo "  make report        HTML report of RESULTS (files, or history directories) into REPORT"
	@echo "  make nightly       run NIGHTLY_CONFIG, file it into HISTORY, report; fails on a regression"
	@echo "                     (make exits 2 for any failure: cron uses pagebench nightly, 1 regression, 2 bad input)"
	@echo "  make reproduce     the LSF/MM 2016 reproduction table (userspace, kernel module, replays)"
	@echo "  make test-stress   the stress driver's short mode (every backend, reference model), plain + ASan"
	@echo "  make stress        its long mode: STRESS_OPS (1e9) operations per backend, STRESS_ARGS extra"
	@echo "  make test-tsan     ThreadSanitizer: the stress driver, ptr_ring SPSC/MPSC, cross-cpu, threads-test, replay, nic-2cpu, atomic-remote"
	@echo "  make kmod          build the kernel module build/kmod/<release>/pagebench_kmod.ko against KDIR"
	@echo "  make kmod-test     build it for each Debian kernel (6.1, 6.12), boot each under qemu, test the module"
	@echo "  make kmod-clean    remove build/kmod"
	@echo "  make clean         remove build/, build-asan/, build-fuzz/ and build-tsan/"
	@echo "variables (make VAR=value ...):"
	@echo "  B=DIR              the measured build's directory (default build; a second tree, e.g."
	@echo "                     B=build-old, builds and runs beside it: make B=build-old bench)"
	@echo "  CONFIG=FILE        bench: the experiment file (default configs/quick.ini)"
	@echo "  ALLOC=a,b          bench: backends instead of CONFIG (default all: every one that can run WORKLOAD)"
	@echo "  WORKLOAD=w         bench: workload instead of CONFIG (default alloc-free)"
	@echo "  SET=\"k=v k=v\"      bench: parameters with ALLOC/WORKLOAD (pagebench list --params)"
	@echo "  REPS=n             bench: repetitions per backend, also overriding CONFIG's jobs"
	@echo "  OPS=n              bench: operations per repetition, also overriding CONFIG's jobs"
	@echo "  PROCESSES=n        bench: separate processes per benchmark (default 2), overriding CONFIG's"
	@echo "  RESULTS=DIR        bench: where the JSON and HTML go (default results); report: what to read"
	@echo "  REPORT=DIR         report: the directory to write (default results/report)"
	@echo "  HISTORY=DIR        nightly: the history store (default results/history)"
	@echo "  NIGHTLY_CONFIG=FILE  nightly: the experiment file (default configs/nightly.ini)"
	@echo "  NIGHTLY_RESULTS=DIR  nightly: where the run's JSON and the page go (default results)"
	@echo "  THRESHOLD=PCT      nightly: practical threshold of the regression gate (default 3)"
	@echo "  INJECT=\"J:K=V\"     nightly: add K = V to job J for this night (e.g. alloc-free:delay=2000)"
	@echo "  NO_KMOD=1          reproduce: skip the kernel module"
	@echo "  FUZZ_CC=cc         fuzz, test-fuzz: the libFuzzer compiler (default clang)"
	@echo "  FUZZ_SECONDS=n     fuzz: seconds per target (default 60)"
	@echo "  FUZZ_TEST_SECONDS=n  test-fuzz: seconds per target (default 10)"
	@echo "  STRESS_OPS=n       stress: operations per backend (default 1e9)"
	@echo "  STRESS_ARGS=\"...\"  stress: extra arguments of the driver (e.g. --backend buddy --seed 7)"
	@echo "  STRESS_SHORT_OPS=n  test-stress: operations per backend, plain build (default 100000)"
	@echo "  STRESS_SHORT_OPS_ASAN=n  test-stress: the same under ASan+UBSan (default 30000)"
	@echo "  TSAN_STRESS_OPS=n  test-tsan: the stress driver's operations per backend (default 8000)"
	@echo "  PYTHON=path        python3 with matplotlib and scipy (default /usr/bin/python3)"
	@echo "  KDIR=DIR           kmod: kernel headers to build against (default: Debian's, kmod/kdir.sh)"
	@echo "  CC, OPT, CFLAGS    compiler, optimisation (default -O2) and extra flags"

# The kernel-module variant: targets kmod, kmod-test (part of make test), kmod-clean.
-include kmod/kmod.mk
