/* SPDX-License-Identifier: MIT */
/*
 * The per-test entry point and the trusted result channel. The grader runs
 * each test as `binary --run NAME` in its own process; this file makes sure
 * the only way to report a pass is to reach the end of the test in the
 * process that started it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "protocol.h"
#include "scheduler.h"

/*
 * Set once in harness_main before the test starts; read by the atexit guard
 * and the verdict helpers. The test runs on the main thread only, so no lock.
 */
static int result_fd = -1; /* the grader's pipe, or -1 when run by hand */
static char nonce[80];     /* proves a line came from this harness */
static pid_t main_pid;     /* the process that started the test */
static volatile int test_running;
static void (*test_fn)(void **state);

enum verdict_override { OVERRIDE_NONE, OVERRIDE_SKIP, OVERRIDE_INCONCLUSIVE };
static enum verdict_override override;
static char override_reason[512];
static int failed_slow; /* the failure was harness_fail_slow's */

static const char *const kind_words[HARNESS_KIND_COUNT] = {HARNESS_KIND_WORDS};

/*
 * emit - one line "<nonce> <kind> <text>" in a single write(), so lines from
 * concurrent threads never interleave (a pipe write under PIPE_BUF is atomic).
 * Newlines inside text become " | ".
 */
static void emit(enum harness_kind kind, const char *text)
{
    char line[1024];
    int n;

    if (result_fd < 0) {
        fprintf(stderr, "[harness] %s: %s\n", kind_words[kind], text);
        return;
    }
    n = snprintf(line, sizeof(line) - 1, "%s %s %s", nonce, kind_words[kind],
                 text);
    if (n < 0)
        return;
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    for (int i = 0; i < n; i++)
        if (line[i] == '\n')
            line[i] = '|';
    line[n++] = '\n';
    while (write(result_fd, line, (size_t)n) < 0 && errno == EINTR)
        ;
}

static void vemit(enum harness_kind kind, const char *fmt, va_list ap)
{
    char text[900];

    vsnprintf(text, sizeof(text), fmt, ap);
    emit(kind, text);
}

void harness_note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vemit(HARNESS_KIND_NOTE, fmt, ap);
    va_end(ap);
}

static void set_override(enum verdict_override o, const char *fmt, va_list ap)
{
    override = o;
    vsnprintf(override_reason, sizeof(override_reason), fmt, ap);
    print_message("[harness] %s: %s\n",
                  o == OVERRIDE_SKIP ? "skipped" : "inconclusive",
                  override_reason);
}

void harness_skip(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_override(OVERRIDE_SKIP, fmt, ap);
    va_end(ap);
    skip();
}

void harness_inconclusive(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_override(OVERRIDE_INCONCLUSIVE, fmt, ap);
    va_end(ap);
    skip();
}

static void fail_with(const char *file, int line, const char *text)
    __attribute__((noreturn));

static void fail_with(const char *file, int line, const char *text)
{
    fprintf(stderr, "%s:%d: %s\n", file, line, text);
    _fail(file, line);
    abort(); /* not reached: _fail leaves the test */
}

void harness__fail(const char *file, int line, const char *fmt, ...)
{
    char text[900];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    fail_with(file, line, text);
}

/* "-22 (Invalid argument)", or "3" for a value that is no error. */
static void describe_rc(char *buf, size_t size, long v)
{
    if (v <= 0)
        snprintf(buf, size, "%ld (%s)", v, strerror((int)-v));
    else
        snprintf(buf, size, "%ld", v);
}

void harness__expect_rc(const char *file, int line, const char *what, long rc,
                        long want)
{
    char got[128], wanted[128];

    if (rc == want)
        return;
    describe_rc(got, sizeof(got), rc);
    describe_rc(wanted, sizeof(wanted), want);
    harness__fail(file, line, "%s returned %s, expected %s", what, got, wanted);
}

/* The same words on stderr; only the result line's kind differs. */
void harness__fail_slow(const char *file, int line, const char *fmt, ...)
{
    char text[900];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    failed_slow = 1;
    fail_with(file, line, text);
}

/* The word must be a symptom word (protocol.h); the harness drops any
 * other rather than hand the grader a word it cannot key a hint to. */
static void vsymptom(const char *symptom, const char *fmt, va_list ap)
{
    char text[900];
    size_t n = strlen(symptom);

    if (n == 0 || n > HARNESS_SYMPTOM_MAX || symptom[0] < 'a' ||
        symptom[0] > 'z' || strspn(symptom, HARNESS_SYMPTOM_CHARS) != n) {
        fprintf(stderr, "[harness] bad symptom word '%s' (protocol.h)\n",
                symptom);
        symptom = "";
    }
    n = (size_t)snprintf(text, sizeof(text), "%s ", symptom);
    vsnprintf(text + n, sizeof(text) - n, fmt, ap);
    if (*symptom)
        emit(HARNESS_KIND_SYMPTOM, text);
}

void harness_symptom(const char *symptom, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsymptom(symptom, fmt, ap);
    va_end(ap);
}

void harness__fail_symptom(const char *file, int line, const char *symptom,
                           const char *fmt, ...)
{
    char text[900];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    harness_symptom(symptom, "%s", text);
    fail_with(file, line, text);
}

/*
 * The exit guard: cmocka reports nothing when a test calls exit(), and the
 * exit status (often 0) would otherwise be all the grader sees.
 */
static void exit_guard(void)
{
    if (test_running && getpid() == main_pid)
        emit(HARNESS_KIND_EXIT,
             "the test called exit() before it finished: code under "
             "test must return an error, never exit the process");
}

static int sanitized_build(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return 1;
#else
    return 0;
#endif
}

/*
 * cmocka turns SIGSEGV, SIGBUS, SIGFPE and SIGILL into an ordinary failure
 * and longjmps out of the test, which from a worker thread is undefined.
 * Restore the default action so a crash is a crash, reported by the grader
 * with its signal; the sanitizers keep their handlers (they explain more).
 */
static void restore_crash_signals(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};

    if (sanitized_build())
        return;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        signal(sigs[i], SIG_DFL);
}

static void trampoline(void **state)
{
    restore_crash_signals();
    harness__sched_begin(); /* the sched build: this thread is thread 0 */
    test_fn(state);
}

/*
 * The controlled scheduler's verdicts (a deadlock, a livelock) come from
 * whichever thread finds them, often not the test's main thread, so they
 * cannot unwind through cmocka: say it, and end the process.
 */
void harness__fail_process(const char *text)
{
    fflush(stdout);
    fprintf(stderr, "%s\n", text);
    if (test_running && getpid() == main_pid)
        emit(HARNESS_KIND_FAIL, text);
    _exit(1);
}

/*
 * Before any constructor (harness.h), and so before the sanitizers'
 * runtime may have started: no library call, no instrumented access, only
 * loops over the environment. The two entries are copied here, their
 * strings overwritten in place (/proc/self/environ reads that memory) and
 * removed from the array getenv searches.
 */
static int channel_taken;

static int take_var(const char *entry, const char *name, char *out, size_t cap)
{
    size_t i = 0, n = 0;

    while (name[i] && entry[i] == name[i])
        i++;
    if (name[i] || entry[i] != '=')
        return 0;
    for (i++; entry[i] && n + 1 < cap; i++)
        out[n++] = entry[i];
    out[n] = '\0';
    return 1;
}

__attribute__((no_sanitize_address, no_sanitize_thread,
               no_instrument_function)) void
harness__take_channel(int argc, char **argv, char **envp)
{
    char fd[16] = "";
    size_t keep = 0;
    int have_fd = 0, have_nonce = 0;

    (void)argc;
    (void)argv;
    for (size_t i = 0; envp && envp[i]; i++) {
        char *e = envp[i];
        int mine = 0;

        if (take_var(e, HARNESS_ENV_RESULT_FD, fd, sizeof(fd)))
            mine = have_fd = 1;
        else if (take_var(e, HARNESS_ENV_NONCE, nonce, sizeof(nonce)))
            mine = have_nonce = 1;
        if (mine)
            for (char *c = e; *c; c++)
                *(volatile char *)c = '\0';
        else
            envp[keep++] = e;
    }
    if (envp)
        envp[keep] = NULL;
    channel_taken = 1;
    if (have_fd && have_nonce && fd[0]) {
        int v = 0;

        for (const char *c = fd; *c >= '0' && *c <= '9'; c++)
            v = v * 10 + (*c - '0');
        result_fd = v;
    } else {
        nonce[0] = '\0';
    }
}

static void take_channel(void)
{
    const char *fd = getenv(HARNESS_ENV_RESULT_FD);
    const char *nc = getenv(HARNESS_ENV_NONCE);

    /* A test binary built without HARNESS_MAIN: from the environment. */
    if (!channel_taken && fd && nc) {
        result_fd = atoi(fd);
        snprintf(nonce, sizeof(nonce), "%s", nc);
    }
    /* Children the test execs must not inherit the channel. */
    if (result_fd >= 0)
        fcntl(result_fd, F_SETFD, FD_CLOEXEC);
    unsetenv(HARNESS_ENV_RESULT_FD);
    unsetenv(HARNESS_ENV_NONCE);
}

/*
 * A forked child that comes back through the runner also writes its pid
 * here: memory shared with the test's process, which no descriptor holds.
 * Its own report goes down the grader's pipe, which the child may have
 * closed (a pool worker closes every descriptor it inherited), and then
 * only the test's process can say it, when the child got back first.
 */
static pid_t *returned_child;

static void forked_child_returned(pid_t child)
{
    harness_symptom("child-returned",
                    "the code under test forked a child (pid %d, its "
                    "parent %d) that returned from it into the test",
                    (int)child, (int)main_pid);
    emit(HARNESS_KIND_FORKED, "a forked child returned into the test runner: "
                              "after fork() a child must exec or _exit(), "
                              "never return");
    _exit(HARNESS_EXIT_FORKED);
}

static int run_one(const struct CMUnitTest *t)
{
    struct CMUnitTest one = *t;
    pid_t child;
    int failed;

    test_fn = t->test_func;
    one.test_func = trampoline;
    main_pid = getpid();
    if (!returned_child) {
        returned_child =
            mmap(NULL, sizeof(*returned_child), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (returned_child == MAP_FAILED)
            returned_child = NULL;
    }
    if (returned_child)
        *returned_child = 0;
    atexit(exit_guard);
    emit(HARNESS_KIND_START, t->name);
    test_running = 1;
    failed = _cmocka_run_group_tests(t->name, &one, 1, NULL, NULL);
    if (getpid() != main_pid) {
        /* A forked child came back through the runner: that fails the test
         * whatever the parent reports. */
        if (returned_child)
            __atomic_store_n(returned_child, getpid(), __ATOMIC_SEQ_CST);
        forked_child_returned(getpid());
    }
    test_running = 0;
    child =
        returned_child ? __atomic_load_n(returned_child, __ATOMIC_SEQ_CST) : 0;
    if (child)
        forked_child_returned(child);
    harness__sched_end(failed);
    if (failed && failed_slow)
        emit(HARNESS_KIND_SLOW, "too slow (see the output above)");
    else if (failed)
        emit(HARNESS_KIND_FAIL, "an assertion failed (see the output above)");
    else if (override == OVERRIDE_SKIP)
        emit(HARNESS_KIND_SKIP, override_reason);
    else if (override == OVERRIDE_INCONCLUSIVE)
        emit(HARNESS_KIND_INCONCLUSIVE, override_reason);
    else
        emit(HARNESS_KIND_PASS, t->name);
    return failed ? 1 : 0;
}

/*
 * The sched build with HARNESS_SCHED_RUNS=N: run the test under N
 * schedules, each in a forked child (quiet, with a time limit), then run
 * the first failing schedule (or the first schedule) again here: that
 * replay, with its output and trace, is the test's verdict. With
 * HARNESS_SCHED=both the schedules alternate PCT and a random walk (they
 * find different bugs: docs/sched.md), and the replay takes the strategy
 * of the schedule it replays.
 */
#define SCHED_SCHEDULE_LIMIT_S 20
/* Once a schedule has failed and this much time has gone, stop exploring:
 * the first failure is the verdict, and the count of the others is not
 * worth a timeout (a spinning thread makes every schedule run to
 * HARNESS_SCHED_STEPS). */
#define SCHED_ENOUGH_NS 2000000000ull

static const char *sched_strategy(int both, long i)
{
    const char *s = getenv(HARNESS_ENV_SCHED);

    /* Every other pair without spurious wake-ups: they catch a wait
     * tested once (if for while), but they also rescue a thread whose
     * wake-up was lost whenever some other thread still takes steps, so a
     * lost wake-up shows best where none come. */
    static const char *const cycle[] = {"pct", "random", "pct-quiet",
                                        "random-quiet"};

    if (both)
        return cycle[i % 4];
    return s && *s ? s : "pct";
}

static int explore(const struct CMUnitTest *t, const char *argv0, long runs)
{
    const char *given = getenv(HARNESS_ENV_SCHED);
    int both = given && strcmp(given, HARNESS_SCHED_BOTH) == 0;
    uint64_t base = harness__sched_seed(), seed = base, first = 0;
    uint64_t t0 = harness_now_ns();
    long failed = 0, done = 0, first_at = 0;
    char replay[1024];
    const char *strategy;
    double ms;
    int rc;

    for (; done < runs; done++, seed = harness__sched_next_seed(seed)) {
        pid_t pid;
        int st;

        if (failed && harness_now_ns() - t0 > SCHED_ENOUGH_NS)
            break;
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);

            if (result_fd >= 0)
                close(result_fd);
            result_fd = -1;
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
            setenv(HARNESS_ENV_SCHED, sched_strategy(both, done), 1);
            /* Only the replay writes the trace and the timeline: no
             * addr2line and no file for every schedule explored. */
            unsetenv(HARNESS_ENV_SCHED_TRACE);
            unsetenv(HARNESS_ENV_SCHED_TIMELINE);
            harness__sched_set_seed(seed);
            alarm(SCHED_SCHEDULE_LIMIT_S);
            _exit(run_one(t) ? 1 : 0);
        }
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            if (!failed++) {
                first = seed;
                first_at = done + 1;
            }
    }
    ms = (double)(harness_now_ns() - t0) / 1e6 / (double)(done ? done : 1);
    /* No thread runs yet: setenv is safe, and the replay hint reads it. */
    strategy = sched_strategy(both, failed ? first_at - 1 : 0);
    setenv(HARNESS_ENV_SCHED, strategy, 1);
    harness__sched_set_seed(failed ? first : base);
    harness__sched_replay_hint(argv0, t->name, failed ? first : base, replay,
                               sizeof(replay));
    if (failed) {
        printf("sched: failed %ld of %ld schedules; first at seed "
               "0x%016llx, schedule %ld, %s (%.1f ms a schedule). Replaying "
               "it:\n",
               failed, done, (unsigned long long)first, first_at, strategy, ms);
        /* The grader reads this one (on the result channel, which the
         * code under test cannot forge): keep its words. */
        harness_note("sched: failed %ld of %ld schedules; first at seed "
                     "0x%016llx strategy %s; replay: %s",
                     failed, done, (unsigned long long)first, strategy, replay);
    } else {
        printf("sched: passed %ld of %ld schedules (%.1f ms a schedule)\n",
               done, done, ms);
        harness_note("sched: passed %ld of %ld schedules%s", done, done,
                     both ? ", half PCT, half a random walk, half of "
                            "each without spurious wake-ups"
                          : "");
    }
    rc = run_one(t);
    printf("sched: replay with: %s\n", replay);
    if (failed && !rc)
        emit(HARNESS_KIND_FAIL, "sched: a schedule failed, but its replay "
                                "passed: something outside the scheduler's "
                                "control (real time? a thread it did not "
                                "create?) decides");
    return failed ? 1 : rc;
}

int harness_main(int argc, char **argv, const struct CMUnitTest *tests,
                 size_t ntests)
{
    take_channel();
    harness_trace_init(); /* before any fork: children share the spans */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getenv(HARNESS_ENV_CHAOS) && atoi(getenv(HARNESS_ENV_CHAOS)))
        harness_chaos_enable(1);

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < ntests; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--run") == 0) {
        for (size_t i = 0; i < ntests; i++)
            if (strcmp(tests[i].name, argv[2]) == 0)
                return harness__sched_runs() > 1
                           ? explore(&tests[i], argv[0], harness__sched_runs())
                           : run_one(&tests[i]);
        fprintf(stderr, "%s: no test named '%s' (try --list)\n", argv[0],
                argv[2]);
        return HARNESS_EXIT_USAGE;
    }
    if (argc == 1)
        return _cmocka_run_group_tests(argv[0], tests, ntests, NULL, NULL);
    fprintf(stderr, "usage: %s [--list | --run TEST]\n", argv[0]);
    return HARNESS_EXIT_USAGE;
}

double harness_param_double(const char *key, double dflt)
{
    char name[128];
    const char *v;

    snprintf(name, sizeof(name), HARNESS_ENV_PARAM_PREFIX "%s", key);
    v = getenv(name);
    return v ? strtod(v, NULL) : dflt;
}

long harness_param_long(const char *key, long dflt)
{
    char name[128];
    const char *v;

    snprintf(name, sizeof(name), HARNESS_ENV_PARAM_PREFIX "%s", key);
    v = getenv(name);
    return v ? strtol(v, NULL, 0) : dflt;
}

const char *harness_tmpdir(void)
{
    const char *d = getenv(HARNESS_ENV_TMPDIR);

    return d && *d ? d : "/tmp";
}
