/* SPDX-License-Identifier: MIT */
/*
 * Out of memory on demand: a test makes the allocator fail, calls the code
 * under test, and gives the memory back, so a "NULL when out of memory"
 * promise is checked through the API alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "harness.h"

static struct rlimit oom_saved;
static void *oom_hoard; /* blocks chained through their first word */
static int oom_on;

/* Bytes of address space mapped now (/proc/self/statm), 0 if unknown.
 * open and read, not stdio: a FILE buffer would be an allocation. */
static unsigned long long mapped_bytes(void)
{
    char buf[64];
    unsigned long long pages = 0;
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
        pages = pages * 10 + (unsigned)(buf[i] - '0');
    return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* Take every block of `size` bytes the allocator will still give. */
static void hoard(size_t size)
{
    void **p;

    while ((p = malloc(size)) != NULL) {
        *p = oom_hoard;
        oom_hoard = p;
    }
}

int harness_oom_begin(void)
{
    struct rlimit low;
    unsigned long long now;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    return -1; /* their allocators abort instead of returning NULL */
#endif
    if (oom_on || harness_under_valgrind())
        return -1;
    now = mapped_bytes();
    if (now == 0 || getrlimit(RLIMIT_AS, &oom_saved) != 0)
        return -1;
    low = oom_saved;
    low.rlim_cur = (rlim_t)now;
    if (setrlimit(RLIMIT_AS, &low) != 0)
        return -1;
    oom_on = 1;
    /* Big blocks first, then every small size class: each malloc size has
     * caches of its own (tcache, fastbins) that a smaller request skips. */
    for (size_t size = (size_t)1 << 20; size > 1024; size /= 2)
        hoard(size);
    for (size_t size = 1024; size >= sizeof(void *); size -= 8)
        hoard(size);
    return 0;
}

/* One request size per malloc size class of 16 bytes: 24, 40, 56, ... */
#define SPARE_CLASSES 64
static void *oom_spare[SPARE_CLASSES];
static int oom_nspare;

static size_t spare_size(int i)
{
    return 16 * (size_t)i + 24;
}

int harness_oom_begin_spare(size_t max)
{
    int n = 0;

    if (oom_on)
        return -1;
    while (n < SPARE_CLASSES && spare_size(n) <= max &&
           (oom_spare[n] = malloc(spare_size(n))) != NULL)
        n++;
    if (harness_oom_begin() != 0) {
        while (n > 0)
            free(oom_spare[--n]);
        return -1;
    }
    for (int i = 0; i < n; i++)
        free(oom_spare[i]);
    oom_nspare = n;
    /* An allocator that does not hand each block back to a malloc of its
     * size (glibc without its thread cache, another allocator) would count
     * blocks as kept that nobody took: no check then. */
    if (harness_oom_spare_kept() != 0) {
        harness_oom_end();
        return -1;
    }
    return 0;
}

int harness_oom_spare_kept(void)
{
    int kept = 0;

    for (int i = 0; i < oom_nspare; i++)
        kept += (oom_spare[i] = malloc(spare_size(i))) == NULL;
    for (int i = 0; i < oom_nspare; i++)
        free(oom_spare[i]); /* back where they were, for the next create */
    return kept;
}

void harness_oom_end(void)
{
    int saved = errno;

    if (!oom_on)
        return;
    setrlimit(RLIMIT_AS, &oom_saved);
    while (oom_hoard) {
        void *next = *(void **)oom_hoard;

        free(oom_hoard);
        oom_hoard = next;
    }
    oom_on = 0;
    oom_nspare = 0;
    errno = saved;
}
