// SPDX-License-Identifier: MIT
// A flag published before the data it announces: a reader that spins on
// the flag sees it set while the data is not yet written. Each C11 atomic
// operation is a scheduling point, so the spin lets the writer run, and
// the scheduler may switch between the writer's two stores.
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

static atomic_bool ready;
static _Atomic long data;
static atomic_int seen;

static void *writer(void *arg)
{
    (void)arg;
    atomic_store(&ready, true); // the flag first: wrong
    atomic_store_explicit(&data, 42, memory_order_relaxed);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&ready))
        ; // spins until the writer has run
    assert(atomic_load_explicit(&data, memory_order_relaxed) == 42);
    atomic_fetch_add(&seen, 1);
    return NULL;
}

int main(void)
{
    pthread_t r1, r2, w;

    pthread_create(&r1, NULL, reader, NULL);
    pthread_create(&r2, NULL, reader, NULL);
    pthread_create(&w, NULL, writer, NULL);
    pthread_join(r1, NULL);
    pthread_join(r2, NULL);
    pthread_join(w, NULL);
    assert(atomic_load(&seen) == 2);
    printf("data = %ld\n", atomic_load(&data));
    return 0;
}
