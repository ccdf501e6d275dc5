/* tests/bench/bench_index.c: the indexing and search benchmark's in-process
   side (tests/bench/index.sh builds and runs it).
     bench_index index DIR FILE...   index records (ISO 2709, MARCXML...)
                                     read with the format readers into a new
                                     index at DIR; prints records and seconds
     bench_index search DIR QUERIES  runs each line "QUERY<TAB>FROM<TAB>TO"
                                     (years may be empty) through idx_search
                                     (10 hits, all facets; none with
                                     BENCH_NOFACETS=1); prints
                                     "HITS<TAB>MS<TAB>CPU-MS" per line
     bench_index ids DIR QUERIES     the same, printing the ids of the
                                     first 1000 hits of each query
     bench_index facets DIR QUERIES  the same, printing each query's total
                                     and every facet value with its count */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "formats/format.h"
#include "indexer/idx.h"
#include "indexer/sync.h"

static int die(const char *what, struct wy_err *err)
{
    fprintf(stderr, "bench_index: %s: %s\n", what, wy_err_msg(err));
    return 1;
}

/* CPU seconds of this thread: on a shared machine wall time also counts
   the time other processes held the CPU. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_index(const char *dir, int nfiles, char **files)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    if (idx_open(&x, dir, IDX_REBUILD, &err) != WY_OK)
        return die(dir, &err);
    /* a new index, each record once: documents are added without lookups,
       as `wenyuan index` fills a new or rebuilt index */
    idx_set_fresh(x, 1);
    /* BENCH_THREADS=2: documents written by a second thread */
    if (getenv("BENCH_THREADS"))
        idx_set_threads(x, atoi(getenv("BENCH_THREADS")));
    double t0 = wy_now();
    unsigned long n = 0, bad = 0;
    /* records per commit: as `wenyuan index` (IDX_SYNC_BATCH) unless
       BENCH_BATCH says otherwise */
    unsigned long batch = getenv("BENCH_BATCH")
                              ? strtoul(getenv("BENCH_BATCH"), NULL, 10)
                              : IDX_SYNC_BATCH;
    if (!batch)
        batch = IDX_SYNC_BATCH;
    double commit_cpu = 0; /* CPU seconds in idx_commit (Xapian's flushes) */
    if (idx_begin(x, &err) != WY_OK)
        return die("begin", &err);
    for (int f = 0; f < nfiles; f++) {
        int fd = open(files[f], O_RDONLY);
        struct fmt_reader *r;
        if (fd < 0 || fmt_reader_open_fd(&r, NULL, fd, files[f], &err) != WY_OK)
            return die(files[f], &err);
        struct wy_record *rec;
        wy_code rc;
        while ((rc = fmt_reader_next(r, &rec, &err)) != WY_EOF) {
            if (rc != WY_OK) {
                bad++;
                wy_err_release(&err);
                continue;
            }
            char id[32];
            snprintf(id, sizeof(id), "%lu", n + 1);
            const char *rid = rec->desc.id ? rec->desc.id : id;
            struct idx_meta m = {rid, "bench", "guji", NULL, 0, 0, 0};
            if (!getenv("BENCH_PARSE_ONLY") &&
                idx_put(x, rec, &m, NULL, 0, &err) != WY_OK)
                return die("put", &err);
            if (++n % batch == 0) {
                double c0 = cpu_now();
                if (idx_commit(x, &err) != WY_OK || idx_begin(x, &err) != WY_OK)
                    return die("commit", &err);
                commit_cpu += cpu_now() - c0;
            }
        }
        fmt_reader_free(r);
        close(fd);
    }
    if (idx_commit(x, &err) != WY_OK || idx_close(x, &err) != WY_OK)
        return die("commit", &err);
    double dt = wy_now() - t0;
    printf("%lu\t%.3f\t%lu\n", n, dt, bad);
    if (getenv("BENCH_VERBOSE"))
        fprintf(stderr, "commits: %.2f s CPU of this thread\n", commit_cpu);
    return 0;
}

static int run_search(const char *dir, const char *qfile, int ids)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    if (idx_open(&x, dir, IDX_READ, &err) != WY_OK)
        return die(dir, &err);
    FILE *fp = fopen(qfile, "r");
    if (!fp) {
        perror(qfile);
        return 1;
    }
    char line[4096];
    while (fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\n")] = '\0';
        char *from = strchr(line, '\t'), *to = NULL;
        if (from) {
            *from++ = '\0';
            to = strchr(from, '\t');
            if (to)
                *to++ = '\0';
        }
        struct idx_query q = IDX_QUERY_INIT;
        q.q = line;
        q.page_size = ids == 1 ? 1000 : 10;
        q.no_facets = getenv("BENCH_NOFACETS") != NULL;
        if (from && *from)
            q.from_year = (int)strtol(from, NULL, 10);
        if (to && *to)
            q.to_year = (int)strtol(to, NULL, 10);
        struct idx_result *r;
        double t0 = wy_now(), c0 = cpu_now();
        if (idx_search(x, &q, &r, &err) != WY_OK) {
            printf("ERR\t0\t%s\n", wy_err_msg(&err));
            wy_err_release(&err);
            continue;
        }
        double ms = (wy_now() - t0) * 1000.0;
        double cms = (cpu_now() - c0) * 1000.0;
        if (ids == 2) { /* the total and every facet count */
            printf("%llu", (unsigned long long)r->total);
            for (int f = 0; f < IDX_NFACETS; f++)
                for (size_t k = 0; k < r->facets[f].nvalues; k++)
                    printf("\t%s=%s:%llu", r->facets[f].name,
                           r->facets[f].values[k].value,
                           (unsigned long long)r->facets[f].values[k].count);
            putchar('\n');
        } else if (ids) { /* the ids of the first 1000 hits */
            for (size_t i = 0; i < r->nhits; i++)
                printf("%s%s", i ? " " : "", r->hits[i].id);
            putchar('\n');
        } else {
            printf("%llu\t%.3f\t%.3f\n", (unsigned long long)r->total, ms, cms);
        }
        idx_result_free(r);
    }
    fclose(fp);
    idx_close(x, &err);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "index"))
        return run_index(argv[2], argc - 3, argv + 3);
    if (argc == 4 && !strcmp(argv[1], "search"))
        return run_search(argv[2], argv[3], 0);
    if (argc == 4 && !strcmp(argv[1], "ids"))
        return run_search(argv[2], argv[3], 1);
    if (argc == 4 && !strcmp(argv[1], "facets"))
        return run_search(argv[2], argv[3], 2);
    fprintf(stderr, "usage: bench_index index DIR FILE... | search DIR "
                    "QUERIES | ids DIR QUERIES | facets DIR QUERIES\n");
    return 2;
}
