// SPDX-License-Identifier: MIT
// Models: a wake-up sent before the state change it announces and outside the lock: a signal, broadcast or post moved to just before the lock that opens its critical section (unconditionally: a condition it had, read under that lock, stays where it was, with nothing to do).
@@
expression list Es;
expression M;
identifier f = {pthread_cond_signal, pthread_cond_broadcast, sem_post};
position p : script:python() { mutate_site(p) };
@@
+ f(Es);
  pthread_mutex_lock(M);
  ... when != pthread_mutex_unlock(M)
      when exists
- f@p(Es);
