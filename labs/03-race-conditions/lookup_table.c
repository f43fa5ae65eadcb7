/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 2d: the expensive object that lookup_table_get builds lazily
 * (provided, not a student file). It counts its builds so the tests can tell.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "fixes.h"
#include "harness.h"

static atomic_int builds;

/* The CRC-32 of the 12-bit value i, computed bit by bit: slow on purpose. */
static unsigned crc_of(unsigned i)
{
    unsigned c = i;

    for (int k = 0; k < 12; k++)
        c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    return c;
}

struct lookup_table *lookup_table_build(void)
{
    struct lookup_table *t = malloc(sizeof(*t));

    atomic_fetch_add(&builds, 1);
    if (!t)
        return NULL;
    for (unsigned i = 0; i < LOOKUP_TABLE_SIZE; i++) {
        t->crc[i] = crc_of(i);
        if (i % 512 == 0)
            harness_chaos_point(); /* a long build: others get to run */
    }
    return t;
}

int lookup_table_builds(void)
{
    return atomic_load(&builds);
}
