// SPDX-License-Identifier: MIT
// Models: a resource never released or reaped: close, free, munmap, waitpid, shm_unlink, join or destroy deleted.
@@
expression list Es;
identifier f = {close, free, munmap, waitpid, shm_unlink, pthread_join,
                pthread_mutex_destroy, pthread_cond_destroy, sem_destroy};
position p : script:python() { mutate_site(p) };
@@
(
- f@p(Es);
|
- (void)f@p(Es);
)
