// SPDX-License-Identifier: MIT
// Models: an interrupted or would-block call taken as done or failed: its EINTR/EAGAIN test made false (no retry).
@@
expression E;
symbol errno, EINTR, EAGAIN, EWOULDBLOCK;
position p : script:python() { mutate_site(p) };
@@
(
- errno@p == EAGAIN || errno == EWOULDBLOCK
+ 0
|
- errno@p == EINTR
+ 0
|
- errno@p != EINTR
+ 1
|
- E@p == EINTR
+ 0
)
