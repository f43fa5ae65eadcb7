// SPDX-License-Identifier: MIT
// barrier-count.c fixed: the barrier counts the threads that wait at it.
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

#define WORKERS 2

static pthread_barrier_t phase;
static int slot[WORKERS]; // written in phase 1, read in phase 2

static void *worker(void *arg)
{
    int me = (int)(long)arg;

    slot[me] = me + 1;
    pthread_barrier_wait(&phase);
    assert(slot[(me + 1) % WORKERS] != 0); // the other's phase-1 write
    return NULL;
}

int main(void)
{
    pthread_t t[WORKERS];

    pthread_barrier_init(&phase, NULL, WORKERS);
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("done\n");
    return 0;
}
