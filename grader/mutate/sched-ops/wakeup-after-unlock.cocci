// SPDX-License-Identifier: MIT
// Models: a wake-up sent outside the lock: a signal, broadcast or post moved to just after the unlock that ends its critical section (the state change stays under the lock, so often equivalent).
@@
expression list Es;
expression M;
identifier f = {pthread_cond_signal, pthread_cond_broadcast, sem_post};
position p : script:python() { mutate_site(p) };
@@
- f@p(Es);
  ... when != pthread_mutex_lock(M)
      when != pthread_cond_wait(...)
      when != pthread_cond_timedwait(...)
  pthread_mutex_unlock(M);
+ f(Es);
