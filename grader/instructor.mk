# SPDX-License-Identifier: MIT
# Instructors' targets (included by the top-level Makefile). See
# docs/instructors.md for the whole course, step by step.
#
#   make release DEST=dir              a student copy: no solutions, no mutants
#   make grade-class SUBMISSIONS=dir   grade one folder per student, one after
#                                      another -> build/grade/gradebook.csv
#        [SHARD=i/N] [DEADLINE=date]   every N-th student; each at its last
#                                      commit before the deadline
#   make merge-gradebooks SHARDS="d1 d2 ..."   join the shards' gradebooks
#   make grade-class-parallel SUBMISSIONS=dir HOSTS=h1,h2 NSHARDS=n
#                                      shards on a lab of machines (GNU parallel)
#   make similarity [LAB=NN]           pairs of a graded class's files ranked by
#                                      similarity (sim_c), the skeleton left out
#   make gradescope [LAB=NN]           build/gradescope/autograder.zip
#   make classroom                     regenerate .github/classroom/autograding.json
#                                      and .github/workflows/classroom.yml
#   make points                        the rubrics' points per lab and task
#   make points-tables                 rewrite the handouts' Grading tables from them
#   make points-check                  handouts and Classroom files agree with them
#   make mutate [LAB=NN] [OPS=a,b]     mechanical mutants of solutions/, graded
#                                      -> build/mutate/NN/report.txt

INSTR_SCRIPTS := $(ROOT)/grader/scripts

release: $(GRADER)
	@test -n "$(DEST)" || { echo 'usage: make release DEST=dir' >&2; exit 2; }
	@bash $(INSTR_SCRIPTS)/release.sh "$(DEST)"

grade-class: $(GRADER)
	@test -n "$(SUBMISSIONS)" || { echo 'usage: make grade-class SUBMISSIONS=dir [LAB=NN[,NN]] [ONLY=checks] [JOBS=n] [SHARD=i/N] [DEADLINE=date]' >&2; exit 2; }
	@bash $(INSTR_SCRIPTS)/grade-class.sh --root $(ROOT) --submissions "$(SUBMISSIONS)" \
	    $(if $(LAB),--labs "$(LAB)") $(if $(ONLY),--only "$(ONLY)") \
	    $(if $(JOBS),--jobs "$(JOBS)") $(if $(GRADEBOOK_DIR),--out "$(GRADEBOOK_DIR)") \
	    $(if $(SHARD),--shard "$(SHARD)") $(if $(DEADLINE),--deadline "$(DEADLINE)") \
	    $(if $(ROSTER),--roster "$(ROSTER)")

merge-gradebooks:
	@test -n "$(SHARDS)" || { echo 'usage: make merge-gradebooks SHARDS="dir1 dir2 ..." [GRADEBOOK_DIR=dir]' >&2; exit 2; }
	@bash $(INSTR_SCRIPTS)/merge-gradebooks.sh --out "$(or $(GRADEBOOK_DIR),$(BUILD)/grade)" \
	    $(if $(ROSTER),--roster "$(ROSTER)") $(SHARDS)

grade-class-parallel: $(GRADER)
	@test -n "$(SUBMISSIONS)" -a -n "$(HOSTS)" -a -n "$(NSHARDS)" || { echo 'usage: make grade-class-parallel SUBMISSIONS=dir HOSTS=host1,host2 NSHARDS=n [LAB=NN] [ONLY=checks] [DEADLINE=date] [REMOTE_ROOT=path]' >&2; exit 2; }
	@bash $(INSTR_SCRIPTS)/grade-class-parallel.sh --submissions "$(SUBMISSIONS)" --shards "$(NSHARDS)" \
	    -S "$(HOSTS)" $(if $(REMOTE_ROOT),--remote-root "$(REMOTE_ROOT)") \
	    $(if $(LAB),--labs "$(LAB)") $(if $(ONLY),--only "$(ONLY)") $(if $(JOBS),--jobs "$(JOBS)") \
	    $(if $(DEADLINE),--deadline "$(DEADLINE)") $(if $(GRADEBOOK_DIR),--out "$(GRADEBOOK_DIR)") \
	    $(if $(ROSTER),--roster "$(ROSTER)")

similarity: $(GRADER)
	@bash $(INSTR_SCRIPTS)/similarity.sh --root $(ROOT) $(if $(LAB),--labs "$(LAB)") \
	    $(if $(GRADEBOOK_DIR),--out "$(GRADEBOOK_DIR)") $(if $(THRESHOLD),--threshold "$(THRESHOLD)")

gradescope: $(GRADER)
	@bash $(INSTR_SCRIPTS)/gradescope/build.sh $(if $(LAB),--labs "$(LAB)") \
	    $(if $(ONLY),--only "$(ONLY)")

classroom: $(GRADER)
	@bash $(INSTR_SCRIPTS)/classroom.sh --write

points: $(GRADER)
	@bash $(INSTR_SCRIPTS)/rubric-points.sh | column -t -s "$$(printf '\t')"

points-tables: $(GRADER)
	@bash $(INSTR_SCRIPTS)/points-tables.sh

points-check: $(GRADER)
	@bash $(INSTR_SCRIPTS)/points-check.sh

.PHONY: release grade-class merge-gradebooks grade-class-parallel similarity gradescope classroom points points-tables points-check mutate mutate-sample

# make mutate [LAB=NN[,NN]] [OPS=op,op] [MUTATE_TIMEOUT=s]: mechanical
# mutants of solutions/ (grader/mutate/ops/*.cocci), one per site, each graded
# on the tests that run its line -> build/mutate/NN/report.txt. docs/mutation.md
mutate: $(GRADER)
	@python3 $(ROOT)/grader/mutate/mutate.py --root $(ROOT) \
	    $(if $(LAB),--lab "$(LAB)") $(if $(OPS),--ops "$(OPS)") \
	    $(if $(MUTATE_TIMEOUT),--timeout "$(MUTATE_TIMEOUT)") \
	    $(if $(filter-out 0,$(REPORT_ONLY)),--report-only)

# make mutate-sample [LAB=NN] [FROM=DIR]: after make mutate, keep one killed
# mutant per operator and lab in make check, as
# grader/tests/mutants/NN-topic/gen-OPERATOR.patch (grader/mutate/export.py).
mutate-sample: $(GRADER)
	@python3 $(ROOT)/grader/mutate/export.py --root $(ROOT) \
	    $(if $(LAB),--lab "$(LAB)") $(if $(FROM),--from "$(FROM)")
