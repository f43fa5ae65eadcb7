/* SPDX-License-Identifier: MIT */
/*
 * Counting what a test may leak: open fds, threads, children and zombies,
 * read from /proc so that the code under test needs no cooperation.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

int harness_count_fds(void)
{
    return count_dir("/proc/self/fd") - 1; /* less the one opendir holds */
}

int harness_count_threads(void)
{
    return count_dir("/proc/self/task");
}

int harness_count_threads_settled(int expected)
{
    struct timespec ms = {0, 1000000};
    int n = harness_count_threads();

    for (int i = 0; i < 2000 && n > expected; i++) {
        nanosleep(&ms, NULL);
        n = harness_count_threads();
    }
    return n;
}

/*
 * Walk /proc for processes whose parent is us; `state` is the one-letter
 * state of /proc/PID/stat ('Z' for a zombie), 0 to count every child.
 */
static int count_children_in_state(char state)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t self = getpid();
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d))) {
        char path[300], buf[512], st;
        const char *rp;
        int ppid;
        FILE *f;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(buf, sizeof(buf), f)) {
            fclose(f);
            continue;
        }
        fclose(f);
        rp = strrchr(buf, ')'); /* the command name may hold spaces */
        if (!rp || sscanf(rp + 1, " %c %d", &st, &ppid) != 2)
            continue;
        if (ppid == self && (!state || st == state))
            n++;
    }
    closedir(d);
    return n;
}

int harness_count_children(void)
{
    return count_children_in_state(0);
}

int harness_count_zombies(void)
{
    return count_children_in_state('Z');
}

struct harness_snapshot harness_snapshot(void)
{
    struct harness_snapshot s = {harness_count_fds(), harness_count_children()};
    return s;
}

void harness__assert_no_leaks(const char *file, int line,
                              struct harness_snapshot snap)
{
    int fds = harness_count_fds();
    int zombies = harness_count_zombies();
    int children = harness_count_children();

    /*
     * A child the call did not reap may still be on its way out (a failed
     * exec's child _exits just after the parent returned): give it up to
     * 100 ms to become the zombie it is about to be, so the verdict does
     * not depend on the timing. Only a failing test ever waits here.
     */
    for (int i = 0; i < 20 && children > snap.children &&
                    zombies < children - snap.children;
         i++) {
        struct timespec ts = {0, 5000000};

        nanosleep(&ts, NULL);
        zombies = harness_count_zombies();
        children = harness_count_children();
    }
    /* Symptom words for the rubric's keyed hints (docs/writing-a-lab.md). */
    if (zombies > 0)
        harness__fail_symptom(file, line, "zombie",
                              "%d zombie process(es) left behind: every "
                              "child must be reaped with waitpid()",
                              zombies);
    if (children > snap.children)
        harness__fail_symptom(file, line, "child-left",
                              "%d child process(es) still running after the "
                              "call returned (%d before, %d after)",
                              children - snap.children, snap.children,
                              children);
    if (fds > snap.fds)
        harness__fail_symptom(file, line, "fd-leak",
                              "%d file descriptor(s) leaked (%d open before, "
                              "%d after): close every fd you open, in every "
                              "path",
                              fds - snap.fds, snap.fds, fds);
}
