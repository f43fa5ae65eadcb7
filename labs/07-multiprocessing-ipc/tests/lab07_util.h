/* SPDX-License-Identifier: MIT */
/*
 * Lab 07 test helpers (lab-local, header only): byte patterns that depend on
 * a message's sequence number, and waiting for a child's verdict.
 */
#ifndef LAB07_UTIL_H
#define LAB07_UTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include "harness.h"

/* The byte at position i of message seq: any misplaced byte shows. */
static inline unsigned char lab07_byte(uint64_t seq, size_t i)
{
    uint64_t x = seq * 0x9E3779B97F4A7C15u + i * 0xBF58476D1CE4E5B9u;

    return (unsigned char)(x >> 56);
}

static inline void lab07_fill(void *buf, size_t len, uint64_t seq)
{
    for (size_t i = 0; i < len; i++)
        ((unsigned char *)buf)[i] = lab07_byte(seq, i);
}

/* Index of the first wrong byte, or len when all are right. */
static inline size_t lab07_check(const void *buf, size_t len, uint64_t seq)
{
    for (size_t i = 0; i < len; i++)
        if (((const unsigned char *)buf)[i] != lab07_byte(seq, i))
            return i;
    return len;
}

/* A length between 1 and max that varies with seq. */
static inline size_t lab07_len(uint64_t seq, size_t max)
{
    return 1 + (size_t)((seq * 2654435761u) >> 7) % max;
}

/* Reap child pid and return its exit code, or 128 + signal. */
static inline int lab07_wait_child(pid_t pid)
{
    int st;

    xwaitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline void lab07_ignore_sigpipe(void)
{
    signal(SIGPIPE, SIG_IGN);
}

#endif /* LAB07_UTIL_H */
