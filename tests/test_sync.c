/* tests/test_sync.c: the catalog's change log to the index, and the
   `wenyuan index` / `wenyuan search` commands, on real records: the ten
   Beijing Normal University records of ../shared/fixtures (dp2 SRU
   samples, MARC 21 and CNMARC) and pymarc's English MARC 21 records. The
   counts expected are computed from the records as read, not from the
   index. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#include "formats/format.h"
#include "indexer/idx.h"
#include "indexer/sync.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/store.h"

struct fx {
    char *dir, home[4096];
    struct wy_home *h;
    int64_t ids[64];
    char titles[64][512];
    int held[64]; /* has a holding of 86BNU_INST */
    size_t n;
};

/* Reads every record of a fixture file into the catalog under source. */
static void load(struct fx *f, const char *rel, const char *source)
{
    struct wy_err err = WY_ERR_INIT;
    int fd = open(wy_fixture(rel), O_RDONLY);
    assert_true(fd >= 0);
    struct fmt_reader *r;
    assert_int_equal(fmt_reader_open_fd(&r, NULL, fd, rel, &err), WY_OK);
    struct wy_record *rec;
    wy_code rc;
    while ((rc = fmt_reader_next(r, &rec, &err)) != WY_EOF) {
        if (rc != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        char local[64];
        snprintf(local, sizeof(local), "%s-%zu", source, f->n);
        struct cat_put in = {0};
        in.source = source;
        in.local_id = local;
        in.collection = "guji";
        in.rec = rec;
        struct cat_put_result res;
        if (cat_put_record(f->h->cat, &in, &res, &err) != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        assert_true(f->n < 64);
        f->ids[f->n] = res.id;
        f->titles[f->n][0] = '\0';
        for (size_t i = 0; i < rec->desc.ntitles; i++) {
            size_t l = strlen(f->titles[f->n]);
            snprintf(f->titles[f->n] + l, sizeof(f->titles[0]) - l, "%s|",
                     rec->desc.titles[i]);
        }
        f->held[f->n] = 0;
        for (size_t i = 0; i < rec->desc.nholdings; i++)
            if (rec->desc.holdings[i].institution &&
                !strcmp(rec->desc.holdings[i].institution, "86BNU_INST"))
                f->held[f->n] = 1;
        f->n++;
    }
    fmt_reader_free(r);
    close(fd);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->dir = wy_test_tmpdir();
    snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
    if (home_init(f->home, &err) != WY_OK ||
        home_open(&f->h, f->home, 0, &err) != WY_OK) {
        print_error("%s\n", wy_err_msg(&err));
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    home_close(f->h);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

static uint64_t count(struct fx *f, const char *q, const char *facet,
                      const char *value, uint64_t *facet_count)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    struct idx_result *r;
    if (idx_open(&x, f->h->index_path, IDX_READ, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    struct idx_query iq = IDX_QUERY_INIT;
    iq.q = q;
    if (idx_search(x, &iq, &r, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    uint64_t n = r->total;
    if (facet_count) {
        *facet_count = 0;
        for (size_t fi = 0; fi < IDX_NFACETS; fi++)
            if (!strcmp(r->facets[fi].name, facet))
                for (size_t k = 0; k < r->facets[fi].nvalues; k++)
                    if (!strcmp(r->facets[fi].values[k].value, value))
                        *facet_count = r->facets[fi].values[k].count;
    }
    idx_result_free(r);
    idx_close(x, NULL);
    return n;
}

static uint64_t titles_with(struct fx *f, const char *needle)
{
    uint64_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += strstr(f->titles[i], needle) != NULL;
    return n;
}

static void changes_reach_the_index(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    load(f, "records/dp2-sru-cnmarc/sample_marcxml.xml", "bnu");
    load(f, "records/dp2-sru-cnmarc/sample_cnmarcxml.xml", "bnucn");
    size_t first = f->n;

    /* a new index is filled from the catalog's records */
    struct idx_sync_stats s;
    int64_t last;
    assert_int_equal(idx_update_home(f->h, 0, 0, NULL, &s, &err), WY_OK);
    assert_int_equal(cat_last_seq(f->h->cat, &last, &err), WY_OK);
    assert_int_equal(s.indexed, first);
    assert_int_equal(s.to_seq, (uint64_t)last);

    /* then from the change log, in small batches: several transactions */
    load(f, "records/pymarc/test.dat", "pymarc");
    assert_true(f->n > first + 5);
    assert_int_equal(idx_update_home(f->h, 0, 7, NULL, &s, &err), WY_OK);
    assert_int_equal(s.from_seq, (uint64_t)last);
    assert_int_equal(cat_last_seq(f->h->cat, &last, &err), WY_OK);
    assert_int_equal(s.indexed, f->n - first);
    assert_int_equal(s.changes, f->n - first);
    assert_int_equal(s.to_seq, (uint64_t)last);

    assert_int_equal(count(f, "", NULL, NULL, NULL), f->n);
    /* words of the records' own titles, counted over the records as read */
    const char *words[] = {"中国改革跟踪报告", "报告", "中国", "发展"};
    for (size_t i = 0; i < 4; i++) {
        char q[128];
        snprintf(q, sizeof(q), "title:%s", words[i]);
        assert_int_equal(count(f, q, NULL, NULL, NULL),
                         titles_with(f, words[i]));
    }
    /* English stemming: "program" finds Programming (Porter's stem of
       "programmer" is "programm": not found) */
    uint64_t stem =
        titles_with(f, "Programming") + titles_with(f, "programming");
    assert_true(stem >= 3);
    assert_int_equal(count(f, "title:program", NULL, NULL, NULL), stem);
    uint64_t held = 0, fc;
    for (size_t i = 0; i < f->n; i++)
        held += (uint64_t)f->held[i];
    count(f, "", "library", "86BNU_INST", &fc);
    assert_int_equal(fc, held);
    count(f, "", "collection", "guji", &fc);
    assert_int_equal(fc, f->n);

    /* nothing new: nothing done */
    assert_int_equal(idx_update_home(f->h, 0, 0, NULL, &s, &err), WY_OK);
    assert_int_equal(s.changes, 0);
    assert_int_equal(s.from_seq, (uint64_t)last);

    /* a deletion in the catalog propagates */
    size_t victim = 0;
    while (victim < f->n && !strstr(f->titles[victim], "中国改革跟踪报告"))
        victim++;
    assert_true(victim < f->n);
    char local[64];
    snprintf(local, sizeof(local), "bnu-%zu", victim);
    assert_int_equal(
        cat_delete_record(f->h->cat, "bnu", local, NULL, NULL, NULL, &err),
        WY_OK);
    assert_int_equal(idx_update_home(f->h, 0, 0, NULL, &s, &err), WY_OK);
    assert_int_equal(s.changes, 1);
    assert_int_equal(s.deleted, 1);
    assert_int_equal(count(f, "中国改革跟踪报告", NULL, NULL, NULL),
                     titles_with(f, "中国改革跟踪报告") - 1);
    assert_int_equal(count(f, "", NULL, NULL, NULL), f->n - 1);

    /* a rebuild gives the same index */
    assert_int_equal(idx_update_home(f->h, 1, 0, NULL, &s, &err), WY_OK);
    assert_int_equal(s.from_seq, 0);
    assert_int_equal(count(f, "", NULL, NULL, NULL), f->n - 1);
}

static void commands_index_and_search(void **state)
{
    struct fx *f = *state;
    load(f, "records/dp2-sru-cnmarc/sample_marcxml.xml", "bnu");
    char cmd[8192], *out = NULL;
    snprintf(cmd, sizeof(cmd), "%s index -H '%s' 2>&1", wy_test_bin(), f->home);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "indexed 10 records"));
    free(out);
    snprintf(cmd, sizeof(cmd),
             "%s -H '%s' search --json --facet library:86BNU_INST "
             "中國改革跟蹤報告",
             wy_test_bin(), f->home);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    if (!strstr(out, "\"total\":1,") || !strstr(out, "08中国改革跟踪报告") ||
        !strstr(out, "<b>中国改革跟踪报告</b>"))
        fail_msg("output: %s", out);
    free(out);
    snprintf(cmd, sizeof(cmd), "%s search -H '%s' --sort size x 2>&1",
             wy_test_bin(), f->home);
    assert_int_equal(wy_test_run(cmd, &out), 2);
    assert_non_null(strstr(out, "unknown sort 'size'"));
    free(out);
    snprintf(cmd, sizeof(cmd), "%s search -H '%s/nohome' x 2>&1", wy_test_bin(),
             f->dir);
    assert_int_equal(wy_test_run(cmd, &out), 1);
    assert_non_null(strstr(out, "nohome/index"));
    free(out);
    snprintf(cmd, sizeof(cmd), "%s index -H '%s/nohome' 2>&1", wy_test_bin(),
             f->dir);
    assert_int_not_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "nohome"));
    free(out);
}

/* Text files of a record's digitized object (OCR as plain text and hOCR)
   are its full text. */
static void object_text_is_full_text(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    load(f, "records/dp2-sru-cnmarc/sample_marcxml.xml", "bnu");
    char page[8192], hocr[8192];
    snprintf(page, sizeof(page), "%s/p1.txt", f->dir);
    snprintf(hocr, sizeof(hocr), "%s/p2.hocr", f->dir);
    FILE *fp = fopen(page, "w");
    fputs("都云作者痴，誰解其中味", fp);
    fclose(fp);
    fp = fopen(hocr, "w");
    fputs("<html><body><div class='ocr_page'><span class='ocrx_word'>"
          "滿紙荒唐言</span></div></body></html>",
          fp);
    fclose(fp);
    struct store *st;
    assert_int_equal(store_open(&st, f->h->store_path, &err), WY_OK);
    struct store_version *v;
    assert_int_equal(store_version_begin(st, "obj-1", &v, &err), WY_OK);
    assert_int_equal(store_version_add_file(v, "p1.txt", page, NULL, &err),
                     WY_OK);
    assert_int_equal(store_version_add_file(v, "p2.hocr", hocr, NULL, &err),
                     WY_OK);
    assert_int_equal(store_version_commit(v, NULL, &err), WY_OK);
    store_close(st);
    struct cat_object o = {0};
    o.ocfl_id = "obj-1";
    o.record_id = f->ids[3];
    o.head = "v1";
    assert_int_equal(cat_object_put(f->h->cat, &o, &err), WY_OK);
    struct cat_file files[2] = {{0}, {0}};
    files[0].path = "p1.txt";
    files[0].size = 33;
    files[0].sha512 = "0";
    files[1].path = "p2.hocr";
    files[1].size = 100;
    files[1].sha512 = "0";
    assert_int_equal(cat_object_set_files(f->h->cat, "obj-1", files, 2, &err),
                     WY_OK);
    struct idx_sync_stats s;
    assert_int_equal(idx_update_home(f->h, 0, 0, NULL, &s, &err), WY_OK);
    assert_int_equal(s.texts, 2);
    assert_int_equal(count(f, "text:谁解其中味", NULL, NULL, NULL), 1);
    assert_int_equal(count(f, "荒唐言", NULL, NULL, NULL), 1);
    assert_int_equal(count(f, "text:ocr_page", NULL, NULL, NULL), 0);
}

/* clang-format off */
WY_GROUP(sync, NULL, NULL,
    cmocka_unit_test_setup_teardown(changes_reach_the_index, setup, teardown),
    cmocka_unit_test_setup_teardown(commands_index_and_search, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(object_text_is_full_text, setup,
                                    teardown))
/* clang-format on */
