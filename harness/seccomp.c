/* SPDX-License-Identifier: MIT */
/*
 * Failing system calls on demand: a seccomp filter, built from a short list
 * of rules, that makes the calls a test names fail with the errno it names
 * (harness.h, harness_fail_syscalls).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include "harness.h"

/*
 * The ABI the numbers in the rules belong to: a call made through another
 * one (int 0x80 on x86-64, say) has other numbers, and is let through.
 */
#if defined(__x86_64__) && !defined(__ILP32__)
#define FAULT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__) && !defined(__ILP32__)
#define FAULT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define FAULT_ARCH AUDIT_ARCH_I386
#else
#define FAULT_ARCH 0 /* unknown: nothing is installed (-ENOSYS) */
#endif

/* seccomp_data's arguments are 64-bit in the kernel's byte order: where
 * each 32-bit half of args[i] lies (BPF loads 32 bits at a time). */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args[i]) + 4)
#define ARG_HI(i) (offsetof(struct seccomp_data, args[i]))
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args[i]))
#define ARG_HI(i) (offsetof(struct seccomp_data, args[i]) + 4)
#endif

/* The longest rule: the number's load and compare, at most six
 * instructions a condition (load, mask, compare for each half), the
 * return. */
#define RULE_MAX_INSNS (2 + 6 * HARNESS_FAULT_MAX_ARGS + 1)
#define PROG_MAX_INSNS (3 + RULE_MAX_INSNS * HARNESS_FAULT_MAX_RULES + 1)

struct prog {
    struct sock_filter insn[PROG_MAX_INSNS];
    unsigned short len;
    /* the current rule's jumps out of it: where, and on which branch */
    struct {
        unsigned short at;
        unsigned char on_true;
    } exits[RULE_MAX_INSNS];
    int nexits;
};

static void emit(struct prog *p, struct sock_filter f)
{
    p->insn[p->len++] = f;
}

/* A compare that leaves the rule when the accumulator equals k (`on_true`)
 * or differs from it, and falls through otherwise: the offset out is
 * filled in by end_rule, once the rule's end is known. */
static void emit_exit_jump(struct prog *p, uint32_t k, int on_true)
{
    p->exits[p->nexits].at = p->len;
    p->exits[p->nexits++].on_true = (unsigned char)on_true;
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0));
}

/* Load one 32-bit half of an argument and mask it (unless the mask takes
 * every bit). */
static void emit_load(struct prog *p, uint32_t offset, uint32_t mask)
{
    emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset));
    if (mask != UINT32_MAX)
        emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask));
}

/*
 * One condition; falls through when it holds, leaves the rule when not.
 * Equal: both halves equal. Not equal: the low halves differ (jump over
 * the high half's test, into the next condition), or the high ones do.
 */
static void emit_match(struct prog *p, const struct harness_arg_match *m)
{
    uint64_t mask = m->mask, value = m->value;
    uint32_t lo_mask = (uint32_t)mask, hi_mask = (uint32_t)(mask >> 32);
    int has_hi = hi_mask != 0;
    int hi_len = has_hi ? 2 + (hi_mask != UINT32_MAX) : 0;

    if (lo_mask != 0 || !has_hi) {
        emit_load(p, (uint32_t)ARG_LO(m->index), lo_mask);
        if (!m->negate)
            emit_exit_jump(p, (uint32_t)value, 0);
        else if (has_hi) /* low halves equal: the high ones decide */
            emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                 (uint32_t)value, 0,
                                                 (unsigned char)hi_len));
        else
            emit_exit_jump(p, (uint32_t)value, 1);
    }
    if (has_hi) {
        emit_load(p, (uint32_t)ARG_HI(m->index), hi_mask);
        emit_exit_jump(p, (uint32_t)(value >> 32), m->negate);
    }
}

/* Close a rule: every exit jump lands just past its return. */
static void end_rule(struct prog *p)
{
    for (int i = 0; i < p->nexits; i++) {
        unsigned at = p->exits[i].at;
        unsigned char off = (unsigned char)(p->len - at - 1);

        if (p->exits[i].on_true)
            p->insn[at].jt = off;
        else
            p->insn[at].jf = off;
    }
    p->nexits = 0;
}

static int fault_valid(const struct harness_syscall_fault *f)
{
    if (f->nr < 0 || f->nr > (long)INT32_MAX || f->err < 1 || f->err > 4095)
        return 0;
    for (int i = 0; i < HARNESS_FAULT_MAX_ARGS; i++) {
        const struct harness_arg_match *m = &f->args[i];

        /* bits outside the mask can never compare equal; an empty mask
         * with negate can never hold; both are mistakes */
        if (m->index < 0 || m->index > 5 || (m->value & ~m->mask) != 0 ||
            (m->negate && m->mask == 0))
            return 0;
    }
    return 1;
}

int harness_fail_syscalls(const struct harness_syscall_fault *faults, size_t n)
{
    struct prog p = {.len = 0}; /* about 1.5 KiB */
    struct sock_fprog fprog;

    if (FAULT_ARCH == 0)
        return -ENOSYS;
    if (n == 0 || n > HARNESS_FAULT_MAX_RULES || !faults)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!fault_valid(&faults[i]))
            return -EINVAL;
    emit(&p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, arch)));
    emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FAULT_ARCH,
                                          1, 0));
    emit(&p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    for (size_t i = 0; i < n; i++) {
        const struct harness_syscall_fault *f = &faults[i];

        emit(&p,
             (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, nr)));
        emit_exit_jump(&p, (uint32_t)f->nr, 0);
        for (int a = 0; a < HARNESS_FAULT_MAX_ARGS; a++)
            if (f->args[a].mask != 0)
                emit_match(&p, &f->args[a]);
        emit(&p, (struct sock_filter)BPF_STMT(
                     BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((uint32_t)f->err &
                                                           SECCOMP_RET_DATA)));
        end_rule(&p);
    }
    emit(&p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    fprog = (struct sock_fprog){.len = p.len, .filter = p.insn};
    /* Without no_new_privs only a privileged thread may install a filter;
     * with it, a filter cannot be used against a set-uid program. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0)
        return -errno;
    return 0;
}

int harness_fail_syscall(long nr, int err)
{
    struct harness_syscall_fault f = {.nr = nr, .err = err};

    return harness_fail_syscalls(&f, 1);
}

int harness_fail_syscall_if(long nr, int arg_index, unsigned long mask,
                            unsigned long value, int err)
{
    struct harness_syscall_fault f = {
        .nr = nr,
        .err = err,
        .args = {{.index = arg_index, .mask = mask, .value = value}},
    };

    return harness_fail_syscalls(&f, 1);
}
