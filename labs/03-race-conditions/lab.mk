# SPDX-License-Identifier: MIT
# Lab 03, race conditions: which files are the student's and what the tests link.
LABS += 03-race-conditions
03-race-conditions_STUDENT := schedules.c fixes.c counters.c
03-race-conditions_SUPPORT := steps.c lookup_table.c count_run.c
03-race-conditions_TESTS := test_steps test_fixes test_counters
03-race-conditions_LDLIBS :=
