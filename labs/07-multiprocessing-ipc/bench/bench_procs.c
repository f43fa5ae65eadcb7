/* SPDX-License-Identifier: MIT */
/* Lab 07 bench: the process model, on your lab 07 process pool. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "bench.h"
#include "pool.h"

/* A task: one connection. The input is the workload itself (a copy: the
 * worker is another process); the name pointer is not followed there. */
static int conn_task(const void *in, size_t in_len, void *out, size_t out_cap,
                     size_t *out_len)
{
    struct bench_load w;
    uint64_t acc;

    if (in_len != sizeof(w) || out_cap < sizeof(acc))
        return -EINVAL;
    memcpy(&w, in, sizeof(w));
    acc = bench_serve_blocking(&w);
    memcpy(out, &acc, sizeof(acc));
    *out_len = sizeof(acc);
    return 0;
}

int bench_procs_run(const struct bench_load *w, int workers)
{
    struct pool_item *items = calloc((size_t)w->conns, sizeof(*items));
    uint64_t *res = calloc((size_t)w->conns, sizeof(*res));
    struct pool *p = NULL;
    int rc = -ENOMEM;

    if (!items || !res)
        goto out;
    for (int i = 0; i < w->conns; i++) {
        items[i].in = w;
        items[i].in_len = sizeof(*w);
        items[i].out = &res[i];
        items[i].out_cap = sizeof(res[i]);
    }
    rc = pool_create(workers, &p);
    if (rc)
        goto out;
    rc = pool_map(p, conn_task, items, (size_t)w->conns);
    for (int i = 0; !rc && i < w->conns; i++)
        rc = items[i].err;
    pool_destroy(p);
out:
    free(items);
    free(res);
    return rc;
}

int bench_procs_startup(int workers)
{
    struct pool *p = NULL;
    int rc = pool_create(workers, &p);

    if (!rc)
        pool_destroy(p);
    return rc;
}
