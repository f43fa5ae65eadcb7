# SPDX-License-Identifier: MIT
# Lab 01, processes: which files are the student's and what the tests link.
LABS += 01-processes
01-processes_STUDENT := run.c spawn.c many.c pipeline.c isolate.c cost.c \
                        daemon.c
01-processes_SUPPORT := describe.c
01-processes_TESTS := test_run test_spawn test_many test_pipeline \
                      test_isolate test_cost test_daemon
01-processes_LDLIBS :=
