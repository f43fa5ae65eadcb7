// SPDX-License-Identifier: MIT
// Models: a lock-order inversion: of two mutexes one site takes in order A then B, it takes B then A (a deadlock where another site still takes A then B).
@@
expression A, B;
position p : script:python() { mutate_site(p) };
@@
- pthread_mutex_lock@p(A);
+ pthread_mutex_lock(B);
  ... when != pthread_mutex_unlock(A)
      when != pthread_cond_wait(...)
      when != pthread_cond_timedwait(...)
- pthread_mutex_lock(B);
+ pthread_mutex_lock(A);
