// SPDX-License-Identifier: MIT
// Models: a word missing from a hand-built stack frame (*--sp = v): the frame's layout or alignment off by one slot.
@@
expression SP, V;
position p : script:python() { mutate_site(p) };
@@
- *--SP@p = V;
