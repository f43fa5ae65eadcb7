// SPDX-License-Identifier: MIT
// missed-signal.c fixed: the event is state (a flag, under the lock), and
// the waiter sleeps only while the flag is not set, in a loop (a wake-up
// may be spurious).
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int finished; // guarded by lock

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    finished = 1;
    pthread_cond_signal(&done);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, worker, NULL);
    pthread_mutex_lock(&lock);
    while (!finished)
        pthread_cond_wait(&done, &lock);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    printf("worker done\n");
    return 0;
}
