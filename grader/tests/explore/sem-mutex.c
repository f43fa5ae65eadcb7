// SPDX-License-Identifier: MIT
// A semaphore as a lock, with one permit too many: sem_init(&s, 0, 2)
// lets two threads into a section meant for one. Fixed in
// sem-mutex-fixed.c. Run: make explore PROG=<this file>
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>

static sem_t lock;
static int inside; // guarded by lock

static void *worker(void *arg)
{
    (void)arg;
    sem_wait(&lock);
    inside++;
    sched_yield(); // another thread may come in here
    assert(inside == 1);
    inside--;
    sem_post(&lock);
    return NULL;
}

int main(void)
{
    pthread_t a, b;

    sem_init(&lock, 0, 2); // the bug: 2 permits
    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("done\n");
    return 0;
}
