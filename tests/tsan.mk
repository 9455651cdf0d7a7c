# SPDX-License-Identifier: GPL-2.0-only
# ThreadSanitizer build (build-tsan/) of everything that runs two or more threads, and its
# run (docs/tsan.md):
#   make test-tsan     (part of make test)
# What runs: the stress driver (tests/stress: every backend, owner + remote thread: the
# remote-free paths, ptr_ring and urcu_stack hand-offs, DPDK remote frees, two CPUs on one
# zone and one IOMMU), its ptr_ring SPSC / MPSC scenarios, and pagebench's cross-CPU
# workloads (cross-cpu over every backend, the four-thread threads-test, the two-CPU
# replay engine and nic-2cpu). Criterion cannot
# start under TSan ("Could not initialize inheritable arena"), so none of this is a
# Criterion suite: the stress driver hosts the multi-threaded scenarios the suites cover.
# A race report fails it (halt_on_error, exit 66). tests/tsan.supp holds no wholesale
# suppression: every intended race is annotated in the code with why it is safe.
BT       := build-tsan
TSAN     := -fsanitize=thread -fno-omit-frame-pointer
TSAN_ENV := TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp"
# Operations per backend for the stress driver under TSan (10-30x slower than plain).
TSAN_STRESS_OPS ?= 8000

$(BT)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(call inc_of,$<) -O1 $(TSAN) $(CFLAGS) -c $< -o $@
$(BT)/allocators/backends/dpdk_mempool.o: CFLAGS += $(DPDK_CFLAGS)
$(BT)/libpagebench.a: $(call objs,$(BT),$(LIB_SRCS))
	ar rcs $@ $^
$(BT)/pagebench: $(call objs,$(BT),$(CLI_SRCS)) $(BT)/libpagebench.a
	$(CC) $(TSAN) -o $@ $^ $(LIBS)

# One step: its output in build-tsan/tsan-NAME.log, its last line printed, the first
# reports shown when it fails.
tsan_step = { $(TSAN_ENV) $(2) >$(BT)/tsan-$(1).log 2>&1; st=$$?; \
	tail -1 $(BT)/tsan-$(1).log | sed "s|^|tsan $(1): |"; \
	if [ $$st -ne 0 ]; then rc=1; echo "tsan $(1): failed, exit $$st ($(BT)/tsan-$(1).log)"; \
		grep "^stress:" $(BT)/tsan-$(1).log | tail -1 | sed "s|^|last passed before the failure: |"; \
		grep -m2 -A40 "WARNING: ThreadSanitizer" $(BT)/tsan-$(1).log; fi; }
TSAN_RUN := --reps 1 --batches 4 --no-baselines --events none --min-batch-us 0
TSAN_CROSS := $(BT)/pagebench run --alloc all --workload cross-cpu --ops 4000 $(TSAN_RUN)
TSAN_THREADS := $(BT)/pagebench run --alloc buddy,ptr_ring_pool,urcu_stack,array_cache \
	--workload threads-test --ops 2000 --allow-shared-cpus $(TSAN_RUN)
# The replay engine on two CPUs (its SPSC hand-off rings, the sampler reading other CPUs'
# counts between windows) and the NIC model with TX completion on a second CPU.
TSAN_REPLAY := $(BT)/pagebench run --alloc all --workload slow-socket --set packets=5000 $(TSAN_RUN)
TSAN_NIC := $(BT)/pagebench run --alloc all --workload nic-2cpu --set verdict=tx --set packets=5000 $(TSAN_RUN)
# The two-thread baseline's turn hand-off (acquire/release on the turn line, the counter's RMW).
TSAN_ATOMIC_REMOTE := $(BT)/pagebench run --workload atomic-remote --ops 4000 $(TSAN_RUN)

.PHONY: test-tsan
test-tsan: $(BT)/stress $(BT)/pagebench
	@rc=0; \
	$(call tsan_step,ring,$(BT)/stress ring --count 20000); \
	$(call tsan_step,stress,$(BT)/stress --ops $(TSAN_STRESS_OPS) --seed 1); \
	$(call tsan_step,cross-cpu,$(TSAN_CROSS)); \
	$(call tsan_step,threads-test,$(TSAN_THREADS)); \
	$(call tsan_step,replay,$(TSAN_REPLAY)); \
	$(call tsan_step,nic-2cpu,$(TSAN_NIC)); \
	$(call tsan_step,atomic-remote,$(TSAN_ATOMIC_REMOTE)); \
	exit $$rc
