# SPDX-License-Identifier: MIT
# Lab 06, the event loop: which files are the student's and what the tests link.
LABS += 06-event-loop
06-event-loop_STUDENT := loop.c echo.c async.c
06-event-loop_SUPPORT := coro.c
06-event-loop_TESTS := test_loop test_echo test_async
06-event-loop_LDLIBS :=
