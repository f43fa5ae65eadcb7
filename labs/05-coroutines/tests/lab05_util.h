/* SPDX-License-Identifier: MIT */
/*
 * Lab 05 test helpers: what C cannot say (registers, the stack pointer) in
 * a few lines of x86-64 assembly, and /proc readers for stacks and memory.
 * Included by one test file each; every helper is static or file-local.
 */
#ifndef LAB05_UTIL_H
#define LAB05_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "harness.h"

/*
 * lab05_call_checked(fn, arg) calls fn(arg) with a known value in each
 * callee-saved register and returns a bit mask of those that came back
 * changed: bit 0 rbx, 1 rbp, 2 r12, 3 r13, 4 r14, 5 r15. A correct context
 * switch inside fn leaves it 0.
 *
 * lab05_call_scrambled(fn, arg) calls fn(arg) with junk in the same six
 * registers (and restores its caller's values afterwards, as the ABI says).
 *
 * lab05_sp_at_call() returns the stack pointer at the instruction that
 * called it: the ABI wants it a multiple of 16 at every call.
 */
unsigned long lab05_call_checked(void (*fn)(void *), void *arg);
void lab05_call_scrambled(void (*fn)(void *), void *arg);
uintptr_t lab05_sp_at_call(void);

#define LAB05_SAVE                                                             \
    "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n"                         \
    "    pushq %r13\n    pushq %r14\n    pushq %r15\n"                         \
    "    subq $8, %rsp\n"
#define LAB05_RESTORE                                                          \
    "    addq $8, %rsp\n    popq %r15\n    popq %r14\n"                        \
    "    popq %r13\n    popq %r12\n    popq %rbx\n    popq %rbp\n"
#define LAB05_CMP(reg, k, bit)                                                 \
    "    movabsq $0x5a5a5a5a5a5a5a0" #k ", %rcx\n"                             \
    "    cmpq %rcx, %" #reg "\n    setne %dl\n    movzbl %dl, %edx\n"          \
    "    shll $" #bit ", %edx\n    orl %edx, %eax\n"

__asm__(".text\n"
        ".type lab05_call_checked, @function\n"
        "lab05_call_checked:\n" LAB05_SAVE "    movq %rdi, %rax\n"
        "    movq %rsi, %rdi\n"
        "    movabsq $0x5a5a5a5a5a5a5a01, %rbx\n"
        "    movabsq $0x5a5a5a5a5a5a5a02, %rbp\n"
        "    movabsq $0x5a5a5a5a5a5a5a03, %r12\n"
        "    movabsq $0x5a5a5a5a5a5a5a04, %r13\n"
        "    movabsq $0x5a5a5a5a5a5a5a05, %r14\n"
        "    movabsq $0x5a5a5a5a5a5a5a06, %r15\n"
        "    call *%rax\n"
        "    xorl %eax, %eax\n" LAB05_CMP(rbx, 1, 0) LAB05_CMP(rbp, 2, 1)
            LAB05_CMP(r12, 3, 2) LAB05_CMP(r13, 4, 3) LAB05_CMP(r14, 5, 4)
                LAB05_CMP(r15, 6, 5) LAB05_RESTORE
        "    ret\n"
        ".size lab05_call_checked, .-lab05_call_checked\n"
        ".type lab05_call_scrambled, @function\n"
        "lab05_call_scrambled:\n" LAB05_SAVE "    movq %rdi, %rax\n"
        "    movq %rsi, %rdi\n"
        "    movq $-1, %rbx\n    movq $-2, %rbp\n    movq $-3, %r12\n"
        "    movq $-4, %r13\n    movq $-5, %r14\n    movq $-6, %r15\n"
        "    call *%rax\n" LAB05_RESTORE "    ret\n"
        ".size lab05_call_scrambled, .-lab05_call_scrambled\n"
        ".type lab05_sp_at_call, @function\n"
        "lab05_sp_at_call:\n"
        "    leaq 8(%rsp), %rax\n"
        "    ret\n"
        ".size lab05_sp_at_call, .-lab05_sp_at_call\n");

/* One line of /proc/self/maps. */
struct lab05_map {
    uintptr_t lo, hi;
    char perms[8];
};

/*
 * lab05_find_map - the mapping that contains addr (which = 0), or the one
 * that ends exactly where that one starts (which = -1). Returns 0 if found.
 */
static inline int lab05_find_map(uintptr_t addr, int which,
                                 struct lab05_map *out)
{
    struct lab05_map m, prev = {0, 0, ""};
    char line[512];
    int found = -1;
    FILE *f = fopen("/proc/self/maps", "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;

        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, m.perms) != 3)
            continue;
        m.lo = lo;
        m.hi = hi;
        if (addr >= m.lo && addr < m.hi) {
            if (which == 0)
                *out = m;
            else if (prev.hi == m.lo)
                *out = prev;
            else
                break;
            found = 0;
            break;
        }
        prev = m;
    }
    fclose(f);
    return found;
}

/* How many mappings the process has (a leaked stack is one more, or two). */
static inline int lab05_count_maps(void)
{
    char line[512];
    int n = 0;
    FILE *f = fopen("/proc/self/maps", "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        n += strchr(line, '\n') != NULL;
    fclose(f);
    return n;
}

/* Resident memory of the process, in KiB (/proc/self/statm). */
static inline long lab05_rss_kib(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The process's address space, in KiB (/proc/self/statm). */
static inline long lab05_vm_kib(void)
{
    long size = -1;
    FILE *f = fopen("/proc/self/statm", "r");

    if (!f)
        return -1;
    if (fscanf(f, "%ld", &size) != 1)
        size = -1;
    fclose(f);
    return size < 0 ? -1 : size * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * From now on, in the calling thread (and threads it starts), every
 * mprotect to PROT_NONE fails with ENOMEM: a seccomp filter, so that a
 * guard page cannot be made while the mapping under it could. Returns 0,
 * or a negative errno where seccomp is not available (skip the check
 * then). prot is an int: its low 32 bits are the ones compared.
 */
static inline int lab05_no_guard_pages(void)
{
    return harness_fail_syscall_if(SYS_mprotect, 2, 0xffffffff, PROT_NONE,
                                   ENOMEM);
}

/*
 * The share of a CPU the process gets while it never sleeps, over 50 ms:
 * what a spinning scheduler would use on this machine at this moment (on a
 * loaded machine, far less than 1). A CPU check compares with it.
 */
static inline double lab05_spinner_share(void)
{
    double cpu0 = harness_cpu_seconds();
    uint64_t t0 = harness_now_ns(), t;

    while ((t = harness_now_ns()) - t0 < 50000000u)
        ;
    return (harness_cpu_seconds() - cpu0) / ((double)(t - t0) / 1e9);
}

/*
 * Seconds this thread has been on a CPU or waiting for one (runnable), from
 * /proc/thread-self/schedstat; -1 if unavailable. A thread that never
 * sleeps is runnable all the time, however loaded the machine; one that
 * blocks is not.
 */
static inline double lab05_runnable_seconds(void)
{
    unsigned long long run = 0, wait = 0;
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    int n;

    if (!f)
        return -1;
    n = fscanf(f, "%llu %llu", &run, &wait);
    fclose(f);
    return n == 2 ? (double)(run + wait) / 1e9 : -1;
}

#endif /* LAB05_UTIL_H */
