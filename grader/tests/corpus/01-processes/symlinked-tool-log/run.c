/* SPDX-License-Identifier: MIT */
/* CORPUS: plants files named like the tool logs in its run folder (its
 * working directory): symlinks to a root-only file and a FIFO. A grader
 * that follows them shows the file in the feedback or hangs on the FIFO. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol.h"
#include "run.h"

int run_command(char *const argv[], struct run_status *st)
{
    static const char *const names[] = {"tsan.1", "vg.1", "asan.1",
                                        HARNESS_TRACE_FILE};

    (void)argv;
    (void)st;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        (void)!symlink("/etc/shadow", names[i]);
    (void)!link("/etc/shadow", "vg.2"); /* protected_hardlinks refuses it */
    (void)!mkfifo("tsan.fifo", 0666);
    (void)!mkfifo("vg.fifo", 0666);
    /* No verdict: the grader shows the end of the tool's log. */
    _exit(3);
    return -ENOSYS;
}
