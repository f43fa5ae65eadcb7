/* SPDX-License-Identifier: MIT */
/* Lab 01, task 3 (reference): at most k commands alive at a time. */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "many.h"
#include "spawn.h"

/* Which command a pid runs: a linear search over at most k slots. */
struct many__slot {
    pid_t pid; /* 0: free */
    size_t idx;
};

/*
 * Reap whichever child ends first and file its status under its command.
 * Returns 1 when it was one of ours, 0 when not, or a negative errno.
 */
static int many__reap_one(struct many__slot *slots, unsigned k,
                          struct run_result res[])
{
    int status;
    pid_t pid;

    do
        pid = waitpid(-1, &status, 0);
    while (pid < 0 && errno == EINTR);
    if (pid < 0)
        return -errno;
    for (unsigned s = 0; s < k; s++) {
        if (slots[s].pid != pid)
            continue;
        slots[s].pid = 0;
        res[slots[s].idx].err = run_decode(status, &res[slots[s].idx].st);
        return 1;
    }
    return 0; /* not one of ours: the contract says the caller has none */
}

static int many__free_slot(const struct many__slot *slots, unsigned k)
{
    for (unsigned s = 0; s < k; s++)
        if (slots[s].pid == 0)
            return (int)s;
    return -1;
}

int run_many(char *const *const cmds[], size_t n, unsigned k,
             struct run_result res[])
{
    struct many__slot *slots;
    unsigned alive = 0;
    int rc = 0, s;
    size_t i;

    if (k == 0 || (n > 0 && (!cmds || !res)))
        return -EINVAL;
    if (k > n)
        k = n ? (unsigned)n : 1;
    slots = calloc(k, sizeof(*slots));
    if (!slots)
        return -ENOMEM;

    for (i = 0; i < n && rc >= 0; i++) {
        /* Full: a slot frees only when one of our children is reaped. */
        while (alive == k && rc >= 0) {
            rc = many__reap_one(slots, k, res);
            alive -= rc > 0;
        }
        if (rc < 0)
            break;
        s = many__free_slot(slots, k);
        res[i].err = run_spawn(cmds[i], -1, -1, &slots[s].pid);
        if (res[i].err == 0) {
            slots[s].idx = i;
            alive++;
        } else {
            slots[s].pid = 0;
        }
    }
    for (; i < n; i++) /* only after a failed wait */
        res[i].err = rc;
    while (alive > 0 && rc >= 0) {
        rc = many__reap_one(slots, k, res);
        alive -= rc > 0;
    }
    free(slots);
    return rc < 0 ? rc : 0;
}
