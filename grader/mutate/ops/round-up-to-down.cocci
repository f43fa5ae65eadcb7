// SPDX-License-Identifier: MIT
// Models: a size or timeout rounded down where it must round up ((n + d - 1) / d becomes n / d): a page short, a wait that ends early.
@@
expression A, B;
constant K, L;
position p : script:python() { mutate_site(p) };
@@
(
- (A + B - 1)@p / B
+ A / B
|
- (A + K)@p / L
+ A / L
)
