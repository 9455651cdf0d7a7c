# SPDX-License-Identifier: GPL-2.0-only
# The reference-model stress driver (tests/stress/, docs/stress.md), built three ways:
# plain (build/stress), ASan+UBSan (build-asan/stress) and TSan (build-tsan/stress, run by
# tests/tsan.mk's test-tsan).
#   make stress [STRESS_OPS=1e9] [STRESS_ARGS="--backend buddy --seed 7"]
#                       the long mode: STRESS_OPS operations per backend, plain build
#   make test-stress    the short mode, plain and ASan+UBSan, and under fault injection
#                       (--fail 0.05: docs/fault-injection.md) (part of make test)
# It stands on the allocators only (platform, core, backends), like a backend's test.
INC_tests/stress := $(call layer_inc,3) -Itests/stress
STRESS_SRCS := $(wildcard tests/stress/*.c)
STRESS_HDRS := $(wildcard tests/stress/*.h)
STRESS_OPS ?= 1e9
STRESS_ARGS ?=
# Short mode: operations per backend; split over its configurations (rules.c).
STRESS_SHORT_OPS ?= 100000
STRESS_SHORT_OPS_ASAN ?= 30000

$(call objs,$(B),$(STRESS_SRCS)) $(call objs,$(BA),$(STRESS_SRCS)) $(call objs,$(BT),$(STRESS_SRCS)): $(STRESS_HDRS)
$(B)/stress: $(call objs,$(B),$(STRESS_SRCS)) $(B)/libpagebench.a
	$(CC) $(OPT) -o $@ $^ $(LIBS)
$(BA)/stress: $(call objs,$(BA),$(STRESS_SRCS)) $(BA)/libpagebench.a
	$(CC) $(SAN) -o $@ $^ $(LIBS)
$(BT)/stress: $(call objs,$(BT),$(STRESS_SRCS)) $(BT)/libpagebench.a
	$(CC) $(TSAN) -o $@ $^ $(LIBS)

.PHONY: stress test-stress
stress: $(B)/stress
	$(B)/stress --ops $(STRESS_OPS) $(STRESS_ARGS)
test-stress: $(B)/stress $(BA)/stress
	$(B)/stress --ops $(STRESS_SHORT_OPS) --seed 1
	$(B)/stress --ops $(STRESS_SHORT_OPS) --seed 2 --threads 1 --backend buddy,ptr_ring_pool,halfpage,frag,array_cache,urcu_stack
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		$(BA)/stress ring --count 20000
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		$(BA)/stress --ops $(STRESS_SHORT_OPS_ASAN) --seed 3
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		$(BA)/stress --ops $(STRESS_SHORT_OPS_ASAN) --seed 4 --fail 0.05
