/* SPDX-License-Identifier: MIT */
/*
 * Lab 06's echo server (the reference loop.c and echo.c) as a process for
 * echo_load: it serves the listening socket it inherits as fd 3 until it is
 * killed. Usage: echo_lab06 (run by echo_load, not by hand).
 */
#include <signal.h>

#include "bench.h"
#include "echo.h"

int main(void)
{
    struct echo_server *srv;
    struct loop *loop;
    int rc;

    signal(SIGPIPE, SIG_IGN); /* echo.c sends with MSG_NOSIGNAL; belt */
    rc = loop_create(&loop);
    if (rc < 0)
        bench_die("loop_create: %s", strerror(-rc));
    rc = echo_server_start(loop, 3, &srv);
    if (rc < 0)
        bench_die("echo_server_start: %s", strerror(-rc));
    rc = loop_run(loop); /* until SIGTERM */
    bench_die("loop_run returned %d", rc);
}
