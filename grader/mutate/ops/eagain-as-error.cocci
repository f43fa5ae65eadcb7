// SPDX-License-Identifier: MIT
// Models: "would block" taken as a failure on a non-blocking fd: the EAGAIN exception of an error test deleted.
@@
expression E;
symbol errno, EAGAIN, EWOULDBLOCK;
position p : script:python() { mutate_site(p) };
@@
(
- errno@p != EAGAIN && errno != EWOULDBLOCK && E
+ E
|
- errno@p != EAGAIN && errno != EWOULDBLOCK
+ 1
|
- errno@p != EAGAIN && E
+ E
|
- errno@p != EAGAIN
+ 1
)
