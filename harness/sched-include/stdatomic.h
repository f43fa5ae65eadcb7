/* SPDX-License-Identifier: MIT */
/*
 * The sched build's <stdatomic.h> (docs/sched.md): the compiler's own, then
 * each generic atomic operation asks the controlled scheduler first
 * (harness_sched_atomic: a point where another thread may run), and does
 * the real operation after. Only the student's and the test's objects see
 * this file (-I, sched variant): the harness keeps the compiler's.
 */
#ifndef HARNESS_SCHED_STDATOMIC_H
#define HARNESS_SCHED_STDATOMIC_H

#include_next <stdatomic.h>

#if !defined(__GNUC__) || defined(__clang__)
#error "the sched build's atomics header follows GCC's <stdatomic.h>"
#endif

/* harness/scheduler.c; the kinds of operation, for the trace. */
enum {
    HARNESS_ATOMIC_LOAD,
    HARNESS_ATOMIC_STORE,
    HARNESS_ATOMIC_RMW, /* exchange, fetch-and-op, test-and-set, clear */
    HARNESS_ATOMIC_CAS
};
void harness_sched_atomic(const volatile void *addr, int kind);

/*
 * Each macro below is GCC's (gcc/ginclude/stdatomic.h) with the scheduling
 * point added, in the same generic __atomic builtins: they work for an
 * _Atomic object of any size, lock-free or through libatomic, exactly as
 * the plain build's. The point comes after the operands are evaluated and
 * right before the operation: the scheduler may run another thread there,
 * and as only one thread runs at a time, none runs between the two.
 * Operators on _Atomic objects (x++, x = v) are not macros and are not
 * scheduling points.
 */
#undef atomic_init
#define atomic_init(PTR, VAL)                                                  \
    __extension__({                                                            \
        __auto_type harness__init_ptr = (PTR);                                 \
        __typeof__((void)0, *harness__init_ptr) harness__init_tmp = (VAL);     \
        __atomic_store(harness__init_ptr, &harness__init_tmp,                  \
                       __ATOMIC_RELAXED);                                      \
    })

#undef atomic_store_explicit
#define atomic_store_explicit(PTR, VAL, MO)                                    \
    __extension__({                                                            \
        __auto_type harness__store_ptr = (PTR);                                \
        __typeof__((void)0, *harness__store_ptr) harness__store_tmp = (VAL);   \
        harness_sched_atomic((const volatile void *)harness__store_ptr,        \
                             HARNESS_ATOMIC_STORE);                            \
        __atomic_store(harness__store_ptr, &harness__store_tmp, (MO));         \
    })
#undef atomic_store
#define atomic_store(PTR, VAL) atomic_store_explicit(PTR, VAL, __ATOMIC_SEQ_CST)

#undef atomic_load_explicit
#define atomic_load_explicit(PTR, MO)                                          \
    __extension__({                                                            \
        __auto_type harness__load_ptr = (PTR);                                 \
        __typeof__((void)0, *harness__load_ptr) harness__load_tmp;             \
        harness_sched_atomic((const volatile void *)harness__load_ptr,         \
                             HARNESS_ATOMIC_LOAD);                             \
        __atomic_load(harness__load_ptr, &harness__load_tmp, (MO));            \
        harness__load_tmp;                                                     \
    })
#undef atomic_load
#define atomic_load(PTR) atomic_load_explicit(PTR, __ATOMIC_SEQ_CST)

#undef atomic_exchange_explicit
#define atomic_exchange_explicit(PTR, VAL, MO)                                 \
    __extension__({                                                            \
        __auto_type harness__xchg_ptr = (PTR);                                 \
        __typeof__((void)0, *harness__xchg_ptr) harness__xchg_val = (VAL);     \
        __typeof__((void)0, *harness__xchg_ptr) harness__xchg_tmp;             \
        harness_sched_atomic((const volatile void *)harness__xchg_ptr,         \
                             HARNESS_ATOMIC_RMW);                              \
        __atomic_exchange(harness__xchg_ptr, &harness__xchg_val,               \
                          &harness__xchg_tmp, (MO));                           \
        harness__xchg_tmp;                                                     \
    })
#undef atomic_exchange
#define atomic_exchange(PTR, VAL)                                              \
    atomic_exchange_explicit(PTR, VAL, __ATOMIC_SEQ_CST)

#define HARNESS__CAS(PTR, VAL, DES, WEAK, SUC, FAIL)                           \
    __extension__({                                                            \
        __auto_type harness__cas_ptr = (PTR);                                  \
        __auto_type harness__cas_exp = (VAL);                                  \
        __typeof__((void)0, *harness__cas_ptr) harness__cas_tmp = (DES);       \
        harness_sched_atomic((const volatile void *)harness__cas_ptr,          \
                             HARNESS_ATOMIC_CAS);                              \
        __atomic_compare_exchange(harness__cas_ptr, harness__cas_exp,          \
                                  &harness__cas_tmp, (WEAK), (SUC), (FAIL));   \
    })
#undef atomic_compare_exchange_strong_explicit
#define atomic_compare_exchange_strong_explicit(PTR, VAL, DES, SUC, FAIL)      \
    HARNESS__CAS(PTR, VAL, DES, 0, SUC, FAIL)
#undef atomic_compare_exchange_strong
#define atomic_compare_exchange_strong(PTR, VAL, DES)                          \
    HARNESS__CAS(PTR, VAL, DES, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#undef atomic_compare_exchange_weak_explicit
#define atomic_compare_exchange_weak_explicit(PTR, VAL, DES, SUC, FAIL)        \
    HARNESS__CAS(PTR, VAL, DES, 1, SUC, FAIL)
#undef atomic_compare_exchange_weak
#define atomic_compare_exchange_weak(PTR, VAL, DES)                            \
    HARNESS__CAS(PTR, VAL, DES, 1, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

/* fetch-and-op: integer and pointer types only, lock-free or libatomic. */
#define HARNESS__FETCH(OP, PTR, VAL, MO)                                       \
    __extension__({                                                            \
        __auto_type harness__fetch_ptr = (PTR);                                \
        __auto_type harness__fetch_val = (VAL);                                \
        harness_sched_atomic((const volatile void *)harness__fetch_ptr,        \
                             HARNESS_ATOMIC_RMW);                              \
        OP(harness__fetch_ptr, harness__fetch_val, (MO));                      \
    })
#undef atomic_fetch_add
#define atomic_fetch_add(PTR, VAL)                                             \
    HARNESS__FETCH(__atomic_fetch_add, PTR, VAL, __ATOMIC_SEQ_CST)
#undef atomic_fetch_add_explicit
#define atomic_fetch_add_explicit(PTR, VAL, MO)                                \
    HARNESS__FETCH(__atomic_fetch_add, PTR, VAL, MO)
#undef atomic_fetch_sub
#define atomic_fetch_sub(PTR, VAL)                                             \
    HARNESS__FETCH(__atomic_fetch_sub, PTR, VAL, __ATOMIC_SEQ_CST)
#undef atomic_fetch_sub_explicit
#define atomic_fetch_sub_explicit(PTR, VAL, MO)                                \
    HARNESS__FETCH(__atomic_fetch_sub, PTR, VAL, MO)
#undef atomic_fetch_or
#define atomic_fetch_or(PTR, VAL)                                              \
    HARNESS__FETCH(__atomic_fetch_or, PTR, VAL, __ATOMIC_SEQ_CST)
#undef atomic_fetch_or_explicit
#define atomic_fetch_or_explicit(PTR, VAL, MO)                                 \
    HARNESS__FETCH(__atomic_fetch_or, PTR, VAL, MO)
#undef atomic_fetch_xor
#define atomic_fetch_xor(PTR, VAL)                                             \
    HARNESS__FETCH(__atomic_fetch_xor, PTR, VAL, __ATOMIC_SEQ_CST)
#undef atomic_fetch_xor_explicit
#define atomic_fetch_xor_explicit(PTR, VAL, MO)                                \
    HARNESS__FETCH(__atomic_fetch_xor, PTR, VAL, MO)
#undef atomic_fetch_and
#define atomic_fetch_and(PTR, VAL)                                             \
    HARNESS__FETCH(__atomic_fetch_and, PTR, VAL, __ATOMIC_SEQ_CST)
#undef atomic_fetch_and_explicit
#define atomic_fetch_and_explicit(PTR, VAL, MO)                                \
    HARNESS__FETCH(__atomic_fetch_and, PTR, VAL, MO)

#undef atomic_flag_test_and_set
#define atomic_flag_test_and_set(PTR)                                          \
    atomic_flag_test_and_set_explicit(PTR, __ATOMIC_SEQ_CST)
#undef atomic_flag_test_and_set_explicit
#define atomic_flag_test_and_set_explicit(PTR, MO)                             \
    __extension__({                                                            \
        __auto_type harness__tas_ptr = (PTR);                                  \
        harness_sched_atomic((const volatile void *)harness__tas_ptr,          \
                             HARNESS_ATOMIC_RMW);                              \
        __atomic_test_and_set(harness__tas_ptr, (MO));                         \
    })
#undef atomic_flag_clear
#define atomic_flag_clear(PTR) atomic_flag_clear_explicit(PTR, __ATOMIC_SEQ_CST)
#undef atomic_flag_clear_explicit
#define atomic_flag_clear_explicit(PTR, MO)                                    \
    __extension__({                                                            \
        __auto_type harness__clr_ptr = (PTR);                                  \
        harness_sched_atomic((const volatile void *)harness__clr_ptr,          \
                             HARNESS_ATOMIC_STORE);                            \
        __atomic_clear(harness__clr_ptr, (MO));                                \
    })

#endif /* HARNESS_SCHED_STDATOMIC_H */
