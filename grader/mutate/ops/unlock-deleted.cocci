// SPDX-License-Identifier: MIT
// Models: an unlock forgotten on one path (usually an early return or an error path).
@@
expression list Es;
identifier f = {pthread_mutex_unlock, pthread_rwlock_unlock, pthread_spin_unlock};
position p : script:python() { mutate_site(p) };
@@
(
- f@p(Es);
|
- (void)f@p(Es);
)
