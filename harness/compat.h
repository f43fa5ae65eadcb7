/* SPDX-License-Identifier: MIT */
/*
 * C library calls newer than the systems the labs are graded on:
 * pidfd_open and pidfd_send_signal (glibc 2.36; Gradescope's default image,
 * Ubuntu 22.04, has 2.35), close_range (glibc 2.34) and sigabbrev_np
 * (glibc 2.32; Debian 11 and Ubuntu 20.04 have 2.31). Include it instead
 * of <sys/pidfd.h>: where the C library has the call, this is the C
 * library's; where it does not, the same call, made with syscall(2) (-1
 * and errno; ENOSYS on a kernel without it) or, for sigabbrev_np, a table.
 * Also the SYS_ numbers of those calls, and of epoll_pwait2 (Linux 5.11),
 * which older C library headers lack: what harness_fail_syscall needs.
 */
#ifndef COMPAT_H
#define COMPAT_H

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* Linux numbers these alike on every architecture but alpha (5.1 on). */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

#if defined(__has_include) && __has_include(<sys/pidfd.h>)
#include <sys/pidfd.h>
#else
static inline int pidfd_open(pid_t pid, unsigned int flags)
{
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

static inline int pidfd_send_signal(int pidfd, int sig, siginfo_t *info,
                                    unsigned int flags)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}
#endif

#if defined(__GLIBC__) && !__GLIBC_PREREQ(2, 34)
static inline int close_range(unsigned int first, unsigned int last, int flags)
{
    return (int)syscall(SYS_close_range, first, last, flags);
}
#endif

#if defined(__GLIBC__) && !__GLIBC_PREREQ(2, 32)
static inline const char *sigabbrev_np(int sig)
{
    static const char *const names[] = {
        [SIGHUP] = "HUP",       [SIGINT] = "INT",   [SIGQUIT] = "QUIT",
        [SIGILL] = "ILL",       [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",
        [SIGBUS] = "BUS",       [SIGFPE] = "FPE",   [SIGKILL] = "KILL",
        [SIGUSR1] = "USR1",     [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
        [SIGPIPE] = "PIPE",     [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
        [SIGCHLD] = "CHLD",     [SIGCONT] = "CONT", [SIGSTOP] = "STOP",
        [SIGTSTP] = "TSTP",     [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",
        [SIGURG] = "URG",       [SIGXCPU] = "XCPU", [SIGXFSZ] = "XFSZ",
        [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
        [SIGIO] = "IO",         [SIGPWR] = "PWR",   [SIGSYS] = "SYS",
    };

    if (sig <= 0 || sig >= (int)(sizeof(names) / sizeof(names[0])))
        return NULL;
    return names[sig];
}
#endif

#endif /* COMPAT_H */
