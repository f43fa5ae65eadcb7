/* SPDX-License-Identifier: MIT */
/*
 * The grader's command line.
 *
 *   grader grade --root DIR [--src labs|solutions|DIR] [--lab NN]
 *                [--only CHECK[,CHECK]] [--jobs N] [--out DIR] [--ref DIR]
 *   grader grade --root DIR [--ref DIR]
 *                --mutant grader/tests/mutants/NN-topic/NAME.patch
 *   grader doctor --root DIR
 *   grader containment --root DIR
 *   grader labs|rubric|points|checks|tag ...   what the grader knows
 *                                              (query.c)
 *   grader exec --root DIR --timeout S --dir RUNDIR --bindir BINDIR
 *               [--env K=V]... -- PROGRAM [ARG]...
 *
 * --ref DIR is the reference tree (default solutions/): what a mutant's
 * patch applies to, and what --src solutions grades.
 *
 * Exit status: 0 every graded check passed (mutant mode: the mutant was
 * caught), 1 some check failed (the mutant survived), 2 could not grade
 * (mutant mode: also a patch that no longer applies).
 * containment: 0 tests would be contained here, 1 they would not (they
 * would run as this user, seeing what it sees), 2 could not tell.
 * exec: the command's, as a shell gives it (below).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grade.h"
#include "mutant.h"
#include "query.h"
#include "report.h"
#include "run.h"
#include "sandbox.h"
#include "tools.h"
#include "trace.h"
#include "util.h"

struct cli {
    char *root, *src, *lab, *only, *out, *mutant, *test;
    char *ref; /* --ref: the reference tree; NULL for solutions/ */
    int jobs, quiet;
    int trace; /* --trace: timelines of speedup checks, under OUT/traces */
    /* exec: one command, its run folder, binaries, deadline, environment */
    char *dir, *bindir, **env, **cmd;
    int nenv;
    double timeout;
};

static int usable_cpus(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return 1;
    return CPU_COUNT(&set);
}

static void usage(void)
{
    fputs("usage: grader grade --root DIR [--src labs|solutions|DIR] "
          "[--lab NN[,NN]] [--only CHECKS] [--test NAME[,NAME]] [--jobs N]\n"
          "                    [--out DIR] [--trace] [--ref DIR]\n"
          "       grader grade --root DIR [--ref DIR] --mutant "
          "NN-topic/NAME.patch\n"
          "       grader doctor --root DIR\n"
          "       grader containment --root DIR\n"
          "       grader labs|rubric|points|checks|tag --help\n"
          "       grader trace SPANS OUT.svg [--note TEXT] [--axis-of "
          "SPANS]...\n"
          "       grader exec --root DIR --timeout S --dir RUNDIR "
          "--bindir BINDIR\n"
          "                   [--env K=V]... -- PROGRAM [ARG]...\n"
          "exec: one command, run as grading runs a test: under a supervisor "
          "that kills\n"
          "  all it leaves, in the sandbox (the system read-only, RUNDIR "
          "writable and its\n"
          "  cwd, BINDIR read-only). Its output (stdout and stderr, 64 KiB "
          "kept) on stdout.\n"
          "  Exit: its status; 128+N killed by signal N; 124 timed out "
          "(SIGTERM, SIGKILL\n"
          "  2 s later); 127 not found; 2 refused or bad usage.\n",
          stderr);
    exit(2);
}

static void parse(int argc, char **argv, struct cli *c)
{
    static const struct option opts[] = {
        {"root", required_argument, 0, 'r'},
        {"src", required_argument, 0, 's'},
        {"lab", required_argument, 0, 'l'},
        {"only", required_argument, 0, 'o'},
        {"jobs", required_argument, 0, 'j'},
        {"out", required_argument, 0, 'O'},
        {"mutant", required_argument, 0, 'm'},
        {"ref", required_argument, 0, 'R'},
        {"quiet", no_argument, 0, 'q'},
        {"test", required_argument, 0, 't'},
        {"trace", no_argument, 0, 'T'},
        {"timeout", required_argument, 0, 'S'},
        {"dir", required_argument, 0, 'd'},
        {"bindir", required_argument, 0, 'b'},
        {"env", required_argument, 0, 'e'},
        {0, 0, 0, 0},
    };
    int ch;

    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            c->root = optarg;
            break;
        case 's':
            c->src = optarg;
            break;
        case 'l':
            c->lab = optarg;
            break;
        case 'o':
            c->only = optarg;
            break;
        case 'j':
            c->jobs = atoi(optarg);
            break;
        case 'O':
            c->out = optarg;
            break;
        case 'm':
            c->mutant = optarg;
            break;
        case 'R':
            c->ref = optarg;
            break;
        case 'q':
            c->quiet = 1;
            break;
        case 't':
            c->test = optarg;
            break;
        case 'T':
            c->trace = 1;
            break;
        case 'S':
            c->timeout = atof(optarg);
            break;
        case 'd':
            c->dir = optarg;
            break;
        case 'b':
            c->bindir = optarg;
            break;
        case 'e':
            if (!strchr(optarg, '='))
                usage();
            c->env = realloc(c->env, sizeof(char *) * (size_t)(c->nenv + 2));
            if (!c->env)
                gr_die("out of memory");
            c->env[c->nenv++] = optarg;
            c->env[c->nenv] = NULL;
            break;
        default:
            usage();
        }
    }
    if (!c->root)
        usage();
    c->cmd = optind < argc ? argv + optind : NULL;
    c->root = abs_path(c->root);
    if (!c->root)
        gr_die("--root: %s", strerror(errno));
    /* The repository's path reaches make and the shell: refuse, plainly,
     * what neither can carry (make cannot build under a path with spaces). */
    if (strpbrk(c->root, "'\"\\$` \t\n"))
        gr_die("the repository is at %s, a path with a quote, space or shell "
               "character: make cannot build there; move or clone it to a "
               "plain path",
               c->root);
    if (c->jobs <= 0)
        c->jobs = usable_cpus();
}

static unsigned parse_only(const char *s)
{
    char **v;
    unsigned mask = 0;
    int n;

    if (!s || !*s)
        return 0;
    n = split_list(s, ", ", &v);
    for (int i = 0; i < n; i++) {
        int k = check_parse(v[i]);

        if (k < 0)
            gr_die("--only %s: not a check (%s)", v[i], check_list());
        mask |= 1u << k;
    }
    return mask;
}

/*
 * Tests that run as the grader's own user with its own view of the files
 * are not contained at all: they can read and change whatever the grader
 * can (the repository, solutions/, every result, the gradebook). That
 * happens to an ordinary user where user namespaces are not allowed, and
 * to root with GRADER_ALLOW_ROOT=1. A uid of their own, or a view of their
 * own, is containment (docs/instructors.md says how much, where).
 */
static int tests_contained(const struct sandbox *sb)
{
    return !sb->as_root && (sb->drop || sb->mountns);
}

/* The containment line of every report, results.json and make doctor:
 * the sandbox's words, led by NOT CONTAINED where that is the truth, so
 * no reader of a report can miss it. Call after sandbox_detect. */
static const char *containment_line(void)
{
    static char line[1024];

    if (tests_contained(&grader_sandbox))
        return grader_sandbox.summary;
    snprintf(line, sizeof(line),
             "NOT CONTAINED: %s; a test could read and change whatever this "
             "user can (the repository, solutions/, other students' results, "
             "the gradebook)",
             grader_sandbox.summary);
    return line;
}

static int color_wanted(void)
{
    const char *nc = getenv("NO_COLOR");

    return isatty(1) && !(nc && *nc);
}

/* The reference tree: --ref (relative paths are from the repository),
 * or solutions/. */
static char *ref_tree(const struct cli *c)
{
    char *p, *abs;

    if (!c->ref)
        return path_join(c->root, "solutions");
    p = c->ref[0] == '/' ? gr_strdup(c->ref) : path_join(c->root, c->ref);
    abs = abs_path(p);
    if (!abs || !is_dir(abs))
        gr_die("--ref %s: no such directory", c->ref);
    free(p);
    return abs;
}

/* Is file ("<lab>/<file>", as a patch names it) one of lab's student
 * files? A mutant changes nothing else: not the tests, not the header. */
static int student_file(const struct lab *lab, const char *file)
{
    size_t n = strlen(lab->name);

    if (strncmp(file, lab->name, n) != 0 || file[n] != '/')
        return 0;
    for (int i = 0; i < lab->nstudent; i++)
        if (strcmp(file + n + 1, lab->student[i]) == 0)
            return 1;
    return 0;
}

/*
 * Mutant mode: the reference's student files, staged, the mutant's patch
 * applied, graded on the mutant's declared check alone. A patch that no
 * longer applies is an error (exit 2), never a mutant caught or survived.
 */
/* The symptom words a failed entry shows, for whoever writes a mutant's
 * `symptom =` (docs/writing-a-lab.md), and the test's message for it. */
static void print_symptoms(const struct entry *en)
{
    printf("  symptoms of %s: %s%s%s%s%s\n", en->test->name,
           en->symptom ? en->symptom : "", en->symptom ? " " : "",
           en->cause ? en->cause : "", en->cause ? " " : "",
           outcome_name(en->outcome));
    if (en->symptom_text)
        printf("  %s: %s\n", en->symptom, en->symptom_text);
}

static int grade_mutant(struct cli *c, struct lab *labs, int nlabs)
{
    char *path = abs_path(c->mutant), *copy, *labname, *name, *err = NULL;
    char *ref = ref_tree(c), *tree, *labtree, *out;
    size_t len;
    struct mutant m;
    struct lab *lab;
    struct grade_opts o = {0};
    struct lab_result res;
    const struct entry *caught = NULL;

    if (!path)
        gr_die("--mutant %s: %s", c->mutant, strerror(errno));
    len = strlen(path);
    if (!is_file(path) || len < 7 || strcmp(path + len - 6, ".patch") != 0)
        gr_die("--mutant %s: not a mutant's NN-topic/NAME.patch file "
               "(docs/writing-a-lab.md)",
               c->mutant);
    copy = gr_strdup(path);
    name = gr_strdup(basename(copy));
    name[strlen(name) - 6] = '\0';
    free(copy);
    copy = gr_strdup(path);
    labname = gr_strdup(basename(dirname(copy)));
    free(copy);
    lab = lab_resolve(labs, nlabs, labname);
    if (!lab)
        gr_die("%s: no lab named %s", c->mutant, labname);
    if (lab_load_info(c->root, lab, &err) < 0)
        gr_die("%s", err);
    if (mutant_load(path, &m, &err) < 0)
        gr_die("%s", err);
    for (int i = 0; i < m.nfiles; i++)
        if (!student_file(lab, m.files[i]))
            gr_die("%s: changes %s, not a student file of %s", c->mutant,
                   m.files[i], lab->name);

    out = gr_printf("%s/build/trees/mutant-%s-%s", c->root, lab->name, name);
    tree = gr_printf("%s/build/mutant-trees/%s-%s", c->root, lab->name, name);
    labtree = gr_printf("%s/%s", tree, lab->name);
    rm_rf(tree);
    mkdir_p(labtree);
    for (int i = 0; i < lab->nstudent; i++) {
        char *from = gr_printf("%s/%s/%s", ref, lab->name, lab->student[i]);
        char *to = gr_printf("%s/%s", labtree, lab->student[i]);
        int rc = copy_file(from, to);

        if (rc < 0)
            gr_die("%s: cannot copy %s: %s", c->mutant, from, strerror(-rc));
        free(from);
        free(to);
    }
    if (mutant_apply(path, tree, &err) < 0) {
        size_t n = strlen(c->root);
        const char *shown = ref;

        if (strncmp(ref, c->root, n) == 0 && ref[n] == '/')
            shown = ref + n + 1;
        gr_die("mutant %s/%s: its patch no longer applies to %s/%s: rebase "
               "it onto the reference (docs/writing-a-lab.md). patch "
               "says:\n%s",
               lab->name, name, shown, lab->name, err);
    }
    o.root = c->root;
    o.tree = tree;
    o.out = out;
    o.jobs = c->jobs;
    o.only = 1u << m.check;
    o.no_prereq = 1;
    o.only_test = m.test;
    o.quiet = 1;
    if (grade_lab(lab, &o, &res, &err) < 0)
        gr_die("%s", err);
    for (int i = 0; i < res.nentries && !caught; i++) {
        const struct entry *en = &res.entries[i];

        /* A mutant that does not build proves nothing about the tests. */
        if (en->outcome == OUT_BUILD || en->outcome == OUT_ERROR) {
            printf("mutant %s/%s: BROKEN: %s\n%s", lab->name, name, en->summary,
                   en->detail ? en->detail : "");
            return 2;
        }
        if (en->outcome == OUT_PASS || en->outcome == OUT_SKIP ||
            en->outcome == OUT_INCONCLUSIVE || en->outcome == OUT_NOTRUN)
            continue;
        if (m.verdict && strcmp(m.verdict, outcome_name(en->outcome)) != 0)
            continue;
        /* Caught, but with the symptom it is there to prove? */
        if (m.symptom && !entry_has_symptom(en, m.symptom))
            continue;
        caught = en;
    }
    if (caught) {
        const char *word, *hint = entry_hint(caught, &word);

        printf("mutant %s/%s: caught by %s: %s: %s\n", lab->name, name,
               check_name(caught->kind), caught->test->name, caught->summary);
        if (hint)
            printf("  hint%s%s: %s\n", word ? "." : "", word ? word : "", hint);
        print_symptoms(caught);
        return 0;
    }
    printf("mutant %s/%s: SURVIVED its %s check%s%s%s%s (%s)\n", lab->name,
           name, check_name((enum check_kind)m.check),
           m.verdict ? " expecting " : "", m.verdict ? m.verdict : "",
           m.symptom ? " with symptom " : "", m.symptom ? m.symptom : "",
           m.why ? m.why : "");
    report_table(stdout, &res, 0);
    for (int i = 0; i < res.nentries; i++)
        if (res.entries[i].outcome != OUT_PASS &&
            res.entries[i].outcome != OUT_NOTRUN)
            print_symptoms(&res.entries[i]);
    return 1;
}

/* The student's own last result per lab, for `make progress`:
 * build/progress/<lab>.json, in the results.json format. */
static void keep_progress(const char *root, const struct lab_result *r)
{
    char *dir = gr_printf("%s/build/progress", root);
    char *path = gr_printf("%s/%s.json", dir, r->lab->name);

    mkdir_p(dir);
    if (report_json(path, r, 1, r->seconds, containment_line(), NULL) != 0)
        fprintf(stderr, "grader: cannot write %s\n", path);
    free(path);
    free(dir);
}

/* --lab takes one lab or a comma-separated list: "01", "1,5". */
static int lab_selected(struct lab *labs, int n, const char *arg,
                        const struct lab *l)
{
    char **v;
    int k = split_list(arg, ",", &v), hit = 0;

    for (int i = 0; i < k; i++) {
        const struct lab *m = lab_resolve(labs, n, v[i]);

        if (!m)
            gr_die("LAB=%s: no such lab (try 01 or 01-processes)", v[i]);
        hit |= m == l;
        free(v[i]);
    }
    free(v);
    return hit;
}

/* What containment this machine gives student code, said once; and no
 * student code at all as root with nothing to drop to. */
static void contain(const char *root)
{
    sandbox_detect(&grader_sandbox, root);
    /* Root with nothing to drop to: a fork bomb would take the machine. */
    if (grader_sandbox.as_root && !getenv("GRADER_ALLOW_ROOT"))
        gr_die("refusing to run student code as root: %s. Fix that, run the "
               "grader as an ordinary user, or set GRADER_ALLOW_ROOT=1 to "
               "grade anyway (uncontained)",
               grader_sandbox.summary);
}

static int cmd_grade(struct cli *c)
{
    struct lab *labs = NULL, *sel;
    struct lab_result *rs;
    struct grade_opts o = {0};
    char *err = NULL, *tag, *tree, *outdir, *builddir, *path;
    int nlabs, nsel = 0, failed = 0, error = 0;
    double t0 = now_seconds();

    nlabs = lab_discover(c->root, &labs, &err);
    if (nlabs < 0)
        gr_die("%s", err);
    if (nlabs == 0)
        gr_die("no labs under %s/labs", c->root);
    /* Said once, under the total (the report's own line). */
    contain(c->root);
    if (c->mutant)
        return grade_mutant(c, labs, nlabs);

    /* --ref names the reference tree that "solutions" stands for. */
    tree = tree_resolve(
        c->root,
        c->ref && c->src && !strcmp(c->src, "solutions") ? c->ref : c->src,
        &tag);
    builddir = gr_printf("%s/build/trees/%s", c->root, tag);
    outdir = c->out ? gr_strdup(c->out) : gr_printf("%s/build/grade", c->root);
    mkdir_p(outdir);
    o.root = c->root;
    o.tree = tree;
    o.out = builddir;
    o.jobs = c->jobs;
    o.only = parse_only(c->only);
    o.quiet = c->quiet;
    o.only_test = c->test;
    if (c->trace) { /* TRACE=1: this run's timelines only */
        o.trace_dir = path_join(outdir, "traces");
        rm_rf(o.trace_dir);
    }

    rs = gr_alloc(sizeof(*rs) * (size_t)nlabs);
    for (int i = 0; i < nlabs; i++) {
        sel = &labs[i];
        if (c->lab && !lab_selected(labs, nlabs, c->lab, sel))
            continue;
        if (!c->quiet)
            fprintf(stderr, "grading %s from %s ...\n", sel->name, tag);
        if (grade_lab(sel, &o, &rs[nsel], &err) < 0)
            gr_die("%s", err);
        report_table(stdout, &rs[nsel], color_wanted());
        fflush(stdout);
        /* The student's own runs only: make check and the instructors'
         * tools grade labs/ too, but always into an --out of their own. */
        if (strcmp(tag, "labs") == 0 && !c->out)
            keep_progress(c->root, &rs[nsel]);
        nsel++;
    }
    if (nsel == 0)
        gr_die("LAB=%s: no such lab (try 01 or 01-processes)", c->lab);

    for (int i = 0; i < nsel; i++) {
        error |= rs[i].error;
        for (int k = 0; k < rs[i].nentries; k++)
            failed += !entry_passed(&rs[i].entries[k]);
    }
    path = path_join(outdir, "results.json");
    if (report_json(path, rs, nsel, now_seconds() - t0, containment_line(),
                    c->src) != 0)
        gr_die("cannot write %s", path);
    free(path);
    path = path_join(outdir, "junit.xml");
    if (report_junit(path, rs, nsel) != 0)
        gr_die("cannot write %s", path);
    free(path);
    path = path_join(outdir, "regrade.tsv");
    if (report_regrade(path, rs, nsel, c->src) != 0)
        gr_die("cannot write %s", path);
    {
        int score = 0, max = 0, pending = 0;

        for (int i = 0; i < nsel; i++) {
            score += rs[i].score;
            max += rs[i].max;
            pending += lab_pending(&rs[i]);
        }
        printf("\ntotal: %d/%d points; results in %s/results.json\n", score,
               max, outdir);
        if (pending)
            printf("PROVISIONAL: %d point%s not measured on this machine; "
                   "the checks to grade again: %s\n",
                   pending, pending == 1 ? "" : "s", path);
        printf("containment: %s\n", containment_line());
    }
    free(path);
    return error ? 2 : failed ? 1 : 0;
}

/*
 * exec: one command, run as the grader runs a test (the same supervisor,
 * sandbox and limits), for the tools that run student code outside
 * grading (make coverage): every run of student code goes through this one
 * door. The command's environment gets --env on top of the grader's own
 * (the sandbox resets PATH and HOME), HARNESS_TMPDIR=RUNDIR, and the
 * result channel a harness test binary reports on, which is ignored here.
 */
static int cmd_exec(struct cli *c)
{
    struct run_spec spec = {0};
    struct run_result r;
    char *dir, *bindir, *prog = NULL;
    int st; /* its wait status, -1 for a timeout */

    if (!c->cmd || !c->dir || !c->bindir || c->timeout <= 0)
        usage();
    /* The view binds both at the paths given: they must be absolute. */
    if (mkdir_p(c->dir) < 0 || !(dir = abs_path(c->dir)))
        gr_die("--dir %s: %s", c->dir, strerror(errno));
    if (!(bindir = abs_path(c->bindir)) || !is_dir(bindir))
        gr_die("--bindir %s: no such directory", c->bindir);
    /* The command runs in RUNDIR: a path relative to here would miss. */
    if (strchr(c->cmd[0], '/')) {
        if (!(prog = abs_path(c->cmd[0])))
            gr_die("%s: %s", c->cmd[0], strerror(errno));
        c->cmd[0] = prog;
    }
    contain(c->root);
    spec.argv = c->cmd;
    spec.env = c->env;
    spec.timeout = c->timeout;
    spec.workdir = dir;
    spec.bindir = bindir;
    spec.term_grace = 2;
    spec.task = -1;
    run_batch(&spec, &r, 1, 1, NULL);

    if (r.output)
        fputs(r.output, stdout);
    fflush(stdout);
    if (r.dropped)
        fprintf(stderr, "grader exec: output beyond 64 KiB dropped (%zu B)\n",
                r.dropped);
    if (r.killed)
        fprintf(stderr, "grader exec: %s\n", r.killed);
    if (r.leftovers > 0)
        fprintf(stderr, "grader exec: it left %d process%s behind, killed\n",
                r.leftovers, r.leftovers == 1 ? "" : "es");
    if (r.timed_out)
        fprintf(stderr, "grader exec: timed out after %g s\n", c->timeout);
    st = r.timed_out ? -1 : r.status;
    run_result_free(&r);
    free(prog);
    free(bindir);
    free(dir);
    if (st == -1)
        return 124;
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

static void show(const char *what, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    char line[256] = "";

    if (p && fgets(line, sizeof(line), p))
        trim(line);
    if (p)
        pclose(p);
    printf("  %-14s %s\n", what, *line ? line : "MISSING (run: make deps)");
}

static int cmd_doctor(struct cli *c)
{
    char *out = gr_printf("%s/build/doctor", c->root);
    int cpus = usable_cpus();

    printf("tools:\n");
    show("gcc", "gcc --version 2>/dev/null | head -1");
    show("clang", "clang --version 2>/dev/null | head -1");
    show("make", "make --version 2>/dev/null | head -1");
    show("patch", "patch --version 2>/dev/null | head -1");
    show("valgrind", "valgrind --version 2>/dev/null");
    show("gdb", "gdb --version 2>/dev/null | head -1");
    show("gcovr", "gcovr --version 2>/dev/null | head -1");
    show("gcov-tool", "gcov-tool --version 2>/dev/null | head -1");
    show("clang-format", "clang-format --version 2>/dev/null");
    show("cmocka", "dpkg-query -W -f '${Version}' libcmocka-dev 2>/dev/null");
    show("inih", "dpkg-query -W -f '${Version}' libinih-dev 2>/dev/null");
    show("jansson", "dpkg-query -W -f '${Version}' libjansson-dev 2>/dev/null");
    printf("cpus:\n  usable         %d (sched_getaffinity)%s\n", cpus,
           cpus < 2 ? ": CPU-bound speedup checks will be skipped" : "");
    printf("threadsanitizer:\n");
    {
        const char *arch;

        switch (tsan_probe(out, &arch)) {
        case TSAN_RUNS:
            printf("  runs here      yes\n");
            break;
        case TSAN_NEEDS_SETARCH:
        case TSAN_NEEDS_LAYOUT:
            printf("  runs here      only without ASLR: the grader uses "
                   "`setarch $(uname -m) -R`; or fix the kernel: sudo "
                   "sysctl vm.mmap_rnd_bits=28\n");
            break;
        default:
            printf("  runs here      NO: see %s/tsan-probe.log\n", out);
        }
    }
    show("mmap_rnd_bits", "cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null");
    sandbox_detect(&grader_sandbox, c->root);
    printf("containment:\n  %s\n", containment_line());
    if (!tests_contained(&grader_sandbox))
        printf("  make grade-class refuses to run here unless "
               "GRADE_CLASS_UNCONTAINED=1 (docs/instructors.md)\n");
    free(out);
    return 0;
}

/*
 * What a script needs before it runs anyone's code (grade-class asks
 * first, rather than learning it from the first report): "contained: yes"
 * or "contained: no", then the containment line.
 */
static int cmd_containment(struct cli *c)
{
    int yes;

    sandbox_detect(&grader_sandbox, c->root);
    yes = tests_contained(&grader_sandbox);
    printf("contained: %s\ncontainment: %s\n", yes ? "yes" : "no",
           containment_line());
    return yes ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct cli c = {0};

    if (argc < 2)
        usage();
    if (query_command(argv[1]))
        return query_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "trace") == 0)
        return trace_main(argc - 1, argv + 1);
    parse(argc - 1, argv + 1, &c);
    run_init();
    if (strcmp(argv[1], "grade") == 0)
        return cmd_grade(&c);
    if (strcmp(argv[1], "doctor") == 0)
        return cmd_doctor(&c);
    if (strcmp(argv[1], "containment") == 0)
        return cmd_containment(&c);
    if (strcmp(argv[1], "exec") == 0)
        return cmd_exec(&c);
    usage();
}
