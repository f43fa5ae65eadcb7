// SPDX-License-Identifier: MIT
// atomic-flag.c fixed: the data first, then the flag (a release store the
// readers' acquire loads pair with). The readers still spin: they finish
// only because an atomic load is a point where the writer may run.
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

static atomic_bool ready;
static _Atomic long data;
static atomic_int seen;
static atomic_flag once = ATOMIC_FLAG_INIT;

static void *writer(void *arg)
{
    (void)arg;
    atomic_store_explicit(&data, 42, memory_order_relaxed);
    atomic_store_explicit(&ready, true, memory_order_release);
    return NULL;
}

static void *reader(void *arg)
{
    long expected = 42, v;

    (void)arg;
    while (!atomic_load_explicit(&ready, memory_order_acquire))
        ; // spins until the writer has run
    v = atomic_load_explicit(&data, memory_order_relaxed);
    assert(v == 42 || v == 43); // 43: the other reader took it
    // The first reader to get here takes the data: 42 becomes 43, once.
    if (!atomic_flag_test_and_set(&once))
        assert(atomic_compare_exchange_strong(&data, &expected, 43));
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
    assert(atomic_load(&seen) == 2 && atomic_exchange(&data, 0) == 43);
    printf("data taken once, seen by %d readers\n", atomic_load(&seen));
    return 0;
}
