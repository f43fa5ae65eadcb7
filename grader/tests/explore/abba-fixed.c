// SPDX-License-Identifier: MIT
// abba.c fixed: one lock order for everybody (a before b), so no thread
// can hold b while it waits for a.
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static int transfers; // guarded by a and b; lock order: a, then b

static void *ab(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    transfers++;
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    return NULL;
}

static void *ab_too(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    transfers++;
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;

    pthread_create(&t1, NULL, ab, NULL);
    pthread_create(&t2, NULL, ab_too, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("transfers = %d\n", transfers);
    return 0;
}
