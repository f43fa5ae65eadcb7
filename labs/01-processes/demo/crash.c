/* SPDX-License-Identifier: MIT */
/*
 * Lab 01 demo: the browser-tab example. A tab that crashes in a THREAD takes
 * the whole browser down; a tab that crashes in a child PROCESS does not.
 *   cc -std=c11 -D_GNU_SOURCE -pthread -o /tmp/crash demo/crash.c
 *   /tmp/crash thread; echo "exit status $?"
 *   /tmp/crash process; echo "exit status $?"
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int bookmarks = 42; /* the browser's own data */

/* A tab with a bug: it writes through a NULL pointer. */
static void *buggy_tab(void *arg)
{
    volatile int *volatile page = NULL;

    (void)arg;
    bookmarks = 0; /* scribbles on the browser's data first */
    *page = 1;     /* SIGSEGV: the kernel kills the whole PROCESS */
    return NULL;
}

static int tab_in_thread(void)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, buggy_tab, NULL);

    if (rc) {
        fprintf(stderr, "pthread_create: %s\n", strerror(rc));
        return 1;
    }
    pthread_join(t, NULL);
    printf("browser: never printed: the tab's crash was ours\n");
    return 0;
}

static int tab_in_process(void)
{
    int status;
    pid_t pid = fork();

    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        buggy_tab(NULL);
        _exit(0);
    }
    if (waitpid(pid, &status, 0) < 0) {
        perror("waitpid");
        return 1;
    }
    if (WIFSIGNALED(status))
        printf("browser: tab %d crashed (%s); still here, bookmarks = %d\n",
               (int)pid, strsignal(WTERMSIG(status)), bookmarks);
    return 0;
}

int main(int argc, char **argv)
{
    printf("browser: bookmarks = %d, opening a tab\n", bookmarks);
    fflush(stdout); /* or a crash loses what the stdio buffer holds */
    if (argc > 1 && strcmp(argv[1], "process") == 0)
        return tab_in_process();
    return tab_in_thread();
}
