// SPDX-License-Identifier: MIT
// Models: an ordering reversed (a min-heap made a max-heap, a sorted insert made descending): a < or > between a field and a value turned around.
@ disable gtr_lss, gtr_lss_eq, not_int1, not_int2, not_ptr1, not_ptr2, is_zero, isnt_zero, is_null, isnt_null1 @
expression E, B;
identifier fld;
constant K;
position p : script:python() { mutate_site(p) };
@@
(
  E->fld < K
|
  E->fld <= K
|
  E->fld > K
|
  E->fld >= K
|
  E.fld < K
|
  E.fld <= K
|
  E.fld > K
|
  E.fld >= K
|
- E->fld@p < B
+ E->fld > B
|
- E->fld@p <= B
+ E->fld >= B
|
- E->fld@p > B
+ E->fld < B
|
- E->fld@p >= B
+ E->fld <= B
|
- E.fld@p < B
+ E.fld > B
|
- E.fld@p <= B
+ E.fld >= B
|
- E.fld@p > B
+ E.fld < B
|
- E.fld@p >= B
+ E.fld <= B
)
