// SPDX-License-Identifier: MIT
// Models: waking one waiter where every waiter must re-check (broadcast -> signal).
@@
expression C;
position p : script:python() { mutate_site(p) };
@@
- pthread_cond_broadcast@p(C)
+ pthread_cond_signal(C)
