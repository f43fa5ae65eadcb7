// SPDX-License-Identifier: MIT
// A timed lock whose timeout is ignored: pthread_mutex_timedlock gives up
// after 1 s, while the holder keeps the mutex for 2 s, and the caller goes
// into the section anyway. A spin lock guards a counter and an rwlock is
// taken with its timed calls, correctly, so the scheduler runs those too.
// Fixed in timed-lock-fixed.c. Run: make explore PROG=<this file>
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int inside; // guarded by lock
static pthread_spinlock_t spin;
static int done; // guarded by spin
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int version; // guarded by rw

static struct timespec in_one_second(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    return ts;
}

static void *worker(void *arg)
{
    struct timespec ts = in_one_second();
    int seen;

    (void)arg;
    pthread_mutex_timedlock(&lock, &ts); // the bug: ETIMEDOUT ignored
    inside++;
    assert(inside == 1);
    sleep(2); // holds the lock past the other's deadline
    inside--;
    pthread_mutex_unlock(&lock);

    ts = in_one_second();
    while (pthread_rwlock_timedwrlock(&rw, &ts) == ETIMEDOUT)
        ts = in_one_second();
    version++;
    pthread_rwlock_unlock(&rw);
    ts = in_one_second();
    while (pthread_rwlock_timedrdlock(&rw, &ts) == ETIMEDOUT)
        ts = in_one_second();
    seen = version;
    pthread_rwlock_unlock(&rw);
    assert(seen >= 1);

    pthread_spin_lock(&spin);
    done++;
    pthread_spin_unlock(&spin);
    return NULL;
}

int main(void)
{
    pthread_t a, b;

    pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(done == 2 && version == 2);
    printf("done\n");
    return 0;
}
