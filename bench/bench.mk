# SPDX-License-Identifier: MIT
# `make bench`: the reference solutions against the physical limits and
# against libuv (see docs/benchmarks.md). Not part of `make check`: it
# takes minutes and its figures depend on the machine. `make bench QUICK=1`
# skips timing `make check` itself (the slowest part by far).
#
# The programs link a reference tree as it is now, compiled against the
# labs' headers, exactly as the grader overlays it: REF, a folder laid out
# like solutions/ (NN-topic/x.c), relative to the repository or absolute;
# default solutions, as the grader's --ref. `make bench REF=dir`.

BENCH_DIR := $(BUILD)/bench
BENCH_OBJ := $(BENCH_DIR)/obj
BENCH_BIN := $(BENCH_DIR)/bin
BENCH_CFLAGS := $(BASE_CFLAGS) -O2
REF ?= solutions
BENCH_REF := $(abspath $(if $(filter /%,$(REF)),$(REF),$(ROOT)/$(REF)))
# Objects of each reference tree apart, so another REF never links stale ones.
BENCH_REF_OBJ := $(BENCH_OBJ)/ref/$(subst /,_,$(BENCH_REF))

# A reference file REF/NN-topic/x.c, with its lab's headers and the
# harness's compat.h (what older glibcs lack), as the grader builds it.
$(BENCH_REF_OBJ)/%.o: $(BENCH_REF)/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(ROOT)/labs/$(patsubst %/,%,$(dir $*)) \
	    -I$(ROOT)/harness -c $< -o $@

# A lab's support file (given to students, e.g. lab 06's coro.c).
$(BENCH_OBJ)/labs/%.o: $(ROOT)/labs/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(ROOT)/labs/$(patsubst %/,%,$(dir $*)) \
	    -c $< -o $@

# A benchmark program's own file; BENCH_LAB (set per program below) says
# whose headers it includes.
$(BENCH_OBJ)/%.o: $(ROOT)/bench/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(if $(BENCH_LAB),-I$(ROOT)/labs/$(BENCH_LAB) -I$(ROOT)/harness) \
	    -c $< -o $@

# The tree the programs last linked: another REF relinks them (the
# Makefile's .SECONDARY would take a missing object for an up-to-date one).
# Rewritten only when REF changes, so its age says when that was.
BENCH_REF_STAMP := $(BENCH_DIR)/ref.txt
$(BENCH_REF_STAMP): bench-ref-force
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(BENCH_REF)" ] || echo "$(BENCH_REF)" >$@
bench-ref-force:

# bench_program(name, lab, reference files, extra libraries). A lab's
# headers may route its condition waits through the harness (lab 02's
# pool_hooks.h, lab 07's ring_hooks.h: plain calls while chaos is off), so
# a program built on a lab links the plain harness library too.
define bench_program
$(BENCH_OBJ)/$(1).o: BENCH_LAB := $(2)
$(BENCH_BIN)/$(1): $(BENCH_OBJ)/$(1).o \
                   $(patsubst %,$(BENCH_REF_OBJ)/$(2)/%.o,$(3)) $(BENCH_REF_STAMP) \
                   $(if $(2),$(BUILD)/harness/plain/libharness.a)
	@mkdir -p $$(@D)
	$$(CC) $(BENCH_CFLAGS) -o $$@ $$(filter %.o %.a,$$^) $(4) $(if $(2),-lcmocka)
BENCH_PROGS += $(BENCH_BIN)/$(1)
endef

BENCH_PROGS :=
$(eval $(call bench_program,switch,05-coroutines,coro,))
$(eval $(call bench_program,echo_lab06,06-event-loop,loop echo,))
$(eval $(call bench_program,echo_uv,,,-luv))
$(eval $(call bench_program,echo_load,,,))
$(eval $(call bench_program,ipc,07-multiprocessing-ipc,msg ring,-lrt))
$(eval $(call bench_program,speedup02,02-threads,pmap pool,))
$(eval $(call bench_program,speedup07,07-multiprocessing-ipc,msg pool,-lrt))

-include $(wildcard $(BENCH_OBJ)/*.d $(BENCH_OBJ)/*/*/*.d $(BENCH_REF_OBJ)/*/*.d)

bench-build: $(BENCH_PROGS) $(GRADER)
bench: bench-build
	@bash $(ROOT)/bench/bench.sh $(if $(QUICK),--quick) --ref "$(BENCH_REF)"
.PHONY: bench bench-build bench-ref-force
