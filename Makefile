# SPDX-License-Identifier: MIT
# One non-recursive build for the whole repository: the harness, the grader,
# and every lab's tests (each lab describes itself in labs/NN-topic/lab.mk).
# Start with `make help`.

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BUILD := $(ROOT)/build

ifeq ($(origin CC),default)
CC := gcc
endif

# _GNU_SOURCE (said once, here): the labs use Linux calls such as pipe2,
# pidfd_open, sigabbrev_np and the sched_* affinity calls.
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -g \
               -MMD -MP

# Variants of a lab's tests: what the grader builds, one per tool.
VFLAGS_plain := -O2
# -Wno-tsan: gcc 12 refuses atomic_thread_fence under -fsanitize=thread (as
# an error, with -Werror), yet a fence is correct C11 (lab 07's reference
# sleeps and wakes with two). TSan ignores fences: where one orders data, the
# race it then reports is what the header's contract rules out (lab 03's
# fixes.h, lab 07's ring.h), never a compile error. Only where the compiler
# takes the option (clang does not know it). Asked the first time a TSan
# build needs it, then kept: every other make (the fast loop parses this
# file three times) is spared a compiler start.
TSAN_NO_FENCE_WARNING = $(eval TSAN_NO_FENCE_WARNING := $(shell $(CC) \
    -Werror -Wno-tsan -fsyntax-only -x c /dev/null 2>/dev/null && \
    echo -Wno-tsan))$(TSAN_NO_FENCE_WARNING)
VFLAGS_tsan = -O1 -fsanitize=thread $(TSAN_NO_FENCE_WARNING)
VFLAGS_asan := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=all
VFLAGS_vg := -O1
# cov (make coverage): the student's objects at -O0 with gcov's counters
# (-O0's range analysis finds format-truncation "errors" that -O2 proves
# safe). Counters are updated atomically: plain ones lose updates when two
# threads run a line at once. Atomic ones cost nothing measurable here
# (make coverage FAULTS=1 of lab 02: 13 s, against 16 s with plain ones).
# Counts still disagree when a process exits while its threads run, which
# student-coverage.sh tolerates. Only the student's lines are measured, so
# the tests, the lab's support files and the harness are built as for
# grading (VFLAGS_cov_rest), and linked with --coverage: at -O0 with
# counters, lab 02's two speedup
# tests spun until their 60 s limit, and make check's coverage of lab 02
# took 125 s (70 s of CPU).
VFLAGS_cov := -O0 --coverage -fprofile-update=atomic -Wno-error=format-truncation
VFLAGS_cov_rest := -O2
# -fno-optimize-sibling-calls: a call site is a return address, and a tail
# call (`return pthread_mutex_unlock(m);`) would name the caller's line.
VFLAGS_sched := -O2 -fno-optimize-sibling-calls -DHARNESS_SCHED_BUILD

# The coverage build's fault injection renames the C library calls of the
# student's objects, and only theirs, to harness/coverage/faults.c's
# wrappers: a file of "old new" lines for objcopy --redefine-syms, which
# the Makefile reads from its object (COV_SYMS, below).
STUDENT_REDEFINE_SYMS ?=
# The sched build (docs/sched.md) renames the synchronization calls of the
# student's objects and of the test's own (its threads are under the
# scheduler too) to harness/scheduler.c. Support files are left alone: they
# are the lab's hooks, and call the harness themselves.
TEST_REDEFINE_SYMS :=
# And C11 atomics, which are macros, not calls: the sched build's
# <stdatomic.h> (harness/sched-include) makes each one a scheduling point,
# for the student's objects and the test's, not the harness's own.
REDEFINE_CFLAGS :=
REDEFINE_DEPS :=

# Where a lab build reads and writes (the grader sets all four).
VARIANT ?= plain
TREE ?= $(ROOT)/labs
OUT ?= $(BUILD)/dev
SRC ?= labs

ifeq ($(filter $(VARIANT),plain tsan asan vg cov sched),)
$(error VARIANT=$(VARIANT): use plain, tsan, asan, vg, cov or sched)
endif
ifeq ($(VARIANT),cov)
STUDENT_REDEFINE_SYMS := $(BUILD)/harness/coverage/faults.syms
endif
ifeq ($(VARIANT),sched)
STUDENT_REDEFINE_SYMS := $(ROOT)/harness/sched.syms
TEST_REDEFINE_SYMS := $(ROOT)/harness/sched.syms
REDEFINE_CFLAGS := -I$(ROOT)/harness/sched-include
REDEFINE_DEPS := $(ROOT)/harness/sched-include/stdatomic.h
endif
VFLAGS := $(VFLAGS_$(VARIANT))
# What the objects that are not the student's are built with: the same,
# except in cov (above).
REST_VFLAGS := $(or $(VFLAGS_$(VARIANT)_rest),$(VFLAGS))

LABS :=
include $(sort $(wildcard $(ROOT)/labs/*/lab.mk))

# ---------------------------------------------------------------------------
# The harness: one static library per variant, shared by every lab.

HARNESS_SRCS := $(sort $(wildcard $(ROOT)/harness/*.c))
HARNESS_DIR := $(BUILD)/harness/$(VARIANT)
HARNESS_OBJS := $(patsubst $(ROOT)/harness/%.c,$(HARNESS_DIR)/%.o,$(HARNESS_SRCS))
HARNESS_LIB := $(HARNESS_DIR)/libharness.a

# Shared by every graded tree, and graders may run side by side: write to
# a temporary name and rename, so no link ever sees a half-written file.
$(HARNESS_DIR)/%.o: $(ROOT)/harness/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(REST_VFLAGS) -MF $(@:.o=.d) -c $< -o $@.$$$$.tmp && \
	    mv -f $@.$$$$.tmp $@

$(HARNESS_LIB): $(HARNESS_OBJS)
	$(AR) rcs $@.$$$$.tmp $^ && mv -f $@.$$$$.tmp $@

# The coverage runtime, linked into the cov variant's binaries only, and
# built without --coverage itself. covwrap.c writes gcov's counts before
# _exit and exec (ld --wrap); faults.c wraps the C library calls of the
# student's objects, and only theirs: objcopy --redefine-syms renames
# them after the list of its covfault_* functions (faults.syms, "old new"
# lines, read from the object with nm).
COV_RUNTIME_DIR := $(BUILD)/harness/coverage
COV_RUNTIME := $(COV_RUNTIME_DIR)/covwrap.o $(COV_RUNTIME_DIR)/faults.o
COV_SYMS := $(COV_RUNTIME_DIR)/faults.syms

$(COV_RUNTIME_DIR)/%.o: $(ROOT)/harness/coverage/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -I$(ROOT)/harness -MF $(@:.o=.d) -c $< -o $@.$$$$.tmp && \
	    mv -f $@.$$$$.tmp $@

$(COV_SYMS): $(COV_RUNTIME_DIR)/faults.o
	nm $< | awk '$$2 == "T" && $$3 ~ /^covfault_/ { print substr($$3, 10), $$3 }' \
	    >$@.$$$$.tmp && mv -f $@.$$$$.tmp $@

ifeq ($(VARIANT),cov)
COV_LINK := $(COV_RUNTIME) -Wl,--wrap=_exit,--wrap=execvp
COV_RUNTIME_DEPS := $(COV_RUNTIME)
endif

# make explore (docs/sched.md, grader/scripts/explore.sh): one standalone
# pthread program under the controlled scheduler. Its object is renamed as
# a lab's student objects are (sched.syms), and its main and assert()
# failures go to the driver (explore.syms), which links the sched harness.
# Not -Werror: it is the self-learner's program, not graded code.
EXPLORE_DRIVER := $(BUILD)/harness/explore/driver.o
EXPLORE_SYMS := $(ROOT)/harness/sched.syms $(ROOT)/harness/explore/explore.syms

$(EXPLORE_DRIVER): $(ROOT)/harness/explore/driver.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -I$(ROOT)/harness -MF $(@:.o=.d) -c $< -o $@.$$$$.tmp && \
	    mv -f $@.$$$$.tmp $@

ifeq ($(VARIANT)$(if $(PROG),y),schedy)
EXPLORE_OUT ?= $(BUILD)/explore/$(notdir $(basename $(PROG)))
$(EXPLORE_OUT)/prog.o: $(PROG) $(EXPLORE_SYMS) $(REDEFINE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(filter-out -Werror -MMD -MP,$(BASE_CFLAGS)) $(VFLAGS) \
	    $(REDEFINE_CFLAGS) -c $< -o $@ && \
	    objcopy $(addprefix --redefine-syms=,$(EXPLORE_SYMS)) $@
$(EXPLORE_OUT)/prog: $(EXPLORE_OUT)/prog.o $(EXPLORE_DRIVER) $(HARNESS_LIB)
	$(CC) $(BASE_CFLAGS) -o $@ $^ -lcmocka
explore-build: $(EXPLORE_OUT)/prog
.PHONY: explore-build
endif

# ---------------------------------------------------------------------------
# A lab's tests against a source tree. Student files are copied from
# $(TREE)/<lab>/ behind a #line directive: only the files the lab declares
# are taken from the graded tree (a submission's own headers, tests or
# Makefile are never used), and diagnostics still name the student's file.
# The grader passes TREE = its staged copies (build/trees/<tag>/src) and
# GRADER_SHOWN_TREE = the tree they came from, which #line names.

define lab_template
$(1)_DIR := $(OUT)/$(1)/$(VARIANT)
$(1)_OBJS := $$(patsubst %.c,$$($(1)_DIR)/student/%.o,$$($(1)_STUDENT)) \
             $$(patsubst %.c,$$($(1)_DIR)/support/%.o,$$($(1)_SUPPORT))
# ONLY_BINS (the grader, grading some tests only): build just these test
# binaries of the lab; unset, all of them.
$(1)_BUILT := $$(if $$(ONLY_BINS),$$(filter $$(ONLY_BINS),$$($(1)_TESTS)),$$($(1)_TESTS))
$(1)_BINS := $$(addprefix $$($(1)_DIR)/bin/,$$($(1)_BUILT))
# -iquote, not -I: a lab's header may share a name with a system header
# (lab 01's spawn.h and <spawn.h>), and a student who includes the system's
# with <...> must get it (posix_spawn in lab 01).
$(1)_CFLAGS := $(BASE_CFLAGS) $(VFLAGS) -I$(ROOT)/harness -iquote $(ROOT)/labs/$(1)
$(1)_REST_CFLAGS := $(BASE_CFLAGS) $(REST_VFLAGS) -I$(ROOT)/harness -iquote $(ROOT)/labs/$(1)

$$($(1)_DIR)/student/%.c: $(TREE)/$(1)/%.c
	@mkdir -p $$(@D)
	@printf '#line 1 "%s"\n' "$$(or $$(GRADER_SHOWN_TREE),$(TREE))/$(1)/$$*.c" \
	    > $$@.tmp && cat "$$<" >> $$@.tmp && mv $$@.tmp $$@

$$($(1)_DIR)/student/%.o: $$($(1)_DIR)/student/%.c $$(STUDENT_REDEFINE_SYMS) \
                          $(REDEFINE_DEPS)
	$$(CC) $$($(1)_CFLAGS) $(REDEFINE_CFLAGS) -c $$< -o $$@ $$(if $$(STUDENT_REDEFINE_SYMS),&& \
	    objcopy --redefine-syms=$$(STUDENT_REDEFINE_SYMS) $$@)

$$($(1)_DIR)/support/%.o: $(ROOT)/labs/$(1)/%.c
	@mkdir -p $$(@D)
	$$(CC) $$($(1)_REST_CFLAGS) -c $$< -o $$@

$$($(1)_DIR)/tests/%.o: $(ROOT)/labs/$(1)/tests/%.c $$(TEST_REDEFINE_SYMS) \
                        $(REDEFINE_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$($(1)_REST_CFLAGS) $(REDEFINE_CFLAGS) -c $$< -o $$@ $$(if $$(TEST_REDEFINE_SYMS),&& \
	    objcopy --redefine-syms=$$(TEST_REDEFINE_SYMS) $$@)

# The student's objects may not replace what the tests, the harness or
# cmocka define or call (grader/scripts/student-symbols.sh says why).
# Checked once against every test of the lab, not once per test binary
# (a third of a second each): a clash with any test fails the build, and
# so the lab, either way.
$$($(1)_DIR)/symbols.ok: $$($(1)_OBJS) \
                         $$(patsubst %,$$($(1)_DIR)/tests/%.o,$$($(1)_BUILT)) \
                         $(HARNESS_LIB) $(ROOT)/grader/scripts/student-symbols.sh
	@STUDENT_SYMBOLS_CACHE=$(BUILD)/symbols bash $(ROOT)/grader/scripts/student-symbols.sh \
	    "$$(or $$(GRADER_SHOWN_TREE),$(TREE))/$(1)" "$$(CC)" \
	    $$(filter $$($(1)_DIR)/student/%,$$^) -- \
	    $$(filter-out $$($(1)_DIR)/student/% %.sh,$$^)
	@touch $$@

$$($(1)_DIR)/bin/%: $$($(1)_DIR)/tests/%.o $$($(1)_OBJS) $(HARNESS_LIB) \
                    $$($(1)_DIR)/symbols.ok $(COV_RUNTIME_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$($(1)_CFLAGS) -o $$@ \
	    $$(filter-out %.ok $(COV_RUNTIME_DEPS),$$^) \
	    -lcmocka $$($(1)_LDLIBS) $(COV_LINK)

# The list binaries the grader learns test names from (`list/<test>
# --list`): the test file, support objects and harness, without the
# student's objects, so no code of the submission (a constructor runs
# before main) runs unsandboxed as the grader's user. The student's symbols
# stay unresolved; non-PIE, they become 0 at link time, never a dynamic
# relocation, and --list calls none of them. The plain variant (the grader
# lists once, from the plain build) and cov (make coverage lists the same
# way, grader/scripts/student-coverage.sh).
$$($(1)_DIR)/list/%: $$($(1)_DIR)/tests/%.o \
                     $$(filter $$($(1)_DIR)/support/%,$$($(1)_OBJS)) \
                     $(HARNESS_LIB) $(COV_RUNTIME_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$($(1)_CFLAGS) -no-pie -o $$@ $$(filter-out $(COV_RUNTIME_DEPS),$$^) \
	    -lcmocka $$($(1)_LDLIBS) $(COV_LINK) -Wl,--unresolved-symbols=ignore-all

lab-build-$(1): $$($(1)_BINS) \
    $$(if $$(filter plain cov,$(VARIANT)),$$(addprefix $$($(1)_DIR)/list/,$$($(1)_BUILT)))
.PHONY: lab-build-$(1)
-include $$(wildcard $$($(1)_DIR)/*/*.d)
endef

$(foreach l,$(LABS),$(eval $(call lab_template,$(l))))
.SECONDARY:

# The grader asks for one lab, one variant, one tree: `make lab-build LAB=...`
# lab-info is what lab.mk declares, and the command that compiles a student
# file of the lab in VARIANT, without the file (make mutate-sample checks a
# mutant compiles with it: grader/mutate/export.py).
lab-build: lab-build-$(LAB)
lab-info:
	@printf 'student: %s\ntests: %s\ncompile: %s\n' "$($(LAB)_STUDENT)" \
	    "$($(LAB)_TESTS)" "$(CC) $($(LAB)_CFLAGS) $(REDEFINE_CFLAGS)"
.PHONY: lab-build lab-info

# ---------------------------------------------------------------------------
# The grader (C), its unit tests, and the tools it needs.

DEPS_STAMP := $(BUILD)/.deps-ok
GRADER := $(BUILD)/bin/grader
GRADER_SRCS := $(filter-out %/main.c,$(sort $(wildcard $(ROOT)/grader/src/*.c)))
GRADER_OBJS := $(patsubst $(ROOT)/grader/src/%.c,$(BUILD)/grader/%.o,$(GRADER_SRCS))
GRADER_CFLAGS := $(BASE_CFLAGS) -O2 -I$(ROOT)/grader/src
GRADER_LIBS := -linih -ljansson

$(DEPS_STAMP): $(ROOT)/grader/scripts/deps.sh
	@bash $(ROOT)/grader/scripts/deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/grader/%.o: $(ROOT)/grader/src/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(GRADER_CFLAGS) -c $< -o $@

$(GRADER): $(BUILD)/grader/main.o $(GRADER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(GRADER_CFLAGS) -o $@ $^ $(GRADER_LIBS)

UNIT_TESTS := $(patsubst $(ROOT)/grader/tests/unit/%.c,$(BUILD)/unit/%,$(sort $(wildcard $(ROOT)/grader/tests/unit/test_*.c)))

$(BUILD)/unit/%: $(ROOT)/grader/tests/unit/%.c $(GRADER_OBJS) $(HARNESS_LIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(GRADER_CFLAGS) -I$(ROOT)/harness \
	    -DFIXTURES=\"$(ROOT)/grader/tests/unit/fixtures\" -o $@ $^ -lcmocka $(GRADER_LIBS)

-include $(wildcard $(BUILD)/grader/*.d $(BUILD)/unit/*.d $(HARNESS_DIR)/*.d \
                   $(COV_RUNTIME_DIR)/*.d $(BUILD)/harness/explore/*.d)

grader: $(GRADER)
unit: $(UNIT_TESTS)
.PHONY: grader unit

# ---------------------------------------------------------------------------
# What people type.

all: $(GRADER) $(foreach l,$(LABS),lab-build-$(l)) compile_commands.json
.DEFAULT_GOAL := all

# `make grade` keeps the grader's exit status (0 all passed, 1 some check
# failed, 2 could not grade), which a failing recipe cannot: GNU make turns
# every recipe failure into 2. So when `grade` is the only goal, the grader
# runs while this file is read, its report on stderr, and make returns 1 by
# way of question mode (-q), its only exit status other than 0 and 2.
GRADE_ARGS = grade --root $(ROOT) --src $(SRC) $(if $(LAB),--lab $(LAB)) \
             $(if $(ONLY),--only $(ONLY)) $(if $(JOBS),--jobs $(JOBS)) \
             $(if $(TEST),--test $(TEST)) $(if $(TRACE),--trace) \
             $(GRADE_FLAGS)
ifeq ($(MAKECMDGOALS),grade)
GRADE_RC := $(shell $(MAKE) --no-print-directory -s -C $(ROOT) grader >&2 && \
                    $(GRADER) $(GRADE_ARGS) >&2; echo $$?)
ifeq ($(GRADE_RC),2)
$(error the grader could not grade (see above))
endif
ifneq ($(GRADE_RC),0)
MAKEFLAGS += -q
endif
grade:
	@:
else
grade: $(GRADER)
	$(GRADER) $(GRADE_ARGS)
endif

# The student's fast loop: functional tests of one lab, plain build only.
test: $(GRADER)
	@$(GRADER) grade --root $(ROOT) --src $(SRC) $(if $(LAB),--lab $(LAB)) \
	    --only functional $(if $(TEST),--test $(TEST)) $(GRADE_FLAGS)

doctor: $(GRADER)
	@$(GRADER) doctor --root $(ROOT)

check: $(GRADER) $(UNIT_TESTS)
	@bash $(ROOT)/grader/scripts/check.sh

# The flake gate: grade the solutions N times, a CPU hog running in every
# other run, and report any check that failed even once.
N ?= 20
flake: $(GRADER)
	@bash $(ROOT)/grader/scripts/flake.sh $(N) $(LAB)

deps:
	@bash $(ROOT)/grader/scripts/deps.sh

# A Debian 11 root (glibc 2.31) for make check's old-glibc item: built
# once, outside the checkout (OLD_GLIBC_ROOT, default /var/cache/labs-bullseye).
old-glibc-root:
	@bash $(ROOT)/grader/scripts/old-glibc-root.sh

FORMAT_FILES = $(shell cd $(ROOT) && git ls-files '*.c' '*.h' 2>/dev/null)
format:
	cd $(ROOT) && clang-format -i $(FORMAT_FILES)
format-check:
	cd $(ROOT) && clang-format --dry-run -Werror $(FORMAT_FILES)

# compile_commands.json for clangd: the commands of a build from scratch,
# as bear records them (grader/scripts/compile-commands.sh).
compile_commands.json: $(wildcard $(ROOT)/labs/*/lab.mk) $(ROOT)/Makefile \
                       $(ROOT)/grader/scripts/compile-commands.sh
	@bash $(ROOT)/grader/scripts/compile-commands.sh $(LABS) > $@.tmp && mv $@.tmp $@

# Feature fragments, each owned by its own folder: slides (make slides,
# slides-check), instructors (release, grade-class, gradescope) and
# students (progress, hint, solution, watch, coverage).
-include $(ROOT)/slides/slides.mk
-include $(ROOT)/grader/instructor.mk
-include $(ROOT)/grader/student.mk
-include $(ROOT)/bench/bench.mk

clean:
	rm -rf $(BUILD) compile_commands.json

help:
	@echo 'make grade [LAB=NN] [SRC=labs|solutions|DIR]  grade (default: your labs/)'
	@echo 'make test [LAB=NN] [TEST=name]                functional tests only (fast)'
	@echo 'make check                                    the repository'"'"'s own tests'
	@echo 'make doctor                                   tools, CPUs, sanitizer health'
	@echo 'make deps                                     install what is missing'
	@echo 'make old-glibc-root                           a Debian 11 root for make check (root, network)'
	@echo 'make flake [N=20] [LAB=NN]                    grade the solutions N times, hunting flakes'
	@echo 'make format | format-check                    clang-format the tree'
	@echo 'make grade ... TRACE=1                        also write timelines (build/grade/traces/)'
	@echo 'make bench [QUICK=1] [REF=solutions]          benchmarks against the limits (docs/benchmarks.md)'
	@echo 'make lab07-bench [SRC=...]                    lab 07 task 4: the decision-rule table'
	@echo 'make slides | slides-check | slides-sync      the decks (slides/README.md)'
	@echo 'make release | grade-class | gradescope | classroom   instructors (docs/instructors.md)'
	@echo 'make mutate [LAB=NN] [OPS=a,b]                mechanical mutants of solutions/ (docs/mutation.md)'
	@echo 'make mutate-sample [LAB=NN]                   one killed mutant per operator into make check'

.PHONY: all grade test doctor check deps old-glibc-root flake format format-check clean help
