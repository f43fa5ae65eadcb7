// SPDX-License-Identifier: MIT
// Models: an object of the lab's own making never released: a call to a *_destroy or *_free_all function deleted (a finished coroutine's stack kept).
@@
expression list Es;
identifier f : script:python() { (f.endswith("_destroy") or f.endswith("_free_all")) and not f.startswith(("pthread_", "sem_")) };
position p : script:python() { mutate_site(p) };
@@
(
- f@p(Es);
|
- (void)f@p(Es);
)
