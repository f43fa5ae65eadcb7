/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 2: five small racy programs to fix, each with the lightest
 * tool that is correct. You write fixes.c; this header is not yours to edit.
 */
#ifndef LAB03_FIXES_H
#define LAB03_FIXES_H

/* ---- 2a: a shared counter ------------------------------------------- */

struct counter; /* defined in fixes.c */

/* A counter at 0, or NULL when out of memory. Context: any. */
struct counter *counter_create(void);
void counter_destroy(struct counter *c);

/*
 * counter_inc - add 1. No increment may be lost, whatever the number of
 * threads calling it at once. Never blocks. Context: any thread.
 */
void counter_inc(struct counter *c);

/* counter_read - the current value. Never blocks. Context: any thread. */
long counter_read(struct counter *c);

/* ---- 2b: a bank: transfers between accounts ------------------------ */

struct bank; /* defined in fixes.c */

/*
 * bank_create - `naccounts` accounts (1 to 1024) holding `initial` each;
 * NULL when out of memory or for a bad argument. Context: any.
 */
struct bank *bank_create(int naccounts, long initial);
void bank_destroy(struct bank *b);

/*
 * bank_transfer - move `amount` from account `from` to account `to`.
 * Balances may go negative (overdraft). A transfer from an account to
 * itself is a no-op that returns 0.
 *
 * Returns 0, or -EINVAL when an account number is out of range. Money is
 * conserved: the total over all accounts never changes, whatever the number
 * of concurrent transfers, and concurrent transfers never deadlock.
 *
 * Blocks while another transfer holds one of the two accounts.
 * Context: any thread.
 */
int bank_transfer(struct bank *b, int from, int to, long amount);

/*
 * bank_total - the sum of all balances, as of one instant: called while
 * transfers run, it still returns exactly naccounts * initial. (Money in
 * flight between two accounts must not be seen.)
 *
 * Blocks while transfers hold accounts. Context: any thread.
 */
long bank_total(struct bank *b);

/* bank_balance - one account's balance. Context: any thread. */
long bank_balance(struct bank *b, int account);

/* ---- 2c: check-then-act: create if absent -------------------------- */

struct registry; /* defined in fixes.c */

/* An empty registry with room for `capacity` names; NULL on error. */
struct registry *registry_create(int capacity);
void registry_destroy(struct registry *r);

/*
 * registry_intern - the id of `name`, adding it first if it is absent. Ids
 * are 0, 1, 2, ... in the order names were added. However many threads
 * intern the same name at once, it is added once, and all of them get the
 * same id. The registry keeps its own copy of the name.
 *
 * Returns the id (>= 0); -EINVAL for a NULL name, -ENOSPC when the name is
 * absent and the registry is full, -ENOMEM when out of memory.
 * Blocks briefly while another thread interns. Context: any thread.
 */
int registry_intern(struct registry *r, const char *name);

/* registry_count - how many names have been added. Context: any thread. */
int registry_count(struct registry *r);

/* ---- 2d: lazy initialization --------------------------------------- */

#define LOOKUP_TABLE_SIZE 4096

struct lookup_table {
    unsigned crc[LOOKUP_TABLE_SIZE];
};

/*
 * lookup_table_build - provided (lookup_table.c): builds the table, slowly,
 * in memory that is never freed. Context: any thread. Each call counts.
 */
struct lookup_table *lookup_table_build(void);
/* How many times lookup_table_build has run in this process. */
int lookup_table_builds(void);

/*
 * lookup_table_get - the process's one lookup table, built on first use by
 * lookup_table_build(), which must run exactly once in the life of the
 * process, however many threads ask first at the same time. Every caller
 * gets the same, fully built table.
 *
 * Returns the table, or NULL when lookup_table_build failed.
 * Blocks while another thread is building it. Context: any thread.
 */
const struct lookup_table *lookup_table_get(void);

/* ---- 2e: publishing data through a flag ---------------------------- */

struct message {
    int len;       /* how many of data[] are used */
    int data[14];  /* the payload */
    long checksum; /* the sender's sum of data[0..len) */
};

/*
 * Whatever orders the message before the flag must be on the accesses
 * themselves: a lock, or an atomic flag whose store releases and whose
 * load acquires (or seq_cst). Not a standalone atomic_thread_fence beside
 * relaxed accesses: correct in C11, but ThreadSanitizer, which grades this
 * part, does not model standalone fences and reports that version as a
 * race, exactly as it reports a relaxed flag with no fence at all.
 */
struct mailbox; /* defined in fixes.c */

/* An empty mailbox; NULL when out of memory. Context: any. */
struct mailbox *mailbox_create(void);
void mailbox_destroy(struct mailbox *m);

/*
 * mailbox_publish - copy *msg into the mailbox and make it visible to
 * readers. A mailbox carries one message in its life.
 *
 * Returns 0, or -EBUSY when a message was already published. Never blocks.
 * Context: one publishing thread; any number of readers at the same time.
 */
int mailbox_publish(struct mailbox *m, const struct message *msg);

/*
 * mailbox_try_read - copy the published message into *out. A reader that
 * sees the message sees all of it, exactly as published.
 *
 * Returns 0, or -EAGAIN when nothing has been published yet. Never blocks.
 * Context: any thread, concurrently with mailbox_publish.
 */
int mailbox_try_read(struct mailbox *m, struct message *out);

#endif /* LAB03_FIXES_H */
