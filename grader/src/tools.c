/* SPDX-License-Identifier: MIT */
/*
 * Running under ThreadSanitizer, AddressSanitizer+UBSan and Valgrind
 * (Helgrind, DRD, Memcheck): their command lines, environments and log
 * files, and whether they run here. Reading their reports is findings.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools.h"
#include "util.h"

static char **vec(int n, ...)
{
    char **v = gr_alloc(sizeof(char *) * (size_t)(n + 1));
    va_list ap;

    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v[i] = gr_strdup(va_arg(ap, const char *));
    va_end(ap);
    return v;
}

/*
 * --vgdb-prefix: Valgrind's gdbserver (on by default) makes FIFOs and a
 * shared-memory file named by pid, in /tmp unless told otherwise, and
 * leaves them when it is killed (a timeout). A later test of another uid
 * that got the same pid could not replace them, and Valgrind exited 1
 * before the test started ("cannot create shared_mem file ... Permission
 * denied"). In the test's own run folder they cannot collide, and at a
 * timeout the supervisor reads every thread's stack through them (gdb
 * attached to the process itself would see Valgrind's stack, not the
 * test's): run.c, take_backtrace.
 */
char **tool_argv(enum check_kind k, const char *bin, const char *test,
                 const char *logdir)
{
    char *log = gr_printf("--log-file=%s/%s.%%p", logdir, tool_log_prefix(k));
    char *vgdb = gr_printf("--vgdb-prefix=%s/" VGDB_PREFIX, logdir);
    char **v;

    switch (k) {
    case CHK_HELGRIND:
        v = vec(10, "valgrind", "--tool=helgrind", vgdb, "--error-exitcode=99",
                "--num-callers=16", "--trace-children=no", log, bin, "--run",
                test);
        break;
    case CHK_DRD:
        v = vec(10, "valgrind", "--tool=drd", vgdb, "--error-exitcode=99",
                "--num-callers=16", "--trace-children=no", log, bin, "--run",
                test);
        break;
    case CHK_MEMCHECK:
        v = vec(13, "valgrind", "--tool=memcheck", vgdb, "--error-exitcode=99",
                "--leak-check=full", "--errors-for-leak-kinds=definite",
                "--show-leak-kinds=definite", "--track-fds=yes",
                "--num-callers=16", log, bin, "--run", test);
        break;
    default:
        v = vec(3, bin, "--run", test);
    }
    free(log);
    free(vgdb);
    return v;
}

char **tool_env(enum check_kind k, const char *logdir)
{
    switch (k) {
    case CHK_TSAN: {
        char *o = gr_printf("TSAN_OPTIONS=log_path=%s/%s exitcode=66 "
                            "halt_on_error=0 second_deadlock_stack=1 "
                            "report_signal_unsafe=0",
                            logdir, tool_log_prefix(k));
        char **v = vec(1, o);

        free(o);
        return v;
    }
    case CHK_ASAN: {
        char *a = gr_printf("ASAN_OPTIONS=log_path=%s/%s:exitcode=67:"
                            "detect_leaks=1",
                            logdir, tool_log_prefix(k));
        char *u = gr_printf("UBSAN_OPTIONS=log_path=%s/%s:print_stacktrace="
                            "1:halt_on_error=1",
                            logdir, tool_log_prefix(k));
        char **v = vec(2, a, u);

        free(a);
        free(u);
        return v;
    }
    default:
        return vec(0);
    }
}

const char *tool_log_prefix(enum check_kind k)
{
    return k == CHK_TSAN ? "tsan" : k == CHK_ASAN ? "asan" : "vg";
}

int check_is_valgrind(enum check_kind k)
{
    return k == CHK_HELGRIND || k == CHK_DRD || k == CHK_MEMCHECK;
}

const char *tool_missing(enum check_kind k)
{
    if (check_is_valgrind(k)) {
        if (system("valgrind --version >/dev/null 2>&1") != 0)
            return "valgrind is not installed: run `make deps`";
    }
    return NULL;
}

static int tsan_probe_setarch(const char *bin, char *arch, size_t size)
{
    FILE *p = popen("uname -m", "r");
    int ok = 0;

    if (p && fgets(arch, (int)size, p)) {
        char *fix;

        trim(arch); /* the newline: uname prints no leading blank */
        fix = gr_printf("setarch %s -R '%s' >/dev/null 2>&1", arch, bin);
        ok = system(fix) == 0;
        free(fix);
    }
    if (p)
        pclose(p);
    return ok;
}

enum tsan_probe_result tsan_probe(const char *dir, const char **arch)
{
    static int probed;
    static enum tsan_probe_result result;
    static char machine[64];
    char *src, *bin, *logpath, *cmd, *log;

    *arch = machine;
    if (probed)
        return result;
    probed = 1;
    src = gr_printf("%s/tsan-probe.c", dir);
    bin = gr_printf("%s/tsan-probe", dir);
    logpath = gr_printf("%s/tsan-probe.log", dir);
    mkdir_p(dir);
    write_file(src, "#include <pthread.h>\nstatic void *f(void *a){return "
                    "a;}\nint main(void){pthread_t t;pthread_create(&t,0,f,0);"
                    "return pthread_join(t,0);}\n");
    cmd = gr_printf("cc -fsanitize=thread -pthread -o '%s' '%s' 2>'%s' && "
                    "'%s' >>'%s' 2>&1",
                    bin, src, logpath, bin, logpath);
    result = TSAN_RUNS;
    if (system(cmd) != 0) {
        log = read_run_file(logpath, 1 << 16, NULL, geteuid());
        if (!log || !strstr(log, "unexpected memory mapping"))
            result = TSAN_BROKEN;
        else if (tsan_probe_setarch(bin, machine, sizeof(machine)))
            result = TSAN_NEEDS_SETARCH;
        else
            result = TSAN_NEEDS_LAYOUT;
        free(log);
    }
    free(cmd);
    free(src);
    free(bin);
    free(logpath);
    return result;
}
