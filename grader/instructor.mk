# SPDX-License-Identifier: MIT
# Instructors' targets (included by the top-level Makefile). See
# docs/instructors.md for the whole course, step by step.
#
#   make release DEST=dir              a student copy: no solutions, no mutants
#   make grade-class SUBMISSIONS=dir   grade one folder per student, one after
#                                      another -> build/grade/gradebook.csv
#   make gradescope [LAB=NN]           build/gradescope/autograder.zip
#   make classroom                     regenerate .github/classroom/autograding.json
#                                      and .github/workflows/classroom.yml
#   make points                        the rubrics' points per lab and task
#   make points-check                  handouts and Classroom files agree with them
#   make mutate [LAB=NN] [OPS=a,b]     mechanical mutants of solutions/, graded
#                                      -> build/mutate/NN/report.txt

INSTR_SCRIPTS := $(ROOT)/grader/scripts

release:
	@test -n "$(DEST)" || { echo 'usage: make release DEST=dir' >&2; exit 2; }
	@bash $(INSTR_SCRIPTS)/release.sh "$(DEST)"

grade-class: $(GRADER)
	@test -n "$(SUBMISSIONS)" || { echo 'usage: make grade-class SUBMISSIONS=dir [LAB=NN[,NN]] [ONLY=checks] [JOBS=n]' >&2; exit 2; }
	@bash $(INSTR_SCRIPTS)/grade-class.sh --root $(ROOT) --submissions "$(SUBMISSIONS)" \
	    $(if $(LAB),--labs "$(LAB)") $(if $(ONLY),--only "$(ONLY)") \
	    $(if $(JOBS),--jobs "$(JOBS)") $(if $(GRADEBOOK_DIR),--out "$(GRADEBOOK_DIR)")

gradescope:
	@bash $(INSTR_SCRIPTS)/gradescope/build.sh $(if $(LAB),--labs "$(LAB)") \
	    $(if $(ONLY),--only "$(ONLY)")

classroom:
	@bash $(INSTR_SCRIPTS)/classroom.sh --write

points:
	@bash $(INSTR_SCRIPTS)/rubric-points.sh | column -t -s "$$(printf '\t')"

points-check:
	@bash $(INSTR_SCRIPTS)/points-check.sh

.PHONY: release grade-class gradescope classroom points points-check

# make mutate [LAB=NN[,NN]] [OPS=op,op] [MUTATE_TIMEOUT=s]: mechanical
# mutants of solutions/ (grader/mutate/ops/*.cocci), one per site, each graded
# on the tests that run its line -> build/mutate/NN/report.txt. docs/mutation.md
mutate: $(GRADER)
	@python3 $(ROOT)/grader/mutate/mutate.py --root $(ROOT) \
	    $(if $(LAB),--lab "$(LAB)") $(if $(OPS),--ops "$(OPS)") \
	    $(if $(MUTATE_TIMEOUT),--timeout "$(MUTATE_TIMEOUT)") \
	    $(if $(filter-out 0,$(REPORT_ONLY)),--report-only)

.PHONY: mutate
