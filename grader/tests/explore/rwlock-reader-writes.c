// SPDX-License-Identifier: MIT
// A writer that takes the read lock: readers come in while it is half way
// through an update and see a != b. Fixed in rwlock-reader-writes-fixed.c.
// Run: make explore PROG=<this file>
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static int a, b; // guarded by lock; invariant: a == b

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        pthread_rwlock_rdlock(&lock); // the bug: it writes
        a++;
        sched_yield();
        b++;
        pthread_rwlock_unlock(&lock);
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        pthread_rwlock_rdlock(&lock);
        assert(a == b);
        pthread_rwlock_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t w, r1, r2;

    pthread_create(&w, NULL, writer, NULL);
    pthread_create(&r1, NULL, reader, NULL);
    pthread_create(&r2, NULL, reader, NULL);
    pthread_join(w, NULL);
    pthread_join(r1, NULL);
    pthread_join(r2, NULL);
    printf("a = %d, b = %d\n", a, b);
    return 0;
}
