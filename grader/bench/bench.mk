# SPDX-License-Identifier: MIT
# `make bench`: the reference solutions against the physical limits and
# against libuv (see docs/benchmarks.md). Not part of `make check`: it
# takes minutes and its figures depend on the machine. `make bench QUICK=1`
# skips timing `make check` itself (the slowest part by far).
#
# The programs link the reference solutions as they are now (solutions/),
# compiled against the labs' headers, exactly as the grader overlays them.

BENCH_DIR := $(BUILD)/bench
BENCH_OBJ := $(BENCH_DIR)/obj
BENCH_BIN := $(BENCH_DIR)/bin
BENCH_CFLAGS := $(BASE_CFLAGS) -O2

# A solution file solutions/NN-topic/x.c, with its lab's headers.
$(BENCH_OBJ)/solutions/%.o: $(ROOT)/solutions/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(ROOT)/labs/$(patsubst %/,%,$(dir $*)) \
	    -c $< -o $@

# A lab's support file (given to students, e.g. lab 06's coro.c).
$(BENCH_OBJ)/labs/%.o: $(ROOT)/labs/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(ROOT)/labs/$(patsubst %/,%,$(dir $*)) \
	    -c $< -o $@

# A benchmark program's own file; BENCH_LAB (set per program below) says
# whose headers it includes.
$(BENCH_OBJ)/%.o: $(ROOT)/grader/bench/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(if $(BENCH_LAB),-I$(ROOT)/labs/$(BENCH_LAB)) \
	    -c $< -o $@

# bench_program(name, lab, solution files, extra libraries)
define bench_program
$(BENCH_OBJ)/$(1).o: BENCH_LAB := $(2)
$(BENCH_BIN)/$(1): $(BENCH_OBJ)/$(1).o \
                   $(patsubst %,$(BENCH_OBJ)/solutions/$(2)/%.o,$(3))
	@mkdir -p $$(@D)
	$$(CC) $(BENCH_CFLAGS) -o $$@ $$^ $(4)
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

-include $(wildcard $(BENCH_OBJ)/*.d $(BENCH_OBJ)/*/*/*.d)

bench-build: $(BENCH_PROGS) $(GRADER)
bench: bench-build
	@bash $(ROOT)/grader/bench/bench.sh $(if $(QUICK),--quick)
.PHONY: bench bench-build
