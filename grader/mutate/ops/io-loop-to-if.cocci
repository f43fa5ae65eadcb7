// SPDX-License-Identifier: MIT
// Models: a short read or write taken as complete: the loop around read/write runs once.
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
  while (E) { <+... \(read\|write\|recv\|send\)(...) ...+> }
)
