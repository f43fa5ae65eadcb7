// SPDX-License-Identifier: MIT
// A lost update: counter = counter + 1 is a load and a store, and the
// thread can be switched out between them (sched_yield stands for the
// preemption; the scheduler switches only at calls such as this one).
// Fixed in lost-update-fixed.c. Run: make explore PROG=<this file>
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define ROUNDS 3

static int counter; // shared, unguarded: the bug

static void *add(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        int v = counter; // load
        sched_yield();   // another thread may run here
        counter = v + 1; // store: overwrites what it did meanwhile
    }
    return NULL;
}

int main(void)
{
    pthread_t a, b;

    pthread_create(&a, NULL, add, NULL);
    pthread_create(&b, NULL, add, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("counter = %d\n", counter);
    assert(counter == 2 * ROUNDS);
    return 0;
}
