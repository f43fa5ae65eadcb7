# SPDX-License-Identifier: MIT
# Lab 05, coroutines: which files are the student's and what the tests link.
LABS += 05-coroutines
05-coroutines_STUDENT := coro.c gen.c green.c
05-coroutines_SUPPORT :=
05-coroutines_TESTS := test_coro test_gen test_green
05-coroutines_LDLIBS :=
