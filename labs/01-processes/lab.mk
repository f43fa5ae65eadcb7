# SPDX-License-Identifier: MIT
# Lab 01, processes: which files are the student's and what the tests link.
LABS += 01-processes
01-processes_STUDENT := run.c
01-processes_SUPPORT := describe.c
01-processes_TESTS := test_run
01-processes_LDLIBS :=
