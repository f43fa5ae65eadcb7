// SPDX-License-Identifier: MIT
// Models: an ordering too weak to publish data: acquire, release, acq_rel or seq_cst made relaxed.
@@
symbol memory_order_acquire, memory_order_release, memory_order_acq_rel, memory_order_seq_cst, memory_order_relaxed;
position p : script:python() { mutate_site(p) };
expression A, V;
@@
(
- memory_order_acquire@p
+ memory_order_relaxed
|
- memory_order_release@p
+ memory_order_relaxed
|
- memory_order_acq_rel@p
+ memory_order_relaxed
|
- memory_order_seq_cst@p
+ memory_order_relaxed
|
- atomic_load@p(A)
+ atomic_load_explicit(A, memory_order_relaxed)
|
- atomic_store@p(A, V)
+ atomic_store_explicit(A, V, memory_order_relaxed)
)
