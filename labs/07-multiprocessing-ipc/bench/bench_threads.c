/* SPDX-License-Identifier: MIT */
/* Lab 07 bench: the thread model, on your lab 02 thread pool (and, for the
 * "threads + GIL" column, your lab 02 GIL). */
#include <errno.h>
#include <stdlib.h>

#include "harness.h"
#include "bench.h"
#include "gil.h"
#include "pool.h"

struct conn {
    const struct bench_load *w;
    struct gil *gil; /* NULL: no GIL */
};

static void *conn_task(void *arg)
{
    struct conn *c = arg;

    return (void *)(uintptr_t)bench_serve_blocking(c->w);
}

static void *io_wait(void *arg)
{
    harness_io_wait_us(*(unsigned long *)arg);
    return NULL;
}

/* CPython's way: compute holding the GIL, checking it between steps of
 * "bytecode"; release it around blocking I/O. */
static void *conn_task_gil(void *arg)
{
    struct conn *c = arg;
    unsigned long wait = c->w->wait_us;
    uint64_t acc = 0;

    gil_acquire(c->gil);
    for (int r = 0; r < c->w->reqs; r++) {
        if (wait)
            gil_call_unlocked(c->gil, io_wait, &wait);
        for (uint64_t u = 0; u < c->w->cpu; u++) {
            acc += harness_spin_work(1);
            gil_check(c->gil);
        }
    }
    gil_release(c->gil);
    return (void *)(uintptr_t)acc;
}

static int run(const struct bench_load *w, int workers, struct gil *gil)
{
    struct future **fut = calloc((size_t)w->conns, sizeof(*fut));
    struct conn c = {w, gil};
    struct pool *p = NULL;
    int rc, n = 0;

    if (!fut)
        return -ENOMEM;
    rc = pool_create(&p, (unsigned)workers);
    for (; !rc && n < w->conns; n++)
        rc = pool_submit(p, gil ? conn_task_gil : conn_task, &c, &fut[n]);
    if (rc && n > 0)
        n--; /* the failed submit made no future */
    for (int i = 0; i < n; i++)
        future_get(fut[i], NULL);
    pool_destroy(p);
    free(fut);
    return rc;
}

int bench_threads_run(const struct bench_load *w, int workers)
{
    return run(w, workers, NULL);
}

int bench_gil_run(const struct bench_load *w, int workers)
{
    struct gil *g = NULL;
    int rc = gil_create(&g, 5000); /* CPython's switch interval: 5 ms */

    if (rc)
        return rc;
    rc = run(w, workers, g);
    gil_destroy(g);
    return rc;
}

int bench_threads_startup(int workers)
{
    struct pool *p = NULL;
    int rc = pool_create(&p, (unsigned)workers);

    if (!rc)
        pool_destroy(p);
    return rc;
}
