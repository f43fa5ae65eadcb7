// SPDX-License-Identifier: MIT
// Models: an atomic read-modify-write split into a load and a store (a lost update between them).
@@
expression A, V, O, R;
identifier x;
type T;
position p : script:python() { mutate_site(p) };
@@
(
- atomic_fetch_add@p(A, V);
+ atomic_store(A, atomic_load(A) + V);
|
- atomic_fetch_sub@p(A, V);
+ atomic_store(A, atomic_load(A) - V);
|
- atomic_fetch_add_explicit@p(A, V, O);
+ atomic_store_explicit(A, atomic_load_explicit(A, memory_order_relaxed) + V, O);
|
- atomic_fetch_sub_explicit@p(A, V, O);
+ atomic_store_explicit(A, atomic_load_explicit(A, memory_order_relaxed) - V, O);
|
- R = atomic_fetch_add@p(A, V);
+ R = atomic_load(A);
+ atomic_store(A, R + V);
|
- R = atomic_fetch_add_explicit@p(A, V, O);
+ R = atomic_load_explicit(A, memory_order_relaxed);
+ atomic_store_explicit(A, R + V, O);
|
- T x = atomic_fetch_add@p(A, V);
+ T x = atomic_load(A);
+ atomic_store(A, x + V);
|
- T x = atomic_fetch_add_explicit@p(A, V, O);
+ T x = atomic_load_explicit(A, memory_order_relaxed);
+ atomic_store_explicit(A, x + V, O);
)
