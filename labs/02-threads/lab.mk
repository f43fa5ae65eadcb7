# SPDX-License-Identifier: MIT
# Lab 02, threads: parallel map/reduce, a thread pool with futures, a GIL.
LABS += 02-threads
02-threads_STUDENT := pmap.c pool.c gil.c
02-threads_SUPPORT :=
02-threads_TESTS := test_pmap test_pool test_gil
02-threads_LDLIBS :=
