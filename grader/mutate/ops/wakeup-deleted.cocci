// SPDX-License-Identifier: MIT
// Models: a forgotten wake-up: the state changes but no waiter is told (signal, broadcast or post deleted).
@@
expression list Es;
identifier f = {pthread_cond_signal, pthread_cond_broadcast, sem_post};
position p : script:python() { mutate_site(p) };
@@
(
- f@p(Es);
|
- (void)f@p(Es);
)
