# SPDX-License-Identifier: MIT
# Lab 04, mutexes and semaphores: which files are the student's and what the
# tests link. sync_hooks.c routes every condition wait through the harness.
LABS += 04-mutexes-semaphores
04-mutexes-semaphores_STUDENT := sema.c bbuf.c rwlock.c barrier.c philo.c limiter.c
04-mutexes-semaphores_SUPPORT := sync_hooks.c
04-mutexes-semaphores_TESTS := test_sema test_bbuf test_rwlock test_barrier test_philo test_limiter
04-mutexes-semaphores_LDLIBS :=
