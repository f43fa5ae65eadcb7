// SPDX-License-Identifier: MIT
// lost-update.c fixed: the load and the store happen under one lock, so a
// switch between them lets no other thread in.
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define ROUNDS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter; // guarded by lock

static void *add(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        int v = counter;
        sched_yield(); // a switch here no longer matters
        counter = v + 1;
        pthread_mutex_unlock(&lock);
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
