/* SPDX-License-Identifier: MIT */
/*
 * The protocol between the harness (linked into every test binary) and the
 * grader that runs the binary: environment names, the kinds of result line,
 * exit codes and the spans file. Both sides include this file, and nothing
 * else spells these. No code: harness__take_channel uses it before any
 * library or sanitizer runtime has started.
 */
#ifndef HARNESS_PROTOCOL_H
#define HARNESS_PROTOCOL_H

/*
 * ---- The environment: the grader sets these, the harness reads them ----
 *
 * Shell cannot include this file: grader/scripts/student-coverage.sh
 * builds the values it hands to `grader exec --env`, spelling
 * HARNESS_CHAOS and HARNESS_PARAM_ again (one script, two names:
 * generating a shell copy would be a build step for less than it guards).
 * Rename one here, rename it there.
 */

/* The result pipe's fd, in decimal (grader: run.c job_start). The harness
 * takes it in harness__take_channel, before any constructor, and removes
 * it from the environment. */
#define HARNESS_ENV_RESULT_FD "HARNESS_RESULT_FD"
/* The per-test nonce every result line starts with (run.c make_nonce);
 * taken and wiped like the fd. */
#define HARNESS_ENV_NONCE "HARNESS_NONCE"
/* A writable scratch directory, the test's run folder (run.c supervise):
 * harness_tmpdir(), and where the spans file goes. */
#define HARNESS_ENV_TMPDIR "HARNESS_TMPDIR"
/* "1": chaos mode (rubric `chaos = 1`; grade.c spec_env). */
#define HARNESS_ENV_CHAOS "HARNESS_CHAOS"
/* "1": write the spans file (grader --trace; grade.c trace_env). */
#define HARNESS_ENV_TRACE "HARNESS_TRACE"
/*
 * The controlled scheduler of the sched build (harness/scheduler.c,
 * docs/sched.md). Set by the grader's sched check (HARNESS_SCHED=both and
 * HARNESS_SCHED_RUNS), by `make sched`, or by a replay command.
 *
 * HARNESS_SCHED: the strategy, "pct" (the default) or "random", each with
 *   "-quiet" for a schedule without spurious wake-ups ("pct-quiet"); or,
 *   with HARNESS_SCHED_RUNS, "both": the schedules cycle pct, random,
 *   pct-quiet, random-quiet, and a failure names the strategy of the
 *   schedule that failed.
 * HARNESS_SCHED_SEED: the 64-bit seed (strtoull: 0x... or decimal) of the
 *   schedule; default HARNESS_SCHED_DEFAULT_SEED. Same seed, same binary:
 *   the same schedule.
 * HARNESS_SCHED_RUNS: explore N schedules (seeds SEED, next(SEED), ...),
 *   each in a forked child, then replay the first that failed (or the
 *   first) as the test's verdict. Default 1.
 * HARNESS_SCHED_DEPTH: PCT's bug depth d (d - 1 priority change points),
 *   1..8, default 3.
 * HARNESS_SCHED_HORIZON: PCT's change points fall in steps 1..K, default
 *   2000 (about the length of a test's schedule).
 * HARNESS_SCHED_SPURIOUS: wake a condition waiter spuriously 1 time in N
 *   scheduling steps that have one; 0 never. Default 16.
 * HARNESS_SCHED_STEPS: fail a schedule longer than N steps (a livelock),
 *   default 1000000.
 * HARNESS_SCHED_TRACE: write the schedule's trace to this file ("-":
 *   stderr); its first line is HARNESS_SCHED_TRACE_VERSION.
 * HARNESS_SCHED_TIMELINE: write the same schedule as a timeline to this
 *   file, Chrome trace-event JSON (ui.perfetto.dev opens it): one track a
 *   thread, one slice a step, a step lasting 1 us.
 * HARNESS_SCHED_TRACE_LAST: write only the last N steps to both (0 or
 *   unset: all); the grader's sched check sets it, so a schedule that spins
 *   to HARNESS_SCHED_STEPS leaves files of a few MB, not hundreds.
 * Only the schedule a test replays in its own process writes them, not
 *   the schedules explored in children (HARNESS_SCHED_RUNS).
 */
#define HARNESS_ENV_SCHED "HARNESS_SCHED"
#define HARNESS_ENV_SCHED_SEED "HARNESS_SCHED_SEED"
#define HARNESS_ENV_SCHED_RUNS "HARNESS_SCHED_RUNS"
#define HARNESS_ENV_SCHED_DEPTH "HARNESS_SCHED_DEPTH"
#define HARNESS_ENV_SCHED_HORIZON "HARNESS_SCHED_HORIZON"
#define HARNESS_ENV_SCHED_SPURIOUS "HARNESS_SCHED_SPURIOUS"
#define HARNESS_ENV_SCHED_STEPS "HARNESS_SCHED_STEPS"
#define HARNESS_ENV_SCHED_TRACE "HARNESS_SCHED_TRACE"
#define HARNESS_ENV_SCHED_TIMELINE "HARNESS_SCHED_TIMELINE"
#define HARNESS_ENV_SCHED_TRACE_LAST "HARNESS_SCHED_TRACE_LAST"
#define HARNESS_SCHED_BOTH "both"
#define HARNESS_SCHED_DEFAULT_SEED 0x5eed5eed5eed5eedull
#define HARNESS_SCHED_TRACE_VERSION "harness-sched-trace 1"
/* A prefix: rubric `param.KEY = value` arrives as HARNESS_PARAM_KEY=value
 * (grade.c spec_env), read by harness_param_long and _double. */
#define HARNESS_ENV_PARAM_PREFIX "HARNESS_PARAM_"

/*
 * ---- Result lines ----
 *
 * The harness (main.c emit) writes "<nonce> <word> <text>\n" on the result
 * pipe, one write() a line; the grader (run.c parse_lines) ignores lines
 * without the nonce and maps the word back to its kind. Verdicts are
 * decided by kind alone: the text is English for the student's report,
 * never matched.
 */
enum harness_kind {
    /* text: the test's name; it is about to run */
    HARNESS_KIND_START,
    /* text: the test's name; it reached its end with no failure */
    HARNESS_KIND_PASS,
    /* An assertion failed. Its words (cmocka's, or harness_fail's
     * "file:line: ...") are in the test's output; the text points there. */
    HARNESS_KIND_FAIL,
    /* A timing check found the code too slow (harness_fail_slow). The words
     * are in the output, as for FAIL; a speedup check reports "slow". */
    HARNESS_KIND_SLOW,
    /* A forked child returned into the test runner (then it exits with
     * HARNESS_EXIT_FORKED); the text says so. */
    HARNESS_KIND_FORKED,
    /* The test called exit() before its end; the text says so. */
    HARNESS_KIND_EXIT,
    /* harness_skip and harness_inconclusive: the text is the reason. */
    HARNESS_KIND_SKIP,
    HARNESS_KIND_INCONCLUSIVE,
    /* harness_note: a line for the report, no verdict. */
    HARNESS_KIND_NOTE,
    /* harness_symptom and harness_fail_symptom: evidence of what went
     * wrong, from any thread, no verdict by itself. The text is
     * "<symptom> <message>": a symptom word (below), one space, and the
     * English for the report. The grader keeps the last (a worker's
     * early report, then the main thread's verdict after the join), shows
     * its message even when the test then hangs or crashes, and picks
     * the rubric's `hint.<symptom>` for the failure. */
    HARNESS_KIND_SYMPTOM,
    HARNESS_KIND_COUNT
};

/* The word each kind travels as: `static const char *const
 * words[HARNESS_KIND_COUNT] = {HARNESS_KIND_WORDS};` on either side. */
#define HARNESS_KIND_WORDS                                                     \
    [HARNESS_KIND_START] = "start", [HARNESS_KIND_PASS] = "pass",              \
    [HARNESS_KIND_FAIL] = "fail", [HARNESS_KIND_SLOW] = "slow",                \
    [HARNESS_KIND_FORKED] = "forked", [HARNESS_KIND_EXIT] = "exit",            \
    [HARNESS_KIND_SKIP] = "skip",                                              \
    [HARNESS_KIND_INCONCLUSIVE] = "inconclusive",                              \
    [HARNESS_KIND_NOTE] = "note", [HARNESS_KIND_SYMPTOM] = "symptom"

/*
 * A symptom word: what a test saw, named for the rubric (`hint.<word>`)
 * and the mutants (`symptom = <word>`): lower-case letters, digits and
 * '-', starting with a letter, at most HARNESS_SYMPTOM_MAX characters
 * ("overlap", "wrapped", "lost-item"). The grader names its own in the
 * same syntax (docs/writing-a-lab.md lists them): a timeout's likely
 * cause ("deadlock", "lost-wakeup", ...) and each outcome ("timeout",
 * "race", "leak", ...). A test's word that breaks the syntax is dropped.
 */
#define HARNESS_SYMPTOM_MAX 31
#define HARNESS_SYMPTOM_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"

/*
 * ---- Exit codes ----
 *
 * Those of a test binary that mean something to the grader (grade.c judge
 * explains them when no verdict line came).
 */

/* Bad arguments, or `--run NAME` with no such test. */
#define HARNESS_EXIT_USAGE 2
/* A checked wrapper (xfork, xpthread_create, ...) failed; it printed
 * "file:line: call: reason" on stderr. */
#define HARNESS_EXIT_WRAPPER 70
/* A forked child came back through the test runner, after reporting
 * HARNESS_KIND_FORKED. */
#define HARNESS_EXIT_FORKED 71

/*
 * ---- The spans file ----
 *
 * harness/trace.c writes it into HARNESS_ENV_TMPDIR when HARNESS_ENV_TRACE
 * is "1"; grader/src/trace.c reads it. Its first line is the version; the
 * line format is in docs/architecture.md ("Feedback and timelines"). Change
 * the format, change the version.
 */
#define HARNESS_TRACE_FILE "trace.spans"
#define HARNESS_TRACE_VERSION "harness-trace 1"

#endif /* HARNESS_PROTOCOL_H */
