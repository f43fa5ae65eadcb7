/* SPDX-License-Identifier: MIT */
/* The tools behind each check: how to run a test under them, where they
 * write their logs, and whether they run here. Their reports: findings.h. */
#ifndef GRADER_TOOLS_H
#define GRADER_TOOLS_H

#include "rubric.h"

/* Valgrind's gdbserver files, in a test's run folder: logdir/VGDB_PREFIX-*.
 * Not "vg...": those are the logs findings.c reads (and refuses a FIFO). */
#define VGDB_PREFIX "gdbserver"

/* argv to run `test` of `bin` under check k, logs going to logdir. */
char **tool_argv(enum check_kind k, const char *bin, const char *test,
                 const char *logdir);
/* Whether check k runs the test under Valgrind (a process gdb cannot read). */
int check_is_valgrind(enum check_kind k);
/* The tool's environment entries ("KEY=value"), NULL-terminated. */
char **tool_env(enum check_kind k, const char *logdir);
/* What the names of the tool's logs in logdir begin with ("tsan", "asan",
 * "vg"): tool_argv and tool_env name them, findings.c reads them. */
const char *tool_log_prefix(enum check_kind k);

/* Which tools exist here; NULL when fine, else what to do. */
const char *tool_missing(enum check_kind k);

/*
 * tsan_probe - whether ThreadSanitizer runs on this machine: builds and
 * runs a tiny threaded program in dir (tsan-probe.c, tsan-probe, its log
 * tsan-probe.log), once per process. TSan maps its shadow memory at fixed
 * addresses; on kernels with vm.mmap_rnd_bits above 28-30 it dies with
 * "unexpected memory mapping", and `setarch ARCH -R` (no address
 * randomization) may cure that: then *arch gets ARCH.
 */
enum tsan_probe_result {
    TSAN_RUNS,          /* as it is */
    TSAN_NEEDS_SETARCH, /* under `setarch *arch -R` */
    TSAN_NEEDS_LAYOUT,  /* only with a fixed memory layout; setarch fails */
    TSAN_BROKEN,        /* does not build or run: the log says why */
};
enum tsan_probe_result tsan_probe(const char *dir, const char **arch);

#endif
