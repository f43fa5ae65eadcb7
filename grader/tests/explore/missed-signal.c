// SPDX-License-Identifier: MIT
// A missed signal: the waiter waits without a condition to check, so a
// signal sent before it waits is lost (a condition variable has no
// memory) and it sleeps for ever. Fixed in missed-signal-fixed.c.
// Run: make explore PROG=<this file>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    pthread_cond_signal(&done); // nobody may be waiting yet
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, worker, NULL);
    pthread_mutex_lock(&lock);
    pthread_cond_wait(&done, &lock); // the bug: no state checked
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    printf("worker done\n");
    return 0;
}
