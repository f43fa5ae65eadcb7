# SPDX-License-Identifier: MIT
# Students' targets (included by the top-level Makefile). Inside a lab
# folder LAB is set for you (labs/lab-forward.mk), so `make watch` there
# watches that lab.
#
#   make progress                    every lab: last score, tasks left, next step
#   make watch LAB=NN                make test again on every save
#   make hint LAB=NN [TASK=N]        the next tier of hints, one per call
#   make solution LAB=NN TASK=N [YES=1]  one task's reference, as a diff against your files
#   make coverage LAB=NN [SRC=...] [FAULTS=1]
#                                    which lines of your files the tests run;
#                                    FAULTS=1 also makes each C library call
#                                    the tests reach fail once, in turn
#   make sched LAB=NN TEST=NAME [SRC=...] [RUNS=N] [SEED=S] [STRATEGY=pct|random] [TRACE=1]
#                                    one test under the controlled scheduler,
#                                    RUNS schedules, a failure replayable by
#                                    its seed (docs/sched.md)
#   make explore PROG=path/to/prog.c [SCHEDULES=N] [SEED=S] [STRATEGY=both|pct|random] [HORIZON=K] [ARGS=...]
#                                    your own pthread program under the
#                                    controlled scheduler: an assert() that
#                                    fails or a deadlock, as a replayable seed

STUDENT_SCRIPTS := $(ROOT)/grader/scripts

progress: $(GRADER)
	@bash $(STUDENT_SCRIPTS)/student-progress.sh

watch: $(GRADER)
	@bash $(STUDENT_SCRIPTS)/student-watch.sh "$(LAB)"

hint: $(GRADER)
	@bash $(STUDENT_SCRIPTS)/student-hint.sh "$(LAB)" "$(TASK)"

solution: $(GRADER)
	@bash $(STUDENT_SCRIPTS)/student-solution.sh "$(LAB)" "$(TASK)"

coverage: $(GRADER)
	@bash $(STUDENT_SCRIPTS)/student-coverage.sh --lab "$(LAB)" --src "$(SRC)" \
	    $(if $(filter-out 0,$(FAULTS)),--faults)

sched:
	@LAB="$(LAB)" TEST="$(TEST)" SRC="$(SRC)" RUNS="$(RUNS)" SEED="$(SEED)" \
	    STRATEGY="$(STRATEGY)" TRACE="$(TRACE)" \
	    bash $(STUDENT_SCRIPTS)/student-sched.sh

explore:
	@PROG="$(PROG)" SCHEDULES="$(SCHEDULES)" SEED="$(SEED)" \
	    STRATEGY="$(STRATEGY)" HORIZON="$(HORIZON)" ARGS="$(ARGS)" \
	    bash $(STUDENT_SCRIPTS)/explore.sh

# `make help` lists these first (a prerequisite of the top-level help).
help: help-student
help-student:
	@echo 'The student loop (inside labs/NN-topic/ LAB=NN is implied):'
	@echo '  make | make test                              build what changed, run the functional tests'
	@echo '  make grade                                    every check of the lab (tsan, valgrind, speedup)'
	@echo '  make watch [WATCH=poll]                       make test again on every save'
	@echo '  make progress                                 every lab: last score, tasks left, next step'
	@echo '  make hint LAB=NN [TASK=N] [RESET=1]           the next tier of hints for your first unfinished task'
	@echo '  make solution LAB=NN TASK=N [YES=1]           one task'"'"'s reference as a diff against your files (asks first)'
	@echo '  make coverage LAB=NN [SRC=...] [FAULTS=1]     lines of your files the tests ran (build/coverage/);'
	@echo '                                                FAULTS=1: and with each call that can fail failing once'
	@echo '  make sched LAB=NN TEST=NAME [RUNS=N] [SEED=S]  one test under the controlled scheduler (docs/sched.md)'
	@echo '  make explore PROG=prog.c [SCHEDULES=N] [SEED=S] [STRATEGY=both|pct|random]'
	@echo '                                                your own pthread program under the scheduler: a failed'
	@echo '                                                assert() or a deadlock as a replayable seed (docs/sched.md)'
	@echo

.PHONY: progress watch hint solution coverage sched explore help-student
