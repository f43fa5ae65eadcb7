// SPDX-License-Identifier: MIT
// Models: a condition wait tested once (`if`), not again after every wake-up (`while`).
@@
expression E;
statement S;
position p : script:python() { mutate_site(p) };
@@
(
- while@p (E)
+ if (E)
  S
& 
  while (E) { <+... \(pthread_cond_wait\|pthread_cond_timedwait\)(...) ...+> }
)
