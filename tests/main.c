/* tests/main.c: runs every test group, or those named on the command line,
   and ends with the line CI reads: "N passed, N failed".

   Each group runs in a process of its own, forked from this one while it
   is still single-threaded: groups leave threads behind (libvips workers,
   servers), and a group that forks a child (the kill tests) from a process
   with other threads can deadlock that child on a lock another thread held
   at the fork. Leak checks and crashes also stay with their group. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define X(name) int wy_group_##name(size_t *ntests);
#include "test_groups.h"
#undef X

struct group {
    const char *name;
    int (*run)(size_t *ntests);
};

static const struct group groups[] = {
#define X(name) {#name, wy_group_##name},
#include "test_groups.h"
#undef X
    {NULL, NULL},
};

static int selected(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

/* Runs g in a child; its counts come back through a pipe. Non-zero when
   the child did not end normally (a crash, a sanitizer report at exit):
   then *nfailed counts at least one. */
static int run_isolated(const struct group *g, size_t *ntests, size_t *nfailed)
{
    int fds[2];
    fflush(NULL);
    if (pipe(fds) != 0) {
        perror("run-tests: pipe");
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("run-tests: fork");
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        size_t n = 0;
        int f = g->run(&n);
        size_t out[2] = {n, (size_t)f};
        if (write(fds[1], out, sizeof(out)) != (ssize_t)sizeof(out))
            _exit(3);
        close(fds[1]);
        fflush(NULL);
        exit(0); /* exit, not _exit: the leak check runs at exit */
    }
    close(fds[1]);
    size_t got[2] = {0, 0};
    ssize_t r = read(fds[0], got, sizeof(got));
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        ;
    if (r == (ssize_t)sizeof(got)) {
        *ntests = got[0];
        *nfailed = got[1];
    }
    if (r != (ssize_t)sizeof(got) || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (WIFSIGNALED(st))
            fprintf(stderr, "run-tests: group %s: killed by signal %d\n",
                    g->name, WTERMSIG(st));
        else
            fprintf(stderr, "run-tests: group %s: ended with status %d\n",
                    g->name, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        if (*nfailed == 0)
            *nfailed = 1;
        if (*ntests < *nfailed)
            *ntests = *nfailed;
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t passed = 0, failed = 0, ran = 0;
    for (const struct group *g = groups; g->name; g++) {
        if (!selected(g->name, argc, argv))
            continue;
        size_t n = 0, f = 0;
        ran++;
        if (run_isolated(g, &n, &f) != 0) {
            failed += f ? f : 1;
            passed += n > f ? n - f : 0;
            continue;
        }
        failed += f;
        passed += n - f;
    }
    if (argc > 1 && ran == 0) {
        fprintf(stderr, "run-tests: no such group; groups are:");
        for (const struct group *g = groups; g->name; g++)
            fprintf(stderr, " %s", g->name);
        fprintf(stderr, "\n");
        return 2;
    }
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? 1 : 0;
}
