/* SPDX-License-Identifier: MIT */
/*
 * The context-switch ladder: what it costs to pass control between two
 * processes (a pipe ping-pong), two threads (futex and condition-variable
 * ping-pongs), two ucontexts (swapcontext) and two of lab 05's coroutines,
 * in nanoseconds per switch, with both ends pinned to one CPU and unpinned.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"
#include "coro.h"

/* One measured body: `rounds` round trips, each two switches. */
typedef void (*pingpong_fn)(long rounds);

/* ---- processes: one byte back and forth through two pipes ------------ */

static void process_pingpong(long rounds)
{
    int there[2], back[2];
    char c = 0;
    pid_t pid;
    int st;

    if (pipe(there) != 0 || pipe(back) != 0)
        bench_die("pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        for (long i = 0; i < rounds; i++)
            if (read(there[0], &c, 1) != 1 || write(back[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    for (long i = 0; i < rounds; i++)
        if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
            bench_die("process ping-pong: %s", strerror(errno));
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        bench_die("process ping-pong: the child failed");
    close(there[0]);
    close(there[1]);
    close(back[0]);
    close(back[1]);
}

/* ---- threads: a futex word that says whose turn it is ------------------ */

static int turn; /* 0: the main thread's, 1: the partner's; atomics only */
static long futex_rounds;

static void futex_wait_while(int *addr, int val)
{
    while (__atomic_load_n(addr, __ATOMIC_ACQUIRE) == val)
        syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_hand_over(int *addr, int val)
{
    __atomic_store_n(addr, val, __ATOMIC_RELEASE);
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *futex_partner(void *arg)
{
    (void)arg;
    for (long i = 0; i < futex_rounds; i++) {
        futex_wait_while(&turn, 0);
        futex_hand_over(&turn, 0);
    }
    return NULL;
}

static void thread_futex_pingpong(long rounds)
{
    pthread_t t;

    turn = 0;
    futex_rounds = rounds;
    if (pthread_create(&t, NULL, futex_partner, NULL) != 0)
        bench_die("pthread_create failed");
    for (long i = 0; i < rounds; i++) {
        futex_hand_over(&turn, 1);
        futex_wait_while(&turn, 1);
    }
    pthread_join(t, NULL);
}

/* ---- threads: the same turn, under a mutex and a condition variable ---- */

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_changed = PTHREAD_COND_INITIALIZER;
static int cv_turn; /* guarded by cv_lock */

static void cv_pass(int mine, int theirs)
{
    pthread_mutex_lock(&cv_lock);
    while (cv_turn != mine)
        pthread_cond_wait(&cv_changed, &cv_lock);
    cv_turn = theirs;
    pthread_cond_signal(&cv_changed);
    pthread_mutex_unlock(&cv_lock);
}

static void *cv_partner(void *arg)
{
    for (long i = 0; i < *(long *)arg; i++)
        cv_pass(1, 0);
    return NULL;
}

static void thread_cv_pingpong(long rounds)
{
    pthread_t t;

    cv_turn = 0;
    if (pthread_create(&t, NULL, cv_partner, &rounds) != 0)
        bench_die("pthread_create failed");
    for (long i = 0; i < rounds; i++)
        cv_pass(0, 1);
    pthread_join(t, NULL);
}

/* ---- swapcontext: glibc's user-space switch (it saves the signal mask,
 * which costs a system call each way) ------------------------------------ */

static ucontext_t uc_main, uc_other;

static void uc_body(void)
{
    for (;;)
        swapcontext(&uc_other, &uc_main);
}

static void swapcontext_pingpong(long rounds)
{
    static char stack[64 * 1024];

    getcontext(&uc_other);
    uc_other.uc_stack.ss_sp = stack;
    uc_other.uc_stack.ss_size = sizeof(stack);
    uc_other.uc_link = NULL;
    makecontext(&uc_other, uc_body, 0);
    for (long i = 0; i < rounds; i++)
        swapcontext(&uc_main, &uc_other);
}

/* ---- lab 05: coro_resume into a coroutine that yields straight back ---- */

static void *coro_body(void *arg)
{
    (void)arg;
    for (;;)
        coro_yield(NULL);
    return NULL;
}

static void coro_pingpong(long rounds)
{
    struct coro *co;
    int rc = coro_create(&co, coro_body, NULL, 0);

    if (rc != 0)
        bench_die("coro_create: %s", strerror(-rc));
    for (long i = 0; i < rounds; i++)
        if (coro_resume(co, NULL) != 0)
            bench_die("coro_resume failed");
    coro_destroy(co);
}

/* ---- the floor: a bare switch, without coro.c's bookkeeping ----------
 * Two hand-written switches between the main stack and one other, saving
 * the six callee-saved registers like lab 05's. The first returns into the
 * other context with `ret`; the return-address predictor expects the
 * caller of this very call, so every switch mispredicts. The second pops
 * the address and jumps to it (as Boost.Context does), which the indirect
 * branch predictor learns. Neither checks state or keeps `current`: the
 * difference to lab 05's figure is the API's cost. A third is the second
 * plus what the ABI also makes callee-saved and lab 05's switch therefore
 * keeps: the MXCSR control bits and the x87 control word, stored on every
 * switch in a slot below the saved registers and loaded only when they
 * differ (as solutions/05-coroutines does). The difference between the
 * second and the third is the cost of keeping them. The fourth is the
 * third with its slot in the red zone, below the saved stack pointer,
 * which saves the `sub` and `add` of rsp. The last two only store both
 * fields, or MXCSR alone, and never read them back: not correct switches
 * (a changed rounding mode is never loaded), only the cost of the stores
 * themselves, the floor under any switch that keeps the control fields. */

void bench__switch_ret(void **save_sp, void *new_sp);
void bench__switch_jmp(void **save_sp, void *new_sp);
void bench__switch_fp(void **save_sp, void *new_sp);
void bench__switch_fp_rz(void **save_sp, void *new_sp);
void bench__switch_store(void **save_sp, void *new_sp);
void bench__switch_mxcsr(void **save_sp, void *new_sp);
#define BENCH_SAVE                                                             \
    "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n"                         \
    "    pushq %r13\n    pushq %r14\n    pushq %r15\n"                         \
    "    movq %rsp, (%rdi)\n    movq %rsi, %rsp\n"                             \
    "    popq %r15\n    popq %r14\n    popq %r13\n"                            \
    "    popq %r12\n    popq %rbx\n    popq %rbp\n"
__asm__(".text\n"
        ".globl bench__switch_ret\n"
        ".type bench__switch_ret, @function\n"
        "bench__switch_ret:\n" BENCH_SAVE "    ret\n"
        ".size bench__switch_ret, .-bench__switch_ret\n"
        ".globl bench__switch_jmp\n"
        ".type bench__switch_jmp, @function\n"
        "bench__switch_jmp:\n" BENCH_SAVE "    popq %rcx\n    jmpq *%rcx\n"
        ".size bench__switch_jmp, .-bench__switch_jmp\n"
        ".globl bench__switch_fp_rz\n"
        ".type bench__switch_fp_rz, @function\n"
        "bench__switch_fp_rz:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n"
        "    pushq %r13\n    pushq %r14\n    pushq %r15\n"
        "    stmxcsr -8(%rsp)\n    fnstcw -4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movl -8(%rsp), %eax\n    movzwl -4(%rsp), %edx\n"
        "    movq %rsi, %rsp\n"
        "    xorl -8(%rsp), %eax\n    testl $0xffc0, %eax\n    jnz 2f\n"
        "1:  cmpw -4(%rsp), %dx\n    jne 4f\n"
        "3:  popq %r15\n    popq %r14\n    popq %r13\n"
        "    popq %r12\n    popq %rbx\n    popq %rbp\n"
        "    popq %rcx\n    jmpq *%rcx\n"
        "2:  lfence\n    ldmxcsr -8(%rsp)\n    jmp 1b\n"
        "4:  lfence\n    fldcw -4(%rsp)\n    jmp 3b\n"
        ".size bench__switch_fp_rz, .-bench__switch_fp_rz\n"
        ".globl bench__switch_fp\n"
        ".type bench__switch_fp, @function\n"
        "bench__switch_fp:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n"
        "    pushq %r13\n    pushq %r14\n    pushq %r15\n"
        "    subq $8, %rsp\n    stmxcsr (%rsp)\n    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movl (%rsp), %eax\n    movzwl 4(%rsp), %edx\n"
        "    movq %rsi, %rsp\n"
        "    xorl (%rsp), %eax\n    testl $0xffc0, %eax\n    jnz 2f\n"
        "1:  cmpw 4(%rsp), %dx\n    jne 4f\n"
        "3:  addq $8, %rsp\n"
        "    popq %r15\n    popq %r14\n    popq %r13\n"
        "    popq %r12\n    popq %rbx\n    popq %rbp\n"
        "    popq %rcx\n    jmpq *%rcx\n"
        "2:  lfence\n    ldmxcsr (%rsp)\n    jmp 1b\n"
        "4:  lfence\n    fldcw 4(%rsp)\n    jmp 3b\n"
        ".size bench__switch_fp, .-bench__switch_fp\n"
        ".globl bench__switch_store\n"
        ".type bench__switch_store, @function\n"
        "bench__switch_store:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n"
        "    pushq %r13\n    pushq %r14\n    pushq %r15\n"
        "    stmxcsr -8(%rsp)\n    fnstcw -4(%rsp)\n"
        "    movq %rsp, (%rdi)\n    movq %rsi, %rsp\n"
        "    popq %r15\n    popq %r14\n    popq %r13\n"
        "    popq %r12\n    popq %rbx\n    popq %rbp\n"
        "    popq %rcx\n    jmpq *%rcx\n"
        ".size bench__switch_store, .-bench__switch_store\n"
        ".globl bench__switch_mxcsr\n"
        ".type bench__switch_mxcsr, @function\n"
        "bench__switch_mxcsr:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n"
        "    pushq %r13\n    pushq %r14\n    pushq %r15\n"
        "    stmxcsr -8(%rsp)\n"
        "    movq %rsp, (%rdi)\n    movq %rsi, %rsp\n"
        "    popq %r15\n    popq %r14\n    popq %r13\n"
        "    popq %r12\n    popq %rbx\n    popq %rbp\n"
        "    popq %rcx\n    jmpq *%rcx\n"
        ".size bench__switch_mxcsr, .-bench__switch_mxcsr\n");

static void *bare_main_sp, *bare_other_sp;
static void (*bare_switch)(void **, void *);

static void bare_body(void)
{
    for (;;)
        bare_switch(&bare_other_sp, bare_main_sp);
}

static void bare_pingpong(long rounds)
{
    static _Alignas(16) char stack[64 * 1024];
    void **top = (void **)(stack + sizeof(stack));

    /* The new stack as a switch leaves it: six zeroed registers, then the
     * address to "return" to, placed so that bare_body starts with
     * rsp + 8 a multiple of 16, as the ABI wants at a function's entry;
     * below them, this thread's control fields: below the saved sp for
     * the red-zone switches, at it for bench__switch_fp. */
    top[-2] = (void *)bare_body;
    for (int i = 3; i <= 8; i++)
        top[-i] = NULL;
    __asm__("stmxcsr %0\n\tfnstcw 4+%0" : "=m"(top[-9]));
    bare_other_sp = &top[bare_switch == bench__switch_fp ? -9 : -8];
    for (long i = 0; i < rounds; i++)
        bare_switch(&bare_main_sp, bare_other_sp);
}

static void bare_ret_pingpong(long rounds)
{
    bare_switch = bench__switch_ret;
    bare_pingpong(rounds);
}

static void bare_jmp_pingpong(long rounds)
{
    bare_switch = bench__switch_jmp;
    bare_pingpong(rounds);
}

static void bare_fp_pingpong(long rounds)
{
    bare_switch = bench__switch_fp;
    bare_pingpong(rounds);
}

static void bare_fp_rz_pingpong(long rounds)
{
    bare_switch = bench__switch_fp_rz;
    bare_pingpong(rounds);
}

static void bare_store_pingpong(long rounds)
{
    bare_switch = bench__switch_store;
    bare_pingpong(rounds);
}

static void bare_mxcsr_pingpong(long rounds)
{
    bare_switch = bench__switch_mxcsr;
    bare_pingpong(rounds);
}

/*
 * Best of `trials` runs of `rounds` round trips, in ns per switch: noise
 * only ever adds time. The user-space switches take many short trials
 * (100 of about a millisecond), so that on a shared machine some of them
 * run without being preempted.
 */
static double ns_per_switch(pingpong_fn fn, long rounds, int trials)
{
    double best = 1e30;

    fn(rounds / 10 + 1); /* warm-up: fault in stacks, wake the CPUs */
    for (int t = 0; t < trials; t++) {
        uint64_t t0 = bench_now_ns();

        fn(rounds);
        double ns = (double)(bench_now_ns() - t0) / (2.0 * (double)rounds);
        best = ns < best ? ns : best;
    }
    return best;
}

int main(void)
{
    static const struct {
        const char *name;
        pingpong_fn fn;
        long rounds;
        int trials;
    } rungs[] = {
        {"process (pipe)", process_pingpong, 20000, 5},
        {"thread (futex)", thread_futex_pingpong, 20000, 5},
        {"thread (condvar)", thread_cv_pingpong, 20000, 5},
        {"swapcontext", swapcontext_pingpong, 1000000, 5},
        {"coroutine (lab 05)", coro_pingpong, 200000, 100},
        {"bare switch (ret)", bare_ret_pingpong, 200000, 100},
        {"bare switch (pop+jmp)", bare_jmp_pingpong, 200000, 100},
        {"bare switch (pop+jmp+fp control)", bare_fp_pingpong, 200000, 100},
        {"bare switch (pop+jmp+fp control red zone)", bare_fp_rz_pingpong,
         200000, 100},
        {"bare switch (pop+jmp+fp stores only)", bare_store_pingpong, 200000,
         100},
        {"bare switch (pop+jmp+MXCSR store only)", bare_mxcsr_pingpong, 200000,
         100},
    };
    char variant[96];
    cpu_set_t saved;

    for (int pinned = 1; pinned >= 0; pinned--) {
        if (pinned)
            bench_pin_one(&saved);
        for (size_t i = 0; i < sizeof(rungs) / sizeof(rungs[0]); i++) {
            snprintf(variant, sizeof(variant), "%s %s", rungs[i].name,
                     pinned ? "pinned" : "unpinned");
            bench_row(
                "switch", variant,
                ns_per_switch(rungs[i].fn, rungs[i].rounds, rungs[i].trials),
                "ns");
        }
        if (pinned)
            bench_unpin(&saved);
    }
    return 0;
}
