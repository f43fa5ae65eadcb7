// SPDX-License-Identifier: MIT
// A sample submission that does not compile: a missing semicolon and an
// undeclared name (grader/tests/submissions/dave/manifest).
#include "pmap.h"

int pmap_reduce(void)
{
    return undeclared_name
}
