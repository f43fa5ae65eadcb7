// SPDX-License-Identifier: MIT
// Models: a shared mapping never sized or flushed, or an fd left in the epoll set: ftruncate, msync or epoll_ctl(DEL) deleted.
@@
expression list Es;
expression Ep, Fd, Ev;
identifier f = {ftruncate, msync};
statement S;
position p : script:python() { mutate_site(p) };
@@
(
- f@p(Es);
|
- (void)f@p(Es);
|
- if (f@p(Es) < 0)
-   S
|
- epoll_ctl@p(Ep, EPOLL_CTL_DEL, Fd, Ev);
|
- (void)epoll_ctl@p(Ep, EPOLL_CTL_DEL, Fd, Ev);
)
