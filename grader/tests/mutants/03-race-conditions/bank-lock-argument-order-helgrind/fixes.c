/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 2 (reference): five racy programs, each fixed with the
 * lightest tool that is correct. NOTES.md explains each choice.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fixes.h"
#include "harness.h"

/* ---- 2a: a shared counter ------------------------------------------- */

struct counter {
    atomic_long value;
};

struct counter *counter_create(void)
{
    struct counter *c = malloc(sizeof(*c));

    if (c)
        atomic_init(&c->value, 0);
    return c;
}

void counter_destroy(struct counter *c)
{
    free(c);
}

/*
 * One read-modify-write instruction (lock xadd on x86): no gap for another
 * thread. Relaxed is enough: the counter publishes no other data, it only
 * has to lose nothing.
 */
void counter_inc(struct counter *c)
{
    atomic_fetch_add_explicit(&c->value, 1, memory_order_relaxed);
}

long counter_read(struct counter *c)
{
    return atomic_load_explicit(&c->value, memory_order_relaxed);
}

/* ---- 2b: a bank ----------------------------------------------------- */

/*
 * Lock order: account locks are taken in increasing account number, by
 * every function that holds more than one. A cycle of waiting threads would
 * need some thread to wait for a lower number while holding a higher one.
 */
struct account {
    pthread_mutex_t lock;
    long balance; /* guarded by lock */
};

struct bank {
    int naccounts;
    struct account *acct; /* the array itself never changes */
};

struct bank *bank_create(int naccounts, long initial)
{
    struct bank *b;

    if (naccounts < 1 || naccounts > 1024)
        return NULL;
    b = malloc(sizeof(*b));
    if (!b)
        return NULL;
    b->acct = calloc((size_t)naccounts, sizeof(*b->acct));
    if (!b->acct) {
        free(b);
        return NULL;
    }
    b->naccounts = naccounts;
    for (int i = 0; i < naccounts; i++) {
        pthread_mutex_init(&b->acct[i].lock, NULL);
        b->acct[i].balance = initial;
    }
    return b;
}

void bank_destroy(struct bank *b)
{
    for (int i = 0; i < b->naccounts; i++)
        pthread_mutex_destroy(&b->acct[i].lock);
    free(b->acct);
    free(b);
}

int bank_transfer(struct bank *b, int from, int to, long amount)
{
    struct account *lo, *hi;

    if (from < 0 || from >= b->naccounts || to < 0 || to >= b->naccounts)
        return -EINVAL;
    if (from == to) /* one lock, taken twice, would deadlock on itself */
        return 0;
    lo = &b->acct[from]; /* MUTANT: locks in argument order */
    hi = &b->acct[to];

    pthread_mutex_lock(&lo->lock);
    harness_chaos_point(); /* where a wrong lock order would deadlock */
    pthread_mutex_lock(&hi->lock);
    b->acct[from].balance -= amount;
    b->acct[to].balance += amount;
    pthread_mutex_unlock(&hi->lock);
    pthread_mutex_unlock(&lo->lock);
    return 0;
}

/*
 * Every lock, in the same increasing order as bank_transfer: once all are
 * held no transfer is half done, and the order cannot close a cycle.
 */
long bank_total(struct bank *b)
{
    long sum = 0;

    for (int i = 0; i < b->naccounts; i++)
        pthread_mutex_lock(&b->acct[i].lock);
    for (int i = 0; i < b->naccounts; i++)
        sum += b->acct[i].balance;
    for (int i = b->naccounts - 1; i >= 0; i--)
        pthread_mutex_unlock(&b->acct[i].lock);
    return sum;
}

long bank_balance(struct bank *b, int account)
{
    long v;

    pthread_mutex_lock(&b->acct[account].lock);
    v = b->acct[account].balance;
    pthread_mutex_unlock(&b->acct[account].lock);
    return v;
}

/* ---- 2c: check-then-act --------------------------------------------- */

struct registry {
    pthread_mutex_t lock;
    int capacity;
    int count;    /* guarded by lock */
    char **names; /* guarded by lock: names[id] for id < count */
};

struct registry *registry_create(int capacity)
{
    struct registry *r;

    if (capacity < 1)
        return NULL;
    r = malloc(sizeof(*r));
    if (!r)
        return NULL;
    r->names = calloc((size_t)capacity, sizeof(*r->names));
    if (!r->names) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->capacity = capacity;
    r->count = 0;
    return r;
}

void registry_destroy(struct registry *r)
{
    for (int i = 0; i < r->count; i++)
        free(r->names[i]);
    free(r->names);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Context: r->lock held. */
static int registry__find(struct registry *r, const char *name)
{
    for (int i = 0; i < r->count; i++)
        if (strcmp(r->names[i], name) == 0)
            return i;
    return -1;
}

/* The check and the act under one lock hold: nothing changes in between. */
int registry_intern(struct registry *r, const char *name)
{
    char *copy;
    int id;

    if (!name)
        return -EINVAL;
    pthread_mutex_lock(&r->lock);
    id = registry__find(r, name);
    if (id >= 0)
        goto out_unlock;
    harness_chaos_point();
    id = -ENOSPC;
    if (r->count == r->capacity)
        goto out_unlock;
    id = -ENOMEM;
    copy = strdup(name);
    if (!copy)
        goto out_unlock;
    id = r->count;
    r->names[id] = copy;
    r->count = id + 1;
out_unlock:
    pthread_mutex_unlock(&r->lock);
    return id;
}

int registry_count(struct registry *r)
{
    int n;

    pthread_mutex_lock(&r->lock);
    n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* ---- 2d: lazy initialization ---------------------------------------- */

/* Written once, inside pthread_once; read only after it returns. */
static struct lookup_table *table;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void lookup__build_once(void)
{
    table = lookup_table_build();
}

/*
 * pthread_once runs the builder exactly once; callers that arrive during
 * the build wait for it, and every return happens after the build, so
 * `table` is seen fully built. After that it costs one acquire load.
 */
const struct lookup_table *lookup_table_get(void)
{
    pthread_once(&table_once, lookup__build_once);
    return table;
}

/* ---- 2e: publishing through a flag ---------------------------------- */

struct mailbox {
    atomic_int ready;   /* 1 once msg is complete: release/acquire */
    struct message msg; /* written before ready (release), then never */
};

struct mailbox *mailbox_create(void)
{
    struct mailbox *m = calloc(1, sizeof(*m));

    if (m)
        atomic_init(&m->ready, 0);
    return m;
}

void mailbox_destroy(struct mailbox *m)
{
    free(m);
}

/*
 * The release store orders every earlier write (the message) before the
 * flag: a reader whose acquire load sees 1 sees the whole message.
 */
int mailbox_publish(struct mailbox *m, const struct message *msg)
{
    if (atomic_load_explicit(&m->ready, memory_order_relaxed))
        return -EBUSY; /* one publisher: only it ever writes ready */
    m->msg = *msg;
    atomic_store_explicit(&m->ready, 1, memory_order_release);
    return 0;
}

int mailbox_try_read(struct mailbox *m, struct message *out)
{
    if (!atomic_load_explicit(&m->ready, memory_order_acquire))
        return -EAGAIN;
    *out = m->msg;
    return 0;
}
