// SPDX-License-Identifier: MIT
// Models: a stale entry handled anyway (a callback run after its fd was unwatched, a cancelled item processed): an `if (...) continue;` guard deleted. Guards on errno are retry-dropped's.
@@
expression E;
symbol errno;
position p : script:python() { mutate_site(p) };
@@
(
  if (<+... errno ...+>)
    continue;
|
- if@p (E)
-   continue;
)
