// SPDX-License-Identifier: MIT
// Models: a loop bound or capacity check off by one (< and <=, > and >= swapped); error tests (< 0, >= 0) left alone.
@ disable gtr_lss, gtr_lss_eq, not_int1, not_int2, not_ptr1, not_ptr2, is_zero, isnt_zero, is_null, isnt_null1 @
expression A, B;
position p : script:python() { mutate_site(p) };
@@
(
  A < 0
|
  A >= 0
|
- A@p < B
+ A <= B
|
- A@p <= B
+ A < B
|
- A@p > B
+ A >= B
|
- A@p >= B
+ A > B
)
