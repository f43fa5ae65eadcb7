/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 2: five racy programs. Each one works when a single thread
 * runs it and goes wrong when several do. Yours to fix, each with the
 * lightest tool that is correct. Keep the harness_chaos_point() calls where
 * they still make sense: they do nothing unless a test turns chaos on, and
 * then they invite the scheduler to switch threads right there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fixes.h"
#include "harness.h"

/* ---- 2a: a shared counter ------------------------------------------- */

struct counter {
    long value;
};

struct counter *counter_create(void)
{
    return calloc(1, sizeof(struct counter));
}

void counter_destroy(struct counter *c)
{
    free(c);
}

void counter_inc(struct counter *c)
{
    /*
     * TODO(lab03.2): (a) two threads can both load the same value here and
     * both store value + 1. Is a mutex the lightest fix, or is there one
     * instruction that loads, adds and stores with no gap between them?
     */
    long v = c->value;

    harness_chaos_point();
    c->value = v + 1;
}

long counter_read(struct counter *c)
{
    return c->value;
}

/* ---- 2b: a bank ----------------------------------------------------- */

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
    long f, t;

    if (from < 0 || from >= b->naccounts || to < 0 || to >= b->naccounts)
        return -EINVAL;
    /*
     * TODO(lab03.2): (b) hold both accounts' locks while money moves.
     * Thread 1 transfers 3 -> 5 while thread 2 transfers 5 -> 3: if each
     * takes the lock of its `from` first, what can happen? Which order
     * would every thread agree on? And what if from == to?
     */
    f = b->acct[from].balance;
    harness_chaos_point();
    b->acct[from].balance = f - amount;
    t = b->acct[to].balance;
    harness_chaos_point();
    b->acct[to].balance = t + amount;
    return 0;
}

long bank_total(struct bank *b)
{
    long sum = 0;

    /*
     * TODO(lab03.2): (b) a transfer in flight has taken money from one
     * account and not yet given it to the other. How can the sum see no
     * transfer half done, without a second lock order that could deadlock
     * against bank_transfer?
     */
    for (int i = 0; i < b->naccounts; i++)
        sum += b->acct[i].balance;
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

static int registry__find(struct registry *r, const char *name)
{
    for (int i = 0; i < r->count; i++)
        if (strcmp(r->names[i], name) == 0)
            return i;
    return -1;
}

int registry_intern(struct registry *r, const char *name)
{
    char *copy;
    int id;

    if (!name)
        return -EINVAL;
    /*
     * TODO(lab03.2): (c) the insertion below holds the lock, and still two
     * threads can add the same name. What can change between the check
     * and the act? What must the lock cover?
     */
    id = registry__find(r, name);
    if (id >= 0)
        return id;
    harness_chaos_point();

    pthread_mutex_lock(&r->lock);
    if (r->count == r->capacity) {
        pthread_mutex_unlock(&r->lock);
        return -ENOSPC;
    }
    copy = strdup(name);
    if (!copy) {
        pthread_mutex_unlock(&r->lock);
        return -ENOMEM;
    }
    id = r->count;
    r->names[id] = copy;
    r->count = id + 1;
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

static struct lookup_table *table;

const struct lookup_table *lookup_table_get(void)
{
    /*
     * TODO(lab03.2): (d) two threads that both see NULL both build. A
     * mutex around the whole function works, at the price of a lock on
     * every call, forever. What does POSIX offer for "run this exactly
     * once"? And if you write a flag yourself: what must a thread that
     * sees the flag set also be sure to see?
     */
    if (!table) {
        harness_chaos_point();
        table = lookup_table_build();
    }
    return table;
}

/* ---- 2e: publishing through a flag ---------------------------------- */

struct mailbox {
    /* TODO(lab03.2): (e) what does a reader test, and what may it read? */
    int ready;
    struct message msg;
};

struct mailbox *mailbox_create(void)
{
    return calloc(1, sizeof(struct mailbox));
}

void mailbox_destroy(struct mailbox *m)
{
    free(m);
}

int mailbox_publish(struct mailbox *m, const struct message *msg)
{
    /*
     * TODO(lab03.2): (e) copy the message, then raise the flag. What stops
     * the compiler or the CPU from making the flag visible before the
     * message? A lock would work; name something lighter.
     */
    (void)m;
    (void)msg;
    return -ENOSYS;
}

int mailbox_try_read(struct mailbox *m, struct message *out)
{
    /*
     * TODO(lab03.2): (e) the reader's half of the same bargain: once it
     * sees the flag, what makes the message's bytes visible to it?
     */
    (void)m;
    (void)out;
    return -ENOSYS;
}
