// SPDX-License-Identifier: MIT
// Models: a state change forgotten: a state constant, flag or NULL stored into a field (co->state = DONE, ch->closed = 1) deleted.
@@
expression E;
identifier fld;
identifier C =~ "^[A-Z][A-Z0-9_]*$";
constant K;
position p : script:python() { mutate_site(p) };
@@
(
- E->fld@p = C;
|
- E.fld@p = C;
|
- E->fld@p = K;
|
- E.fld@p = K;
)
