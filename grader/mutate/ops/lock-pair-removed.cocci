// SPDX-License-Identifier: MIT
// Models: a critical section left unprotected: one lock and the unlocks that end it removed.
@@
expression M;
position p : script:python() { mutate_site(p) };
@@
- pthread_mutex_lock@p(M);
  ...
- pthread_mutex_unlock(M);
