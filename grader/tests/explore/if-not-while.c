// SPDX-License-Identifier: MIT
// `if`, not `while`: a consumer that checks once before it waits takes an
// item that is not there when it wakes up for another reason (a spurious
// wake-up, or a second consumer took the item first). Fixed in
// if-not-while-fixed.c. Run: make explore PROG=<this file>
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER;
static int items; // guarded by lock

static void *consumer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    if (items == 0) // the bug: checked once
        pthread_cond_wait(&nonempty, &lock);
    items--;
    assert(items >= 0);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t c1, c2;

    pthread_create(&c1, NULL, consumer, NULL);
    pthread_create(&c2, NULL, consumer, NULL);
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&lock);
        items++;
        pthread_cond_signal(&nonempty);
        pthread_mutex_unlock(&lock);
    }
    pthread_join(c1, NULL);
    pthread_join(c2, NULL);
    printf("items = %d\n", items);
    return 0;
}
