// SPDX-License-Identifier: MIT
// sem-mutex.c fixed: one permit, one thread inside. Also shows that time
// is virtual: a 2-second sem_timedwait that nobody posts times out at
// once, and the clock says 2 seconds went by.
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

static sem_t lock;
static int inside; // guarded by lock

static void *worker(void *arg)
{
    (void)arg;
    sem_wait(&lock);
    inside++;
    sched_yield();
    assert(inside == 1);
    inside--;
    sem_post(&lock);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    sem_t never;
    struct timespec t0, t1, deadline;
    int v;

    sem_init(&lock, 0, 1);
    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    sem_getvalue(&lock, &v);
    assert(v == 1);

    sem_init(&never, 0, 0);
    assert(sem_trywait(&never) == -1 && errno == EAGAIN);
    clock_gettime(CLOCK_REALTIME, &t0);
    deadline = t0;
    deadline.tv_sec += 2;
    assert(sem_timedwait(&never, &deadline) == -1 && errno == ETIMEDOUT);
    clock_gettime(CLOCK_REALTIME, &t1);
    assert(t1.tv_sec - t0.tv_sec >= 2);
    printf("done\n");
    return 0;
}
