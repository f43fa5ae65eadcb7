/* SPDX-License-Identifier: MIT */
/* Lab 07, task 3: a shared-memory ring between processes keeps every byte
 * of a million messages, blocks without spinning, leaves nothing in
 * /dev/shm, and beats a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "ring.h"
#include "lab07_util.h"

/* A fresh shm name per ring: /lab07-PID-N. */
static const char *ring_name(void)
{
    static char name[64];
    static int n;

    snprintf(name, sizeof(name), "/lab07-%d-%d", (int)getpid(), n++);
    return name;
}

static int shm_exists(const char *name)
{
    int fd = shm_open(name, O_RDONLY, 0);

    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

static struct ring *create(const char *name, size_t cap)
{
    struct ring *r = NULL;
    int rc = ring_create(name, cap, &r);

    if (rc != 0 || !r)
        harness_fail("ring_create(\"%s\", %zu) returned %d (%s), expected 0",
                     name, cap, rc, strerror(-rc));
    return r;
}

/* How many lines of /proc/self/maps map the shared-memory object name. */
static int maps_of(const char *name)
{
    char line[512], path[80];
    FILE *f = fopen("/proc/self/maps", "r");
    int n = 0;

    if (!f)
        harness_fail("cannot read /proc/self/maps");
    snprintf(path, sizeof(path), "/dev/shm%s", name);
    while (fgets(line, sizeof(line), f))
        if (strstr(line, path))
            n++;
    fclose(f);
    return n;
}

/* ring_destroy removes the name; nothing is left in /dev/shm. */
static void destroy(struct ring *r, const char *name)
{
    char copy[NAME_MAX + 1];

    snprintf(copy, sizeof(copy), "%s", name);
    ring_destroy(r);
    if (shm_exists(copy)) {
        shm_unlink(copy); /* clean up after the failed test */
        harness_fail_symptom("shm-left",
                             "after ring_destroy, %s still exists in "
                             "/dev/shm: a shared-memory object lives until "
                             "it is unlinked (shm_unlink), even after every "
                             "process unmapped it",
                             copy);
    }
    if (maps_of(copy) != 0)
        harness_fail("after ring_destroy, %s is still mapped in this "
                     "process: ring_destroy unmaps the ring (munmap)",
                     copy);
}

static void test_ring_create_destroy_leaves_nothing(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    const char *name = ring_name();
    struct ring *r, *r2 = NULL;
    char saved[64];

    (void)state;
    snprintf(saved, sizeof(saved), "%s", name);
    r = create(saved, 4096);
    if (!shm_exists(saved) || ring_create(saved, 4096, &r2) != -EEXIST)
        harness_fail("a second ring_create of %s while the first is alive: "
                     "expected -EEXIST (O_EXCL)",
                     saved);
    destroy(r, saved);
    for (int i = 0; i < 20; i++) { /* fds and mappings do not pile up */
        name = ring_name();
        snprintf(saved, sizeof(saved), "%s", name);
        destroy(create(saved, 1 << 16), saved);
    }
    harness_assert_no_leaks(snap);
}

/* This process's address space, in bytes (VmSize). */
static rlim_t vm_bytes(void)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (!f || fscanf(f, "%lu", &pages) != 1)
        harness_fail("cannot read /proc/self/statm");
    fclose(f);
    return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
}

/*
 * ring_create(cap) with one resource limit of this process lowered to lim,
 * so that one of its calls fails: it must return that call's errno (want)
 * and leave no object, fd or mapping behind; the name is then free.
 */
static void expect_create_fails(const char *call, int resource, rlim_t lim,
                                size_t cap, int want)
{
    struct harness_snapshot snap = harness_snapshot();
    struct rlimit old, rl;
    struct ring *r = NULL;
    char name[64];
    int rc;

    snprintf(name, sizeof(name), "%s", ring_name());
    if (getrlimit(resource, &old) < 0)
        harness_fail("getrlimit failed");
    rl = old;
    rl.rlim_cur = lim < old.rlim_cur ? lim : old.rlim_cur;
    if (setrlimit(resource, &rl) < 0)
        harness_fail("setrlimit to %llu failed", (unsigned long long)lim);
    rc = ring_create(name, cap, &r);
    if (setrlimit(resource, &old) < 0)
        harness_fail("restoring a resource limit failed");
    if (rc == 0)
        ring_destroy(r);
    if (rc != want) {
        shm_unlink(name);
        harness_fail("ring_create(%zu bytes) where %s fails returned %d "
                     "(%s): expected %d (%s), the negative errno of the "
                     "failing call",
                     cap, call, rc, rc < 0 ? strerror(-rc) : "-", want,
                     strerror(-want));
    }
    if (shm_exists(name)) {
        shm_unlink(name);
        harness_fail("ring_create returned %d when %s failed, but left %s "
                     "in /dev/shm: a failing create must shm_unlink what it "
                     "created",
                     rc, call, name);
    }
    if (maps_of(name) != 0)
        harness_fail("ring_create returned %d when %s failed, but left %s "
                     "mapped: munmap it on that path",
                     rc, call, name);
    harness_assert_no_leaks(snap);
    destroy(create(name, 4096), name); /* and the name is free again */
}

/*
 * Each of ring_create's calls made to fail in turn by a resource limit:
 * shm_open (no fd left: RLIMIT_NOFILE 0), ftruncate (RLIMIT_FSIZE under
 * the size, SIGXFSZ ignored) and mmap (RLIMIT_AS under the mapping).
 */
static void test_ring_create_failure_leaves_nothing(void **state)
{
    void (*old_xfsz)(int);

    (void)state;
    expect_create_fails("shm_open (RLIMIT_NOFILE 0)", RLIMIT_NOFILE, 0, 4096,
                        -EMFILE);
    old_xfsz = signal(SIGXFSZ, SIG_IGN);
    expect_create_fails("ftruncate (RLIMIT_FSIZE 4096)", RLIMIT_FSIZE, 4096,
                        (size_t)1 << 20, -EFBIG);
    /* 128 MiB: under the grader's own RLIMIT_FSIZE (256 MiB), so that
     * ftruncate works and mmap is the call that fails. */
    expect_create_fails("mmap (RLIMIT_AS 16 MiB above the process's size)",
                        RLIMIT_AS, vm_bytes() + ((rlim_t)16 << 20),
                        (size_t)128 << 20, -ENOMEM);
    signal(SIGXFSZ, old_xfsz);
}

static void test_ring_bad_arguments(void **state)
{
    struct ring *r = NULL;
    char name[64], got[8], long_name[NAME_MAX + 1];
    size_t len = 99;
    int left;

    (void)state;
    snprintf(name, sizeof(name), "%s", ring_name());
    EXPECT_RC(ring_create(NULL, 4096, &r), -EINVAL);
    EXPECT_RC(ring_create(name, 4096, NULL), -EINVAL);
    EXPECT_RC(ring_create(name, 10, &r), -EINVAL);
    EXPECT_RC(ring_create(name, (size_t)2 << 30, &r), -EINVAL);
    left = shm_exists(name);
    if (left) {
        shm_unlink(name);
        harness_fail("a rejected ring_create left %s in /dev/shm: check the "
                     "arguments before creating anything",
                     name);
    }
    /* On a ring holding one message, so that no call can wait: the
     * refused calls take nothing, and an empty message is no error. */
    r = create(name, 4096);
    EXPECT_RC(ring_send(r, "abc", 3), 0);
    EXPECT_RC(ring_send(r, NULL, 4), -EINVAL);
    EXPECT_RC(ring_recv(r, got, sizeof(got), NULL), -EINVAL);
    EXPECT_RC(ring_recv(r, NULL, sizeof(got), &len), -EINVAL);
    EXPECT_RC(ring_recv(r, got, sizeof(got), &len), 1);
    if (len != 3 || memcmp(got, "abc", 3) != 0)
        harness_fail("after the refused calls ring_recv gave %zu bytes, "
                     "expected the 3 of \"abc\" that were sent",
                     len);
    EXPECT_RC(ring_send(r, NULL, 0), 0);
    EXPECT_RC(ring_recv(r, NULL, 0, &len), 1);
    EXPECT_RC(len, 0);
    destroy(r, name);
    destroy(create(name, 64), name); /* the smallest capacity is a ring */
    /* A name as long as a file name may be: "/" and NAME_MAX - 1 more. */
    memset(long_name, 'x', NAME_MAX);
    long_name[NAME_MAX] = '\0';
    memcpy(long_name, name, strlen(name));
    destroy(create(long_name, 4096), long_name);
    ring_destroy(NULL);
    ring_detach(NULL);
}

/* The thread that reads for test_ring_largest_message. */
struct largest {
    struct ring *r;
    size_t max;    /* the largest message an empty ring takes */
    int rc[3];     /* ring_recv's results: the small message, the big one, */
    size_t len[2]; /* and the end; their lengths */
    size_t bad;    /* the first wrong byte of the big one (max if none) */
};

static void *largest_reader_main(void *arg)
{
    struct largest *l = arg;
    char *buf = xmalloc(l->max), small[8];

    harness_io_wait_ms(20); /* a slow reader: the writer goes to sleep */
    l->rc[0] = ring_recv(l->r, small, sizeof(small), &l->len[0]);
    l->rc[1] = ring_recv(l->r, buf, l->max, &l->len[1]); /* cap == its size */
    l->bad = lab07_check(buf, l->max, 77);
    l->rc[2] = ring_recv(l->r, small, sizeof(small), &l->len[0]);
    free(buf);
    return NULL;
}

/*
 * The largest message a ring takes (found on the empty ring: the header
 * leaves the bookkeeping per message to ring.c) is sent while a small one
 * is still in it: the writer waits, the reader takes the small one and
 * then the big one into a buffer of exactly its size. A message that fits
 * the empty ring must go through: the writer is woken, and finds the room,
 * when the reader has emptied the ring, with no more to read. Three rounds.
 */
static void test_ring_largest_message(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        char name[64], *big;
        struct largest l = {NULL, 0, {9, 9, 9}, {0, 0}, 0};
        size_t lo = 0, hi = 4096, got;
        pthread_t t;
        int rc;

        snprintf(name, sizeof(name), "%s", ring_name());
        l.r = create(name, 4096);
        big = xmalloc(hi);
        while (lo < hi) { /* the largest len ring_send takes when empty */
            size_t mid = lo + (hi - lo + 1) / 2;

            rc = ring_send(l.r, big, mid);
            if (rc == 0)
                lo = mid;
            else if (rc == -EMSGSIZE)
                hi = mid - 1;
            else
                harness_fail("ring_send of %zu bytes into an empty 4096-byte "
                             "ring returned %d, expected 0 or -EMSGSIZE",
                             mid, rc);
            if (rc == 0 && ring_recv(l.r, big, 4096, &got) != 1)
                harness_fail("ring_recv of the message just sent failed");
        }
        if (lo < 4096 / 2)
            harness_fail("a 4096-byte ring takes no message over %zu bytes: "
                         "-EMSGSIZE is for messages that could never fit",
                         lo);
        l.max = lo;
        lab07_fill(big, l.max, 77);
        xpthread_create(&t, NULL, largest_reader_main, &l);
        EXPECT_RC(ring_send(l.r, "s", 1), 0);
        rc = ring_send(l.r, big, l.max);
        ring_close(l.r);
        xpthread_join(t, NULL);
        free(big);
        destroy(l.r, name);
        if (rc != 0)
            harness_fail("ring_send of the largest message (%zu bytes) "
                         "behind a small one returned %d (%s), expected 0: "
                         "once the reader has taken the small one, it fits",
                         l.max, rc, strerror(-rc));
        if (l.rc[0] != 1 || l.rc[1] != 1 || l.len[1] != l.max ||
            l.bad != l.max || l.rc[2] != 0)
            harness_fail("the reader got %d, then %d with %zu bytes (first "
                         "wrong byte %zu), then %d: expected 1, 1 with the "
                         "%zu bytes sent (into a buffer of just that size), "
                         "then 0",
                         l.rc[0], l.rc[1], l.len[1], l.bad, l.rc[2], l.max);
    }
}

/* In one process: FIFO order, wrap-around, too-small buffers, close. */
static void test_ring_fifo_in_one_process(void **state)
{
    const char *name = ring_name();
    char saved[64], buf[300];
    struct ring *r;
    size_t len = 0;
    int rc;

    (void)state;
    snprintf(saved, sizeof(saved), "%s", name);
    r = create(saved, 256);
    for (uint64_t seq = 0; seq < 2000; seq++) { /* wraps many times */
        size_t n = lab07_len(seq, 100) - 1, m = lab07_len(seq + 1, 100) - 1;
        char msg[100];

        lab07_fill(msg, n, seq);
        assert_int_equal(ring_send(r, msg, n), 0);
        lab07_fill(msg, m, seq + 1);
        assert_int_equal(ring_send(r, msg, m), 0);
        for (int k = 0; k < 2; k++) {
            size_t want = k ? m : n;

            rc = ring_recv(r, buf, sizeof(buf), &len);
            if (rc != 1 || len != want ||
                lab07_check(buf, len, seq + (uint64_t)k) != len)
                harness_fail("message %llu (%zu bytes): ring_recv returned "
                             "%d with %zu bytes%s",
                             (unsigned long long)(seq + (uint64_t)k), want, rc,
                             len,
                             rc == 1 && len == want
                                 ? ", damaged: does a copy that crosses the "
                                   "end of the buffer wrap to its start?"
                                 : "");
        }
    }
    assert_int_equal(ring_send(r, buf, 300), -EMSGSIZE);
    assert_int_equal(ring_send(r, buf, 50), 0);
    rc = ring_recv(r, buf, 10, &len);
    if (rc != -EMSGSIZE || len != 50)
        harness_fail("a 50-byte message into a 10-byte buffer: expected "
                     "-EMSGSIZE and len 50, got %d and %zu",
                     rc, len);
    ring_close(r);
    rc = ring_recv(r, buf, sizeof(buf), &len);
    if (rc != 1 || len != 50)
        harness_fail("after -EMSGSIZE the message stays, and a closed ring "
                     "still delivers what it holds: expected 1 and 50 "
                     "bytes, got %d and %zu",
                     rc, len);
    assert_int_equal(ring_recv(r, buf, sizeof(buf), &len), 0);
    assert_int_equal(ring_send(r, buf, 1), -EPIPE);
    destroy(r, saved);
}

/*
 * The child writes n messages of varying size and closes the ring; with a
 * `sent` count shared with the parent, it may stop early once `until`
 * (harness_now_ns) has passed and at least `least` are sent, and says in
 * *sent how many it wrote. A million messages take a quarter of a second
 * on a quiet machine, where each side runs on a CPU of its own; on a busy
 * one, where every wake-up waits for a CPU, they took longer than the
 * timeout: there, fewer are checked, never fewer than `least`.
 */
static void write_stream_until(struct ring *r, uint64_t n, size_t max,
                               volatile uint64_t *sent, uint64_t until,
                               uint64_t least)
{
    char *msg = malloc(max);
    uint64_t seq;

    if (!msg)
        _exit(2);
    for (seq = 0; seq < n; seq++) {
        size_t len = lab07_len(seq, max);

        if (sent && seq >= least && (seq & 1023) == 0 &&
            harness_now_ns() >= until)
            break;
        lab07_fill(msg, len, seq);
        if (ring_send(r, msg, len) != 0)
            _exit(1);
    }
    if (sent)
        *sent = seq; /* before the close that ends the reader's loop */
    ring_close(r);
    free(msg);
    ring_detach(r);
    _exit(0);
}

/*
 * A million messages from a child to the parent through a small ring, so
 * it fills and empties all the time. Each one is checked byte by byte: a
 * race between the processes (which ThreadSanitizer cannot see) shows up
 * as a damaged, lost or repeated message.
 */
/* As stream_and_check, for at most `seconds` once `least` have gone. */
static void stream_and_check_for(uint64_t n, size_t cap, double seconds,
                                 uint64_t least)
{
    uint64_t seq = 0, damaged = 0, first_bad = 0;
    const char *name = ring_name();
    char saved[64], buf[256];
    volatile uint64_t *sent = NULL;
    struct ring *r;
    size_t len;
    int rc, code;
    pid_t pid;

    if (seconds > 0) {
        void *p = mmap(NULL, sizeof(*sent), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

        assert_true(p != MAP_FAILED);
        sent = p;
        *sent = n;
    }
    snprintf(saved, sizeof(saved), "%s", name);
    r = create(saved, cap);
    pid = xfork();
    if (pid == 0)
        write_stream_until(r, n, 200, sent,
                           harness_now_ns() + (uint64_t)(seconds * 1e9), least);
    while ((rc = ring_recv(r, buf, sizeof(buf), &len)) == 1) {
        size_t want = lab07_len(seq, 200);

        if ((len != want || lab07_check(buf, len, seq) != len) &&
            damaged++ == 0)
            first_bad = seq;
        seq++;
    }
    code = lab07_wait_child(pid);
    destroy(r, saved);
    if (sent) {
        if (*sent < n)
            harness_note("the writer sent %llu of %llu messages in its %.1f "
                         "s (a busy machine)",
                         (unsigned long long)*sent, (unsigned long long)n,
                         seconds);
        n = *sent;
        munmap((void *)sent, sizeof(*sent));
    }
    if (damaged)
        harness_fail("%llu of %llu messages arrived damaged, the first one "
                     "#%llu: does the reader copy bytes the writer has not "
                     "finished writing, or does the writer reuse bytes the "
                     "reader is still copying?",
                     (unsigned long long)damaged, (unsigned long long)seq,
                     (unsigned long long)first_bad);
    if (rc != 0 || seq != n)
        harness_fail("expected %llu messages then 0 (closed), got %llu then "
                     "%d",
                     (unsigned long long)n, (unsigned long long)seq, rc);
    if (code != 0)
        harness_fail("the writer child ended with %d: ring_send failed (1) "
                     "or it crashed (128 + signal)",
                     code);
}

static void stream_and_check(uint64_t n, size_t cap)
{
    stream_and_check_for(n, cap, 0, 0);
}

static void test_ring_checksum_across_processes(void **state)
{
    (void)state;
    stream_and_check_for((uint64_t)harness_param_long("messages", 1000000),
                         4096, harness_param_double("seconds", 3.0),
                         (uint64_t)harness_param_long("least_messages", 50000));
}

/* The same with 5000 messages through a 512-byte ring: small enough for
 * Memcheck and AddressSanitizer to look at every copy. */
static void test_ring_stream_small(void **state)
{
    (void)state;
    stream_and_check((uint64_t)harness_param_long("messages", 5000), 512);
}

static double child_cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * One side of a ring waits in a child (a reader on an empty ring, a writer
 * on a full one) while the parent, the other side, is slow: 100 ms of
 * simulated latency, then `other` lets the child go on. `waiter` returns
 * the child's exit status (0: it got what it waited for). The child
 * reports the CPU time it burnt meanwhile: more than 7 ms (7% of the wait,
 * a share a spinner gets even on a busy machine) is a spin, and the
 * failure says that `who` burnt it while `waiting`.
 */
enum { SLOW_SIDE_MS = 100, SPIN_CPU_MS = 7 };

static void check_waiter_sleeps(int (*waiter)(struct ring *r),
                                void (*other)(struct ring *r), const char *who,
                                const char *waiting)
{
    char saved[64];
    struct ring *r;
    double cpu_ms = 0;
    int fds[2];
    pid_t pid;

    snprintf(saved, sizeof(saved), "%s", ring_name());
    r = create(saved, 4096);
    xpipe(fds);
    pid = xfork();
    if (pid == 0) {
        double t0 = child_cpu_ms(), used;
        int status;

        close(fds[0]);
        status = waiter(r);
        used = child_cpu_ms() - t0;
        if (write(fds[1], &used, sizeof(used)) != sizeof(used))
            _exit(2);
        _exit(status);
    }
    xclose(fds[1]);
    harness_io_wait_ms(SLOW_SIDE_MS); /* the other side is slow */
    other(r);
    if (read(fds[0], &cpu_ms, sizeof(cpu_ms)) != sizeof(cpu_ms))
        cpu_ms = -1;
    xclose(fds[0]);
    assert_int_equal(lab07_wait_child(pid), 0);
    destroy(r, saved);
    if (cpu_ms > SPIN_CPU_MS)
        harness_fail("%s burnt %.0f ms of CPU while %s: a waiting process "
                     "should sleep (pthread_cond_wait), not spin",
                     who, cpu_ms, waiting);
}

static int recv_one(struct ring *r)
{
    char buf[16];
    size_t len;

    return ring_recv(r, buf, sizeof(buf), &len) == 1 ? 0 : 1;
}

static void send_one(struct ring *r)
{
    assert_int_equal(ring_send(r, "x", 1), 0);
}

/* A reader that waits 100 ms for a message must sleep, not spin. */
static void test_ring_reader_sleeps(void **state)
{
    (void)state;
    check_waiter_sleeps(recv_one, send_one, "the reader",
                        "waiting 100 ms for a message");
}

enum { FULL_MSG = 256, FULL_MSGS = 24 }; /* 6 KiB into a 4 KiB ring */

static int send_more_than_fits(struct ring *r)
{
    char buf[FULL_MSG];
    int rc = 0;

    memset(buf, 'w', sizeof(buf));
    for (int i = 0; i < FULL_MSGS && rc == 0; i++)
        rc = ring_send(r, buf, sizeof(buf));
    return rc == 0 ? 0 : 1;
}

static void recv_them_all(struct ring *r)
{
    char buf[FULL_MSG];
    size_t len;

    for (int i = 0; i < FULL_MSGS; i++) {
        int rc = ring_recv(r, buf, sizeof(buf), &len);

        if (rc != 1 || len != FULL_MSG)
            harness_fail("ring_recv of message %d of %d returned %d (len "
                         "%zu), expected 1 and %d bytes",
                         i + 1, FULL_MSGS, rc, len, FULL_MSG);
    }
}

/*
 * The mirror image: a writer that finds the ring full sleeps too. The
 * child sends more than the ring holds and must wait for the parent, a
 * slow reader, to make room.
 */
static void test_ring_writer_sleeps(void **state)
{
    (void)state;
    check_waiter_sleeps(send_more_than_fits, recv_them_all, "the writer",
                        "the ring was full for 100 ms");
}

/* Whether the page holding addr is mapped in this process (mincore
 * fails with ENOMEM for an address nothing maps). */
static int is_mapped(const void *addr)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char vec;
    void *start = (void *)((uintptr_t)addr & ~(uintptr_t)(page - 1));

    return mincore(start, 1, &vec) == 0 || errno != ENOMEM;
}

/*
 * ring_detach unmaps the ring from the process that calls it: a forked
 * child that is done with the ring no longer has the memory *r points
 * into (ring.h: *out points into the mapping).
 */
static void test_ring_detach_unmaps(void **state)
{
    const char *name = ring_name();
    char saved[64];
    struct ring *r;
    pid_t pid;
    int code;

    (void)state;
    snprintf(saved, sizeof(saved), "%s", name);
    r = create(saved, 1 << 16);
    pid = xfork();
    if (pid == 0) {
        if (!is_mapped(r))
            _exit(3);
        ring_detach(r);
        _exit(is_mapped(r) ? 4 : 0);
    }
    code = lab07_wait_child(pid);
    if (!is_mapped(r))
        harness_fail("ring_detach in a child unmapped the parent's ring");
    destroy(r, saved);
    if (code == 3)
        harness_fail("the ring ring_create returned is not in mapped memory "
                     "in a forked child");
    if (code == 4)
        harness_fail("after ring_detach in a forked child, the ring's memory "
                     "is still mapped there: munmap it (the whole length "
                     "ring_create mapped)");
    if (code != 0)
        harness_fail("the child that called ring_detach ended with %d%s", code,
                     code > 128 ? " (128 + a signal)" : "");
}

/*
 * The int a child sends through fd within limit_ms: 1 when it came, 0 when
 * it did not (the child is then killed and reaped).
 */
static int child_verdict(pid_t pid, int fd, int *verdict, unsigned limit_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n;

    do
        n = poll(&p, 1, (int)limit_ms);
    while (n < 0 && errno == EINTR);
    if (n == 1 && read(fd, verdict, sizeof(*verdict)) == sizeof(*verdict))
        return 1;
    kill(pid, SIGKILL);
    lab07_wait_child(pid);
    return 0;
}

/*
 * One side blocks (a reader on an empty ring, or a writer on a full one)
 * in a child; the parent, the other side, calls ring_close after pause_ms.
 * The blocked call must return what the header says for a closed ring: 0
 * from ring_recv, -EPIPE from ring_send. The pause only gives the child
 * time to fall asleep; the expected result is the same whatever it did by
 * then.
 */
static void close_wakes(int writer, unsigned pause_ms)
{
    static char buf[48];
    char saved[64];
    int fds[2], verdict = -1;
    struct ring *r;
    size_t len;
    pid_t pid;

    snprintf(saved, sizeof(saved), "%s", ring_name());
    r = create(saved, 256);
    xpipe(fds);
    pid = xfork();
    if (pid == 0) {
        int rc = 0;

        close(fds[0]);
        if (writer) /* fills the ring, then blocks until the close */
            for (long i = 0; rc == 0 && i < 1000000; i++)
                rc = ring_send(r, buf, sizeof(buf));
        else
            rc = ring_recv(r, buf, sizeof(buf), &len);
        if (write(fds[1], &rc, sizeof(rc)) != sizeof(rc))
            _exit(2);
        _exit(0);
    }
    xclose(fds[1]);
    harness_io_wait_ms(pause_ms);
    ring_close(r);
    if (!child_verdict(pid, fds[0], &verdict, 5000)) {
        xclose(fds[0]);
        /* Not ring_destroy: destroying a condition variable that a killed
         * process still counts as a waiter may block for ever. */
        ring_detach(r);
        shm_unlink(saved);
        harness_fail("a %s waiting in %s on %s ring was still blocked 5 s "
                     "after ring_close (called %u ms after it started): "
                     "close must wake every side that sleeps (broadcast "
                     "each condition, under the lock, after marking the "
                     "ring closed)",
                     writer ? "writer" : "reader",
                     writer ? "ring_send" : "ring_recv",
                     writer ? "a full" : "an empty", pause_ms);
    }
    xclose(fds[0]);
    assert_int_equal(lab07_wait_child(pid), 0);
    destroy(r, saved);
    if (verdict != (writer ? -EPIPE : 0))
        harness_fail("%s returned %d when the ring was closed while it "
                     "waited, expected %s",
                     writer ? "ring_send" : "ring_recv", verdict,
                     writer ? "-EPIPE" : "0 (the end of the stream)");
}

/* ring_close wakes a reader waiting on an empty ring: ring_recv returns 0. */
static void test_ring_close_wakes_reader(void **state)
{
    static const unsigned pauses[] = {60, 20, 2, 0};

    (void)state;
    for (size_t i = 0; i < sizeof(pauses) / sizeof(pauses[0]); i++)
        close_wakes(0, pauses[i]);
}

/* ring_close by the reader's side wakes a writer waiting for room in a full
 * ring: ring_send returns -EPIPE ("after ring_close"; any process may
 * close). */
static void test_ring_close_wakes_writer(void **state)
{
    static const unsigned pauses[] = {60, 20, 2, 0};

    (void)state;
    for (size_t i = 0; i < sizeof(pauses) / sizeof(pauses[0]); i++)
        close_wakes(1, pauses[i]);
}

/*
 * The writer of the threaded tests: sends n messages of 1 to max bytes,
 * pausing 1 ms after every `every` of them (0: never), then closes the
 * ring. It records the first failure; the main thread asserts after the
 * join.
 */
struct thread_writer {
    struct ring *r;
    uint64_t n;
    size_t max;
    unsigned every;
    int rc;        /* the first ring_send that failed, else 0 */
    uint64_t sent; /* messages sent before it */
    /* 0, or stop at this harness_now_ns() once `least` are sent (a busy
     * machine, where every fill and drain waits for a CPU) */
    uint64_t until, least;
};

static void *thread_writer_main(void *arg)
{
    struct thread_writer *w = arg;
    char msg[256];

    for (w->sent = 0; w->sent < w->n; w->sent++) {
        size_t len = lab07_len(w->sent, w->max);

        if (w->until && w->sent >= w->least && (w->sent & 255) == 0 &&
            harness_now_ns() >= w->until)
            break;
        if (w->every && w->sent % w->every == w->every - 1)
            harness_io_wait_ms(1); /* a slow writer */
        lab07_fill(msg, len, w->sent);
        if ((w->rc = ring_send(w->r, msg, len)) != 0)
            break;
    }
    ring_close(w->r);
    return NULL;
}

/*
 * Streams n messages through a ring of cap bytes from a writer thread to
 * the calling thread, which checks each one byte by byte. The writer
 * pauses 1 ms after every w_every messages, the reader after every
 * r_every (0: never); with `seconds` (0: none), the writer stops early
 * once that time has passed and `least` are sent. Fails the test on
 * damage, loss, a failed send or a missing end of stream.
 */
static void thread_stream(size_t cap, uint64_t n, unsigned w_every,
                          unsigned r_every, double seconds, uint64_t least)
{
    struct thread_writer w = {
        .n = n,
        .max = 200,
        .every = w_every,
        .until = seconds > 0 ? harness_now_ns() + (uint64_t)(seconds * 1e9) : 0,
        .least = least};
    uint64_t seq = 0, damaged = 0, first_bad = 0;
    char saved[64], buf[256];
    size_t len;
    pthread_t t;
    int rc;

    snprintf(saved, sizeof(saved), "%s", ring_name());
    w.r = create(saved, cap);
    xpthread_create(&t, NULL, thread_writer_main, &w);
    while ((rc = ring_recv(w.r, buf, sizeof(buf), &len)) == 1) {
        if ((len != lab07_len(seq, w.max) ||
             lab07_check(buf, len, seq) != len) &&
            damaged++ == 0)
            first_bad = seq;
        seq++;
        if (r_every && seq % r_every == 0)
            harness_io_wait_ms(1); /* a slow reader */
    }
    xpthread_join(t, NULL);
    destroy(w.r, saved);
    if (w.until && w.rc == 0 && w.sent < n) {
        harness_note("the writer sent %llu of %llu messages before its "
                     "deadline (a busy machine)",
                     (unsigned long long)w.sent, (unsigned long long)n);
        n = w.sent;
    }
    if (w.rc != 0)
        harness_fail("ring_send of message #%llu returned %d (%s), expected "
                     "0: the ring was open and the reader was reading",
                     (unsigned long long)w.sent, w.rc, strerror(-w.rc));
    if (damaged)
        harness_fail("%llu of %llu messages arrived damaged, the first one "
                     "#%llu, between two threads of one process",
                     (unsigned long long)damaged, (unsigned long long)seq,
                     (unsigned long long)first_bad);
    if (rc != 0 || seq != n)
        harness_fail("expected %llu messages then 0 (closed), got %llu then "
                     "%d",
                     (unsigned long long)n, (unsigned long long)seq, rc);
}

/*
 * One ring, a writer thread and a reader thread of one process ("one
 * writer process or thread"). The same stream as across processes, but
 * here ThreadSanitizer sees both sides: a position published before the
 * bytes it covers are written (or read), or read without the ordering
 * that makes those bytes visible, is a data race on the buffer.
 */
static void test_ring_threads_in_one_process(void **state)
{
    (void)state;
    thread_stream(512, (uint64_t)harness_param_long("messages", 20000), 0, 0,
                  harness_param_double("seconds", 3.0),
                  (uint64_t)harness_param_long("least_messages", 2000));
}

/*
 * A condition wait may return without a signal (POSIX says so; chaos mode
 * makes ring.c's waits do it, see ring_hooks.h). One side pauses now and
 * then, so the other finds the ring full (or empty) and sleeps, many
 * times: a wake-up is only a hint to look again.
 */
static void test_ring_survives_spurious_wakeups(void **state)
{
    long rounds = harness_param_long("rounds", 100);

    (void)state;
    harness_chaos_enable(1);
    thread_stream(256, (uint64_t)rounds * 8, 0, 8, 0, 0); /* writer sleeps */
    thread_stream(256, (uint64_t)rounds, 1, 0, 0, 0);     /* reader sleeps */
    harness_chaos_enable(0);
}

/* The speedup check: 4 KiB messages to a child through a pipe (raw
 * read/write, no framing) against the same bytes through the ring. */
#define MSG4K 4096
static long nmsgs;

static void read_pipe_fully(int fd, char *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t k = read(fd, buf + got, n - got);

        if (k <= 0)
            _exit(1);
        got += (size_t)k;
    }
}

static void pipe_transfer(void *arg)
{
    static char msg[MSG4K];
    int fds[2];
    pid_t pid;

    (void)arg;
    xpipe(fds);
    pid = xfork();
    if (pid == 0) {
        close(fds[1]);
        for (long i = 0; i < nmsgs; i++)
            read_pipe_fully(fds[0], msg, MSG4K);
        _exit(0);
    }
    xclose(fds[0]);
    for (long i = 0; i < nmsgs; i++)
        if (write(fds[1], msg, MSG4K) != MSG4K)
            harness_fail("the baseline pipe failed: %s", strerror(errno));
    xclose(fds[1]);
    if (lab07_wait_child(pid) != 0)
        harness_fail("the baseline pipe's reader failed");
}

static void ring_transfer(void *arg)
{
    static char msg[MSG4K];
    const char *name = ring_name();
    char saved[64];
    struct ring *r;
    size_t len;
    pid_t pid;
    long got = 0;

    (void)arg;
    snprintf(saved, sizeof(saved), "%s", name);
    r = create(saved, (size_t)harness_param_long("ring_bytes", 256 << 10));
    pid = xfork();
    if (pid == 0) {
        while (ring_recv(r, msg, MSG4K, &len) == 1)
            got++;
        ring_detach(r);
        _exit(got == nmsgs ? 0 : 1);
    }
    for (long i = 0; i < nmsgs; i++)
        if (ring_send(r, msg, MSG4K) != 0)
            harness_fail("ring_send of a 4 KiB message failed");
    ring_close(r);
    if (lab07_wait_child(pid) != 0)
        harness_fail("the ring's reader did not get all %ld messages", nmsgs);
    destroy(r, saved);
}

static double ms_of(harness_body_fn fn)
{
    uint64_t t0 = harness_now_ns();

    fn(NULL);
    return (double)(harness_now_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/*
 * The ratio pipe time / ring time of each trial, the two measured back to
 * back (in alternating order), and the median of those ratios: a trial in
 * which the machine was busy moves one ratio, not the verdict.
 */
#define MAX_TRIALS 31
struct ring_vs_pipe {
    double ratio, lo, hi, pipe_ms, ring_ms; /* medians, and the range */
};

static struct ring_vs_pipe measure_ring_vs_pipe(long trials)
{
    double ratio[MAX_TRIALS], pipe_ms[MAX_TRIALS], ring_ms[MAX_TRIALS];
    struct ring_vs_pipe m;

    pipe_transfer(NULL); /* warm-up: code, page tables, allocator */
    ring_transfer(NULL);
    for (long i = 0; i < trials; i++) {
        if (i % 2) {
            ring_ms[i] = ms_of(ring_transfer);
            pipe_ms[i] = ms_of(pipe_transfer);
        } else {
            pipe_ms[i] = ms_of(pipe_transfer);
            ring_ms[i] = ms_of(ring_transfer);
        }
        ratio[i] = pipe_ms[i] / ring_ms[i];
    }
    qsort(pipe_ms, (size_t)trials, sizeof(double), cmp_double);
    qsort(ring_ms, (size_t)trials, sizeof(double), cmp_double);
    qsort(ratio, (size_t)trials, sizeof(double), cmp_double);
    m.ratio = ratio[trials / 2];
    m.lo = ratio[0];
    m.hi = ratio[trials - 1];
    m.pipe_ms = pipe_ms[trials / 2];
    m.ring_ms = ring_ms[trials / 2];
    return m;
}

/* Confine this process (and the children it forks) to one of its CPUs. */
static int pin_to_one_cpu(cpu_set_t *saved)
{
    cpu_set_t one;

    if (sched_getaffinity(0, sizeof(*saved), saved) < 0)
        return -1;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, saved)) {
            CPU_SET(c, &one);
            break;
        }
    return sched_setaffinity(0, sizeof(one), &one);
}

static void note_measure(const char *where, struct ring_vs_pipe m, long trials,
                         double need)
{
    harness_note("4 KiB messages, shared ring against a pipe, %s: median "
                 "%.2fx over %ld trials (range %.2f-%.2fx; pipe %.1f ms, "
                 "ring %.1f ms; need %.2fx)",
                 where, m.ratio, trials, m.lo, m.hi, m.pipe_ms, m.ring_ms,
                 need);
}

/*
 * Measured twice if need be: with both processes on one CPU, where the
 * figure is the cost of the mechanisms alone (system calls, copies through
 * the kernel, sleeps and wake-ups), and where the scheduler puts them, on
 * two CPUs, where how far apart the hypervisor placed them right now also
 * counts (each byte crosses between the cores either way). Either median
 * reaching the bound is enough.
 */
static void test_ring_faster_than_pipe(void **state)
{
    double need = harness_param_double("min_ratio", 2.0);
    long trials = harness_param_long("trials", 11);
    struct ring_vs_pipe one, two;
    cpu_set_t saved;

    (void)state;
    nmsgs = harness_param_long("messages", 20000);
    if (trials < 1 || trials > MAX_TRIALS)
        trials = 11;
    if (pin_to_one_cpu(&saved) < 0)
        harness_fail("sched_setaffinity: %s", strerror(errno));
    one = measure_ring_vs_pipe(trials);
    sched_setaffinity(0, sizeof(saved), &saved);
    note_measure("both on one CPU", one, trials, need);
    if (one.ratio >= need)
        return;
    two = measure_ring_vs_pipe(trials);
    note_measure("placed by the scheduler", two, trials, need);
    if (two.ratio < need)
        harness_fail_slow(
            "too slow: %ld messages of 4 KiB went through your ring "
            "%.2fx faster than through a pipe with both processes "
            "on one CPU (ring %.1f ms, pipe %.1f ms) and %.2fx with "
            "the scheduler placing them (ring %.1f ms, pipe %.1f "
            "ms), medians of %ld trials; at least %.2fx expected. "
            "How often does each process sleep and get woken per "
            "message? And while one waits, can the other run?",
            nmsgs, one.ratio, one.ring_ms, one.pipe_ms, two.ratio, two.ring_ms,
            two.pipe_ms, trials, need);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ring_create_destroy_leaves_nothing),
    cmocka_unit_test(test_ring_bad_arguments),
    cmocka_unit_test(test_ring_create_failure_leaves_nothing),
    cmocka_unit_test(test_ring_fifo_in_one_process),
    cmocka_unit_test(test_ring_checksum_across_processes),
    cmocka_unit_test(test_ring_stream_small),
    cmocka_unit_test(test_ring_reader_sleeps),
    cmocka_unit_test(test_ring_writer_sleeps),
    cmocka_unit_test(test_ring_detach_unmaps),
    cmocka_unit_test(test_ring_largest_message),
    cmocka_unit_test(test_ring_close_wakes_reader),
    cmocka_unit_test(test_ring_close_wakes_writer),
    cmocka_unit_test(test_ring_threads_in_one_process),
    cmocka_unit_test(test_ring_survives_spurious_wakeups),
    cmocka_unit_test(test_ring_faster_than_pipe),
};

HARNESS_MAIN(tests)
