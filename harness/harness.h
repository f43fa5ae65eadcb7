/* SPDX-License-Identifier: MIT */
/*
 * The test harness: linked into every lab's test binaries. It provides the
 * per-test entry point and its trusted result channel, checked wrappers,
 * timing and speedup checks, simulated I/O, start barriers, leak counters
 * and chaos mode. Include it after cmocka.h's prerequisites (see below).
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <sys/types.h>
#include <cmocka.h>

#include "protocol.h"

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

/*
 * harness_main - the main() of every test binary.
 *
 *   test_x --list          print the test names, one a line
 *   test_x --run NAME      run exactly one test (an unknown NAME is an error,
 *                          exit 2: a filter that matches nothing is not a pass)
 *   test_x                 run every test in this process (for a debugger)
 *
 * Under the grader (HARNESS_RESULT_FD and HARNESS_NONCE set) the verdict goes
 * over the grader's own pipe, stamped with the nonce, and only from the
 * process that started the test: output on stdout, the exit status, a forked
 * child returning into the runner, or exit(0) in the middle of a test cannot
 * forge a pass.
 */
int harness_main(int argc, char **argv, const struct CMUnitTest *tests,
                 size_t ntests);

/*
 * The channel is taken from the environment by harness__take_channel, an
 * entry of .preinit_array in the test's own object: preinit functions run
 * before every constructor, in link order, and the test object is linked
 * first, so no code of the submission runs before the nonce is out of the
 * environment (getenv, /proc/self/environ) and in the harness alone.
 */
void harness__take_channel(int argc, char **argv, char **envp);

#define HARNESS_MAIN(tests)                                                    \
    __attribute__((section(".preinit_array"),                                  \
                   used)) static void (*const harness__preinit)(int, char **,  \
                                                                char **) =     \
        harness__take_channel;                                                 \
    int main(int argc, char **argv)                                            \
    {                                                                          \
        return harness_main(argc, argv, tests,                                 \
                            sizeof(tests) / sizeof((tests)[0]));               \
    }

/*
 * Verdicts other than pass/fail, and notes for the report. A skip or an
 * "inconclusive" ends the test at once (like cmocka's skip()); the grader
 * reports it loudly and awards no points for it.
 */
void harness_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void harness_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void harness_inconclusive(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * harness_fail - fail the running test with a formatted message that names
 * the test's file:line (use the macro). For worker threads: never call it,
 * nor any assert_*, outside the main thread; record and assert after join.
 */
#define harness_fail(...) harness__fail(__FILE__, __LINE__, __VA_ARGS__)
void harness__fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/*
 * harness_fail_slow - the same, for a timing verdict: the code under test
 * works but is too slow. The grader's speedup check reports it as "slow"
 * (HARNESS_KIND_SLOW in protocol.h) rather than as a plain failure, so
 * keep it for a speedup test's final verdict, never for a wrong result.
 */
#define harness_fail_slow(...)                                                 \
    harness__fail_slow(__FILE__, __LINE__, __VA_ARGS__)
void harness__fail_slow(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/*
 * harness_symptom - report what the test saw go wrong, named by a symptom
 * word (protocol.h: "overlap", "wrapped", ...) with a message for the
 * student. Safe from any thread, worker threads included: it only writes
 * a result line and never ends the test, so a worker that sees an
 * overlap reports it at once, and the evidence reaches the grader even
 * if the test later hangs. The grader keeps the last symptom of a test
 * that fails (the main thread's, after the join, knows most), shows its
 * message, and picks the rubric's `hint.<word>`.
 */
void harness_symptom(const char *symptom, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * harness_fail_symptom - harness_symptom, then harness_fail with the same
 * message: the main thread's way to fail with a named symptom.
 */
#define harness_fail_symptom(symptom, ...)                                     \
    harness__fail_symptom(__FILE__, __LINE__, symptom, __VA_ARGS__)
void harness__fail_symptom(const char *file, int line, const char *symptom,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

/*
 * Rubric parameters: the grader passes a test's `param.KEY = value` lines as
 * HARNESS_PARAM_KEY. These return the default when it is absent (e.g. when
 * the binary runs by hand).
 */
double harness_param_double(const char *key, double dflt);
long harness_param_long(const char *key, long dflt);

/* A scratch directory for this test (the grader's, else /tmp). */
const char *harness_tmpdir(void);

/* ------------------------------------------------------------------ */
/* Checked wrappers (CS:APP style): on failure they print               */
/* "file:line: call: reason" and exit(HARNESS_EXIT_WRAPPER), never 0.   */
/* pthread calls are checked by their return value, not errno.          */
/* ------------------------------------------------------------------ */

#define xfork() harness__xfork(__FILE__, __LINE__)
#define xwaitpid(pid, st, opt)                                                 \
    harness__xwaitpid(__FILE__, __LINE__, pid, st, opt)
#define xpipe(fds) harness__xpipe(__FILE__, __LINE__, fds)
#define xclose(fd) harness__xclose(__FILE__, __LINE__, fd)
#define xmalloc(n) harness__xmalloc(__FILE__, __LINE__, n)
#define xcalloc(n, sz) harness__xcalloc(__FILE__, __LINE__, n, sz)
#define xpthread_create(t, a, fn, arg)                                         \
    harness__xpthread_create(__FILE__, __LINE__, t, a, fn, arg)
#define xpthread_join(t, ret) harness__xpthread_join(__FILE__, __LINE__, t, ret)
#define xpthread_mutex_lock(m)                                                 \
    harness__xpthread_call(__FILE__, __LINE__, "pthread_mutex_lock",           \
                           pthread_mutex_lock(m))
#define xpthread_mutex_unlock(m)                                               \
    harness__xpthread_call(__FILE__, __LINE__, "pthread_mutex_unlock",         \
                           pthread_mutex_unlock(m))
#define xpthread_cond_wait(c, m)                                               \
    harness__xpthread_call(__FILE__, __LINE__, "pthread_cond_wait",            \
                           pthread_cond_wait(c, m))
#define xpthread_cond_broadcast(c)                                             \
    harness__xpthread_call(__FILE__, __LINE__, "pthread_cond_broadcast",       \
                           pthread_cond_broadcast(c))

pid_t harness__xfork(const char *file, int line);
pid_t harness__xwaitpid(const char *file, int line, pid_t pid, int *status,
                        int options);
void harness__xpipe(const char *file, int line, int fds[2]);
void harness__xclose(const char *file, int line, int fd);
void *harness__xmalloc(const char *file, int line, size_t n);
void *harness__xcalloc(const char *file, int line, size_t n, size_t size);
void harness__xpthread_create(const char *file, int line, pthread_t *t,
                              const pthread_attr_t *attr, void *(*fn)(void *),
                              void *arg);
void harness__xpthread_join(const char *file, int line, pthread_t t,
                            void **ret);
void harness__xpthread_call(const char *file, int line, const char *what,
                            int rc);
void harness__die(const char *file, int line, const char *call,
                  const char *reason) __attribute__((noreturn));

/* ------------------------------------------------------------------ */
/* Time                                                                */
/* ------------------------------------------------------------------ */

uint64_t harness_now_ns(void);           /* CLOCK_MONOTONIC */
double harness_cpu_seconds(void);        /* CPU time of the whole process */
double harness_thread_cpu_seconds(void); /* CPU time of the calling thread */
/* Seconds the calling thread has spent runnable but without a CPU (the
 * kernel's run delay, /proc/thread-self/schedstat), 0 where unknown: what a
 * busy machine adds to a latency, which a test may take off its bound. */
double harness_thread_cpu_wait_seconds(void);
/* 1 when the test runs under a Valgrind tool (Memcheck, Helgrind, DRD):
 * for smaller loops, and for what Valgrind itself changes (posix_spawn). */
int harness_under_valgrind(void);

/* Sleep ms / us, restarting after signals: the "simulated I/O" of the labs. */
void harness_io_wait_ms(unsigned ms);
void harness_io_wait_us(unsigned long us);

/* CPUs this process may run on (sched_getaffinity, not sysconf). */
int harness_cpus(void);

/* A fixed amount of CPU work (about `units` microseconds on a 2020s core);
 * returns a value that depends on every step so it cannot be optimised away.
 */
uint64_t harness_spin_work(uint64_t units);

/* ------------------------------------------------------------------ */
/* Speedup checks                                                       */
/* ------------------------------------------------------------------ */

/* One measured body: called with its argument, timed by the harness. */
typedef void (*harness_body_fn)(void *arg);

struct harness_ratio {
    double base_s; /* best-of-N seconds of the baseline */
    double cand_s; /* best-of-N seconds of the candidate */
    double ratio;  /* base_s / cand_s: above 1 means the candidate is faster */
};

/*
 * harness_measure_ratio - time `base` and `cand` interleaved in this process:
 * one warm-up of each, then `trials` rounds of base, cand. Best-of-N: noise
 * only ever adds time, so the minimum is the best estimate of each.
 */
struct harness_ratio harness_measure_ratio(harness_body_fn base, void *base_arg,
                                           harness_body_fn cand, void *cand_arg,
                                           int trials);

/*
 * harness_check_io_speedup - an I/O-bound (latency-bound) speedup check:
 * passes when base/cand reaches `min_ratio` (the rubric's param.min_ratio
 * overrides the argument). Fails the test with both timings otherwise.
 */
void harness_check_io_speedup(const char *what, double min_ratio,
                              harness_body_fn base, void *base_arg,
                              harness_body_fn cand, void *cand_arg);

/*
 * harness_check_cpu_speedup - a CPU-bound speedup check on `workers` workers.
 * The harness measures its own reference parallel kernel on the same number
 * of workers, interleaved with the student's code, so the threshold follows
 * what this machine demonstrably gives right now: the student's speedup must
 * reach `fraction` (param.fraction overrides) of the reference's. With fewer
 * than 2 usable CPUs the check is skipped; when the reference itself cannot
 * show parallelism after retries (a busy machine) it is inconclusive. Both
 * are reported loudly and earn no points here; the grader marks them
 * provisional, to grade again (docs/architecture.md).
 */
void harness_check_cpu_speedup(const char *what, int workers, double fraction,
                               harness_body_fn base, void *base_arg,
                               harness_body_fn cand, void *cand_arg);

/* ------------------------------------------------------------------ */
/* Threads under test                                                   */
/* ------------------------------------------------------------------ */

/* A start line: n threads call harness_start_wait and leave together. */
struct harness_start {
    pthread_barrier_t barrier;
};
void harness_start_init(struct harness_start *s, unsigned n);
void harness_start_wait(struct harness_start *s);
void harness_start_destroy(struct harness_start *s);

/* ------------------------------------------------------------------ */
/* Leaks: fds, threads, children, zombies                               */
/* ------------------------------------------------------------------ */

int harness_count_fds(void);     /* open fds of this process */
int harness_count_threads(void); /* threads of this process */
/*
 * Threads of this process once joined threads have left /proc: the kernel
 * wakes pthread_join when the thread clears its tid, a little before it
 * takes the thread out of /proc/self/task, so an exact count straight after
 * a join can be one too high. Polls (1 ms apart, at most 2 s) until at most
 * `expected` remain and returns the count then: a thread still running
 * keeps it high, one already joined does not.
 */
int harness_count_threads_settled(int expected);
int harness_count_children(void); /* live or zombie children */
int harness_count_zombies(void);  /* children that exited and were not reaped */

/* Fail the test (naming the caller) if fds or children differ from a
 * baseline taken with harness_snapshot(). */
struct harness_snapshot {
    int fds;
    int children;
};
struct harness_snapshot harness_snapshot(void);
#define harness_assert_no_leaks(snap)                                          \
    harness__assert_no_leaks(__FILE__, __LINE__, snap)
void harness__assert_no_leaks(const char *file, int line,
                              struct harness_snapshot snap);

/* ------------------------------------------------------------------ */
/* Out of memory on demand                                              */
/* ------------------------------------------------------------------ */

/*
 * harness_oom_begin - from now on every malloc of this process fails: the
 * address-space limit is lowered to what is mapped now and the harness
 * takes every block the allocator still holds. Returns 0 when that is in
 * effect, -1 when it cannot be done here (under Valgrind or a sanitizer,
 * whose allocators do not return NULL): skip the check then.
 * harness_oom_end - give it all back (always call it, before anything
 * that allocates: a failure message, stdio, a new thread).
 * Between the two, call only the code under test, from the only thread
 * that allocates; a thread stack or a new mapping fails too.
 */
int harness_oom_begin(void);
void harness_oom_end(void);
/*
 * harness_oom_begin_spare - harness_oom_begin, then one free block of each
 * malloc size class up to `max` bytes handed back to the allocator: a
 * create's first, small allocation (its struct) succeeds and a larger one
 * (its array) fails, which reaches the path that must free the struct.
 * harness_oom_spare_kept - how many of those blocks a malloc of their size
 * cannot get back now: 0 when the code under test freed every block it
 * took. Call it before harness_oom_end. (glibc: a freed small block waits
 * in the thread's cache for a malloc of its own size class.)
 */
int harness_oom_begin_spare(size_t max);
int harness_oom_spare_kept(void);

/* ------------------------------------------------------------------ */
/* Failing system calls on demand                                       */
/* ------------------------------------------------------------------ */

/*
 * A condition on argument `index` (0-5) of a system call: it holds when
 * (arg & mask) == value, or, with `negate`, when (arg & mask) != value.
 * All 64 bits are compared, a 32-bit half at a time (the low and the high
 * word each masked and compared). For an int argument (an fd, a flag)
 * pass mask 0xffffffff: the kernel reads only its low 32 bits, and the
 * high ones of the register are not defined. A condition whose mask is 0
 * compares nothing and always holds: the unused ones, left zero.
 */
struct harness_arg_match {
    int index;
    int negate;
    unsigned long mask;
    unsigned long value;
};

#define HARNESS_FAULT_MAX_ARGS 3  /* conditions per rule */
#define HARNESS_FAULT_MAX_RULES 8 /* rules per filter */

/*
 * A rule: system call `nr` (a SYS_ number of this build's ABI; harness/
 * compat.h defines those older headers lack) fails with errno `err`
 * (1-4095), without being run, when every condition of `args` holds.
 */
struct harness_syscall_fault {
    long nr;
    int err;
    struct harness_arg_match args[HARNESS_FAULT_MAX_ARGS];
};

/*
 * harness_fail_syscalls - from now on, in the calling thread, each call
 * that a rule of `faults` (n of them, 1 to HARNESS_FAULT_MAX_RULES)
 * matches fails with that rule's errno: -1 and errno to a C library
 * caller, as an old kernel or a refusing one would. The first rule that
 * matches decides; every other call runs as before.
 * harness_fail_syscall - every call of `nr` fails with `err`.
 * harness_fail_syscall_if - a call of `nr` fails with `err` when
 * (argument arg_index & mask) == value: one condition.
 *
 * A seccomp filter (with no_new_privs set on the thread, which seccomp
 * requires of an unprivileged caller): it cannot be removed (a second call
 * adds its rules to the first's), and it binds the calling thread only, not
 * the process's other threads, and every thread and process that thread
 * creates from now on (pthread_create, fork, exec inherit it). Install it in
 * a thread of the test's own, or in a child process, when the rest of the
 * test must run unfiltered. Only calls of this build's ABI are matched
 * (x86-64, aarch64, i386); a call through another (int 0x80 on x86-64) runs.
 * Valgrind makes system calls of its own, and may make the program's
 * through other calls: a filter may fail too much or too little under it
 * (harness_under_valgrind), so skip there unless the check is seen to work.
 *
 * Returns 0 when the filter is in effect; -EINVAL for a rule that can never
 * match as written (bits of value outside mask, negate with mask 0, an index
 * outside 0-5, an errno outside 1-4095, n out of range); -ENOSYS on an ABI
 * the harness does not know; else prctl's negative errno (-EINVAL, -EACCES:
 * a kernel or container without seccomp). Nothing is installed then: skip
 * the check. Does not block. Context: any thread; it changes that thread
 * alone.
 */
int harness_fail_syscalls(const struct harness_syscall_fault *faults, size_t n);
int harness_fail_syscall(long nr, int err);
int harness_fail_syscall_if(long nr, int arg_index, unsigned long mask,
                            unsigned long value, int err);

/* ------------------------------------------------------------------ */
/* Chaos mode: make rare interleavings common                           */
/* ------------------------------------------------------------------ */

/*
 * When chaos is on (HARNESS_CHAOS=1, or harness_chaos_enable(1)):
 * harness_chaos_point() yields or pauses at random (less often while
 * pauses are slow: on a busy machine, which preempts threads by itself, a
 * yield waits for every other task); harness_cond_wait()
 * returns spuriously about one time in `spurious` (default 3) without being
 * signalled, as POSIX allows, so `if` where `while` is needed fails for sure.
 * With param spurious_late_ms = N, a spurious harness_cond_timedwait()
 * first really waits up to N ms (a signal still ends it; abstime, if that
 * comes first, is a real ETIMEDOUT), so the wake-up comes in the middle of
 * a timed wait.
 * Off, they cost a branch.
 */
void harness_chaos_enable(int on);
int harness_chaos_enabled(void);
void harness_chaos_point(void);
int harness_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int harness_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                           const struct timespec *abstime);

/* ------------------------------------------------------------------ */
/* The controlled scheduler (docs/sched.md)                             */
/* ------------------------------------------------------------------ */

/*
 * In the sched build (VARIANT=sched) the synchronization calls of the
 * student's and the test's objects go to harness/scheduler.c, which runs one
 * thread at a time and picks, at each call, who runs next, from a seed.
 * harness_sched_enabled - 1 in that build (tests pick smaller loops).
 * harness_sched_sleepers - the test's threads in a condition wait now.
 * harness_yield - sched_yield(), or in the sched build a scheduling point
 * that lets the others go first (and virtual time pass when none can).
 */
int harness_sched_enabled(void);
int harness_sched_sleepers(void);
void harness_yield(void);

/* ------------------------------------------------------------------ */
/* Tracing: what ran when (timelines of speedup checks)                 */
/* ------------------------------------------------------------------ */

/*
 * Spans of work, each on a lane: a thread, a process, or a coroutine. The
 * buffer is one shared mapping made before the test starts, so processes
 * the code under test forks record into it too (a lane per process).
 *
 * While tracing is armed (the speedup checks arm it around each candidate
 * run), harness_spin_work records a "computing" span and harness_io_wait_*
 * a "waiting for I/O" span on the calling thread's lane: the labs' work
 * is traced without a line of tracing in the student's code.
 *
 * harness_trace_span - record that explicit `lane` (an index of your own,
 * drawn as "lane N") ran `label` from t0 to t1 (harness_now_ns values),
 * armed or not. Thread-safe, as are all of these.
 * harness_trace_mark - while armed, record [t0, now) labelled `label` on
 * the calling thread's (or coroutine's) lane.
 * harness_trace_hold - while armed, record that the calling thread held
 * `lock` (a name, e.g. "GIL") from t0 to t1: a lane of its own, drawn
 * above the threads with each holder's number, so a timeline shows who
 * held it when, and every hand-over. Not work: it counts neither as a lane
 * that ran nor toward an overlap.
 * harness_trace_coroutine - spans this thread records from now on belong
 * to coroutine `name` (a string that outlives the trace); NULL returns to
 * the thread's own lane. Call it where a scheduler switches in.
 * harness_trace_print_timeline prints the spans as an ASCII timeline on
 * stdout; harness_trace_overlap tells whether two lanes ever ran at the
 * same time; harness_trace_verdict is a sentence for a failure message
 * ("... ran one after another ...") or "" when the trace shows nothing.
 * harness_trace_export writes the spans to <harness_tmpdir()>/trace.spans
 * when HARNESS_TRACE=1 (the grader's TRACE=1), for the grader to draw.
 */
void harness_trace_init(void);
void harness_trace_reset(void);
void harness_trace_arm(int on);
int harness_trace_armed(void);
void harness_trace_span(int lane, const char *label, uint64_t t0, uint64_t t1);
void harness_trace_mark(const char *label, uint64_t t0);
void harness_trace_hold(const char *lock, uint64_t t0, uint64_t t1);
void harness_trace_coroutine(const char *name);
void harness_trace_print_timeline(const char *title);
int harness_trace_overlap(void);
const char *harness_trace_verdict(void);
int harness_trace_write(const char *path, const char *title);
void harness_trace_export(const char *title);
/* Internal: the automatic spans ('c' computing, 'w' waiting). */
void harness__trace_auto(char cat, const char *label, uint64_t t0);
/* The speedup checks' own: keep the spans just recorded as the baseline's
 * (drawn above the candidate's, on one scale), or forget them. */
void harness__trace_keep_baseline(void);
void harness__trace_drop_baseline(void);

/*
 * expect_rc - fail the running test at the caller's file:line unless a
 * call returned `want`: "bbuf_put returned -38 (Function not implemented),
 * expected 0 (Success)" (a value above 0, a count, has no errno name).
 * `what` names the call in the student's words; EXPECT_RC(call, want)
 * names it by the call's own text.
 */
#define expect_rc(what, rc, want)                                              \
    harness__expect_rc(__FILE__, __LINE__, (what), (long)(rc), (long)(want))
#define EXPECT_RC(call, want) expect_rc(#call, (call), (want))
void harness__expect_rc(const char *file, int line, const char *what, long rc,
                        long want);

#endif /* HARNESS_H */
