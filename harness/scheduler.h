/* SPDX-License-Identifier: MIT */
/*
 * The controlled scheduler's entry points (docs/sched.md). In the sched
 * build, objcopy renames the synchronization calls of the student's and the
 * test's objects to these (harness/sched.syms; not sched.h, which would hide <sched.h>); elsewhere they pass through
 * to the C library.
 */
#ifndef HARNESS_SCHEDULER_H
#define HARNESS_SCHEDULER_H

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <time.h>

int harness_sched_mutex_lock(pthread_mutex_t *m);
int harness_sched_mutex_trylock(pthread_mutex_t *m);
int harness_sched_mutex_unlock(pthread_mutex_t *m);
int harness_sched_mutex_timedlock(pthread_mutex_t *m,
                                  const struct timespec *abstime);
int harness_sched_spin_lock(pthread_spinlock_t *l);
int harness_sched_spin_trylock(pthread_spinlock_t *l);
int harness_sched_spin_unlock(pthread_spinlock_t *l);
int harness_sched_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int harness_sched_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                 const struct timespec *abstime);
int harness_sched_hook_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int harness_sched_hook_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                      const struct timespec *abstime);
int harness_sched_cond_signal(pthread_cond_t *c);
int harness_sched_cond_broadcast(pthread_cond_t *c);
int harness_sched_create(pthread_t *t, const pthread_attr_t *attr,
                         void *(*fn)(void *), void *arg);
int harness_sched_join(pthread_t t, void **ret);
void harness_sched_exit(void *ret) __attribute__((noreturn));
int harness_sched_barrier_init(pthread_barrier_t *b,
                               const pthread_barrierattr_t *attr, unsigned n);
int harness_sched_barrier_wait(pthread_barrier_t *b);
int harness_sched_sem_init(sem_t *s, int pshared, unsigned value);
int harness_sched_sem_wait(sem_t *s);
int harness_sched_sem_trywait(sem_t *s);
int harness_sched_sem_timedwait(sem_t *s, const struct timespec *abstime);
int harness_sched_sem_post(sem_t *s);
int harness_sched_sem_getvalue(sem_t *s, int *value);
int harness_sched_rwlock_init(pthread_rwlock_t *l,
                              const pthread_rwlockattr_t *attr);
int harness_sched_rwlock_rdlock(pthread_rwlock_t *l);
int harness_sched_rwlock_wrlock(pthread_rwlock_t *l);
int harness_sched_rwlock_tryrdlock(pthread_rwlock_t *l);
int harness_sched_rwlock_trywrlock(pthread_rwlock_t *l);
int harness_sched_rwlock_timedrdlock(pthread_rwlock_t *l,
                                     const struct timespec *abstime);
int harness_sched_rwlock_timedwrlock(pthread_rwlock_t *l,
                                     const struct timespec *abstime);
int harness_sched_rwlock_unlock(pthread_rwlock_t *l);
int harness_sched_yield(void);
int harness_sched_nanosleep(const struct timespec *req, struct timespec *rem);
int harness_sched_usleep(unsigned long us);
unsigned harness_sched_sleep(unsigned s);
int harness_sched_clock_gettime(clockid_t id, struct timespec *ts);
/* Called by harness/sched-include/stdatomic.h before each C11 atomic
 * operation (kind: load, store, read-modify-write, compare-exchange). */
void harness_sched_atomic(const volatile void *addr, int kind);

/* For the rest of the harness (main.c, threads.c, timing.c, wrappers.c). */
int harness__sched_active(void);
void harness__sched_begin(void);
void harness__sched_end(int failed);
uint64_t harness__sched_seed(void);
void harness__sched_set_seed(uint64_t seed);
uint64_t harness__sched_next_seed(uint64_t seed);
long harness__sched_runs(void);
void harness__sched_count_steps(volatile uint64_t *sink);
void harness__sched_label_main(const char *label);
void harness__sched_replay_hint(const char *argv0, const char *test,
                                uint64_t seed, char *out, size_t cap);
/* The calls the harness itself makes for the test, with its call site. */
int harness__sched_create_at(const void *pc, pthread_t *t,
                             const pthread_attr_t *attr, void *(*fn)(void *),
                             void *arg);
int harness__sched_join_at(const void *pc, pthread_t t, void **ret);
int harness__sched_barrier_wait_at(const void *pc, pthread_barrier_t *b);
int harness__sched_cond_timedwait_at(const void *pc, pthread_cond_t *c,
                                     pthread_mutex_t *m,
                                     const struct timespec *abstime);
void harness__sched_sleep_ns_at(const void *pc, uint64_t ns);
void harness__sched_yield_at(const void *pc);
uint64_t harness__sched_now_ns(void);
/* explore/driver.c: main has returned; the others may run before exit. */
void harness__sched_exit_point(void);

/* main.c: fail the test from any thread, now (a deadlock, a livelock). */
void harness__fail_process(const char *text) __attribute__((noreturn));

#endif /* HARNESS_SCHEDULER_H */
