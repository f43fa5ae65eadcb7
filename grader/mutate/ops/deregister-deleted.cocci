// SPDX-License-Identifier: MIT
// Models: a registration never undone: an unwatch, unregister, cancel or remove call deleted (an fd closed while still watched, a one-shot watch left armed).
@@
expression list Es;
identifier f =~ "(unwatch|unregister|_cancel|_remove)$";
position p : script:python() { mutate_site(p) };
@@
(
- f@p(Es);
|
- (void)f@p(Es);
)
