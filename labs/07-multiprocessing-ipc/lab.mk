# SPDX-License-Identifier: MIT
# Lab 07, multiprocessing and IPC: framed messages, a process pool, a
# shared-memory ring. Which files are the student's and what the tests link.
LABS += 07-multiprocessing-ipc
07-multiprocessing-ipc_STUDENT := msg.c pool.c ring.c
07-multiprocessing-ipc_SUPPORT :=
07-multiprocessing-ipc_TESTS := test_msg test_pool test_ring bench
07-multiprocessing-ipc_LDLIBS := -lrt
