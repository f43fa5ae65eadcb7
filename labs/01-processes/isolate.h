/* SPDX-License-Identifier: MIT */
/*
 * Lab 01, task 5: run a function in a child process, so that its crash or
 * its hunger for memory cannot harm the caller. You write isolate.c; this
 * header is not yours to edit.
 */
#ifndef LAB01_ISOLATE_H
#define LAB01_ISOLATE_H

#include <stddef.h>

#include "run.h"

/*
 * The work to isolate: it runs in the child, computes into out (a buffer of
 * cap bytes in the CHILD's copy of memory) and returns the number of bytes
 * of result, or a negative number when it failed.
 */
typedef long (*isolate_cb)(void *arg, void *out, size_t cap);

struct isolate_result {
    struct run_status st; /* how the child ended */
    size_t len;           /* bytes of result copied into the caller's out */
};

/*
 * isolate_call - fork a child that, when mem_limit is not 0, first limits
 * its own address space to mem_limit bytes (setrlimit(RLIMIT_AS)), then
 * calls fn(arg, out, cap), sends the result back to the caller through a
 * pipe, and exits with status 0 (status 1 when fn returned a negative
 * number). The caller copies what arrived into its own out (at most cap
 * bytes) and reaps the child.
 *
 * Returns 0 when the child ran, whatever became of it: res->st says whether
 * it exited (and with which status) or which signal killed it, and
 * res->len how many bytes of result arrived (trust them only when the
 * child exited with status 0). A negative errno when fork or pipe failed;
 * -EINVAL for a NULL fn or res, or a NULL out with cap > 0.
 *
 * The caller's memory, limits and descriptors are never changed, except
 * out[0..res->len).
 * Blocks until the child ends. A read, write or wait cut short by a signal
 * (EINTR), in the caller or in the child (which runs with the caller's
 * handlers), is resumed, not reported. Context: any thread.
 */
int isolate_call(isolate_cb fn, void *arg, size_t mem_limit, void *out,
                 size_t cap, struct isolate_result *res);

#endif /* LAB01_ISOLATE_H */
