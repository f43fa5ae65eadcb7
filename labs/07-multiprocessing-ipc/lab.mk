# SPDX-License-Identifier: MIT
# Lab 07, multiprocessing and IPC: framed messages, a process pool, a
# shared-memory ring. Which files are the student's and what the tests link.
LABS += 07-multiprocessing-ipc
07-multiprocessing-ipc_STUDENT := msg.c pool.c ring.c
07-multiprocessing-ipc_SUPPORT :=
07-multiprocessing-ipc_TESTS := test_msg test_pool test_ring
07-multiprocessing-ipc_LDLIBS := -lrt

# Task 4, the bench: a program, not a test, so neither the grader nor `make
# check` builds it. `make lab07-bench [SRC=solutions|DIR]` (or `make bench`
# in the lab folder) builds it against the student files of labs 02, 06
# and 07 of that tree and runs it. Lab 02's and lab 07's pool.c both define
# pool_create, so each model is linked on its own first (ld -r) and keeps
# only its entry points global (objcopy -G).
L07B := 07-multiprocessing-ipc
L07B_SRC := $(ROOT)/labs/$(L07B)/bench
L07B_DIR := $(OUT)/$(L07B)/$(VARIANT)/bench
L07B_CFLAGS := $(BASE_CFLAGS) -O2 -I$(ROOT)/harness -I$(L07B_SRC)
L07B_TREE = $(abspath $(if $(filter /%,$(SRC)),$(SRC),$(ROOT)/$(SRC)))

$(L07B_DIR)/%.o: $(L07B_SRC)/%.c
	@mkdir -p $(@D)
	$(CC) $(L07B_CFLAGS) $(L07B_INC_$*) -c $< -o $@
L07B_INC_bench_threads := -I$(ROOT)/labs/02-threads
L07B_INC_bench_loop := -I$(ROOT)/labs/06-event-loop
L07B_INC_bench_procs := -I$(ROOT)/labs/$(L07B)

L07B_MODEL_threads := $(OUT)/02-threads/$(VARIANT)/student/pool.o \
                      $(OUT)/02-threads/$(VARIANT)/student/gil.o
L07B_MODEL_loop := $(OUT)/06-event-loop/$(VARIANT)/student/loop.o
L07B_MODEL_procs := $(OUT)/$(L07B)/$(VARIANT)/student/pool.o \
                    $(OUT)/$(L07B)/$(VARIANT)/student/msg.o
L07B_KEEP_threads := bench_threads_run bench_gil_run bench_threads_startup
L07B_KEEP_loop := bench_loop_run
L07B_KEEP_procs := bench_procs_run bench_procs_startup

.SECONDEXPANSION:
$(L07B_DIR)/model_%.o: $(L07B_DIR)/bench_%.o $$(L07B_MODEL_$$*)
	$(LD) -r -o $@.tmp $^
	objcopy $(addprefix -G ,$(L07B_KEEP_$*)) $@.tmp $@ && rm -f $@.tmp

$(L07B_DIR)/bench: $(L07B_DIR)/bench.o $(L07B_DIR)/model_threads.o \
                   $(L07B_DIR)/model_loop.o $(L07B_DIR)/model_procs.o \
                   $(BUILD)/harness/$(VARIANT)/libharness.a
	$(CC) $(L07B_CFLAGS) -o $@ $^ -lcmocka -lrt

lab07-bench:
	@$(MAKE) --no-print-directory -C $(ROOT) lab07-bench-run VARIANT=plain \
	    TREE=$(L07B_TREE) OUT=$(BUILD)/bench07/$(notdir $(L07B_TREE))
lab07-bench-run: $(L07B_DIR)/bench
	@$(L07B_DIR)/bench
.PHONY: lab07-bench lab07-bench-run
