# SPDX-License-Identifier: GPL-2.0-only
# libFuzzer targets (clang, Debian's libclang-rt-14-dev), each under ASan+UBSan, over the
# library built a third time with coverage instrumentation in build-fuzz/.
#   make fuzz FUZZ_SECONDS=N    every target for N seconds (default 60), from tests/fuzz/corpus
#   make test-fuzz              every target briefly (part of make test)
# A target's working corpus is build-fuzz/corpus/NAME (the seeds are copied in first), so a
# long run never rewrites the committed seeds; a crash leaves build-fuzz/crash-NAME-* and
# the target's exit status fails the make.
BF          := build-fuzz
FUZZ_CC     ?= clang
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The libFuzzer/OSS-Fuzz convention: code may lower a resource bound for fuzzing under this
# macro (only trace_import_perf.c's frames per poll does, and says why).
FUZZ_MODE   := -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 10
INC_tests/fuzz := $(call layer_inc,8) -Itests/fuzz

$(BF)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) $(call inc_of,$<) -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(FUZZ_MODE) $(CFLAGS) -c $< -o $@
$(BF)/allocators/backends/dpdk_mempool.o: CFLAGS += $(DPDK_CFLAGS)
$(BF)/tests/fuzz/%.o: CFLAGS += -D_GNU_SOURCE	# memfd_create
$(BF)/libpagebench.a: $(call objs,$(BF),$(LIB_SRCS))
	ar rcs $@ $^
$(BF)/fuzz-%: $(BF)/tests/fuzz/fuzz_%.o $(BF)/libpagebench.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LIBS)

.PHONY: fuzz test-fuzz fuzz-build
fuzz-build: $(foreach t,$(FUZZ_TARGETS),$(BF)/fuzz-$(t))
fuzz: fuzz-build
	@rc=0; for t in $(FUZZ_TARGETS); do tests/fuzz/run.sh $$t $(FUZZ_SECONDS) || rc=1; done; exit $$rc
test-fuzz: fuzz-build
	@rc=0; for t in $(FUZZ_TARGETS); do tests/fuzz/run.sh $$t $(FUZZ_TEST_SECONDS) || rc=1; done; exit $$rc
