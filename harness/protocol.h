/* SPDX-License-Identifier: MIT */
/*
 * The protocol between the harness (linked into every test binary) and the
 * grader that runs the binary: environment names, exit codes and the spans
 * file. Both sides include this file, and nothing else spells these. No
 * code: harness__take_channel uses it before any library or sanitizer
 * runtime has started.
 */
#ifndef HARNESS_PROTOCOL_H
#define HARNESS_PROTOCOL_H

/*
 * ---- The environment: the grader sets these, the harness reads them ----
 *
 * Shell cannot include this file: grader/scripts/student-coverage.sh runs
 * test binaries itself and spells HARNESS_TMPDIR, HARNESS_CHAOS and
 * HARNESS_PARAM_ again (one script, three names: generating a shell copy
 * would be a build step for less than it guards). Rename one here, rename
 * it there.
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
/* A prefix: rubric `param.KEY = value` arrives as HARNESS_PARAM_KEY=value
 * (grade.c spec_env), read by harness_param_long and _double. */
#define HARNESS_ENV_PARAM_PREFIX "HARNESS_PARAM_"

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
/* A forked child came back through the test runner, after reporting a
 * failure. */
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
