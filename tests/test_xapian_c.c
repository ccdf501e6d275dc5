/* tests/test_xapian_c.c: the C binding over Xapian: every call returns a
   status, no exception escapes, and the Xapian features we rely on (fields,
   filters, ranges, sorting, exact multi-valued facets, snippets, reopen)
   behave as documented for Xapian 1.4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "indexer/xapian_c.h"

static void add(struct idx_xdb *db, const char *id, const char *title,
                const char *libs, int year)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdoc *d;
    assert_int_equal(idx_xdoc_new(&d, &err), WY_OK);
    assert_int_equal(idx_xdoc_text(d, "", title, strlen(title), 1, &err),
                     WY_OK);
    assert_int_equal(idx_xdoc_text(d, "S", title, strlen(title), 1, &err),
                     WY_OK);
    assert_int_equal(idx_xdoc_value(d, 1, libs, strlen(libs), &err), WY_OK);
    assert_int_equal(idx_xdoc_value(d, 2, title, strlen(title), &err), WY_OK);
    char y[18];
    size_t n = idx_x_sortable(year, y);
    assert_int_equal(idx_xdoc_value(d, 0, y, n, &err), WY_OK);
    assert_int_equal(idx_xdoc_term(d, "XLIB", libs, strlen(libs), &err), WY_OK);
    assert_int_equal(idx_xdoc_data(d, id, strlen(id), &err), WY_OK);
    char term[64];
    snprintf(term, sizeof(term), "Q%s", id);
    assert_int_equal(idx_xdb_replace(db, term, d, &err), WY_OK);
    idx_xdoc_free(d);
}

static struct idx_xresults *run(struct idx_xdb *db, struct idx_xquery *q)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx_xresults *r = NULL;
    if (idx_xquery_run(db, q, &r, &err) != WY_OK)
        fail_msg("query '%s': %s", q->text, wy_err_msg(&err));
    return r;
}

static struct idx_xquery base(const char *text)
{
    static const struct idx_xfield fields[] = {{"title", "S", 0},
                                               {"lib", "XLIB", 1}};
    struct idx_xquery q = {0};
    q.text = text;
    q.flags = IDX_QP_DEFAULT | IDX_QP_WILDCARD;
    q.default_and = 1;
    q.fields = fields;
    q.nfields = 2;
    q.sort_slot = -1;
    q.snippet_slot = -1;
    q.pagesize = 10;
    return q;
}

static uint64_t hits(struct idx_xdb *db, const char *text)
{
    struct idx_xquery q = base(text);
    struct idx_xresults *r = run(db, &q);
    uint64_t n = idx_xresults_count(r);
    idx_xresults_free(r);
    return n;
}

static void missing_database_is_an_error_not_an_exception(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *db = (struct idx_xdb *)1;
    assert_int_equal(
        idx_xdb_open(&db, "/nonexistent/wenyuan-index", IDX_XDB_READ, &err),
        WY_EINDEX);
    assert_null(db);
    assert_err(&err, WY_EINDEX, "'/nonexistent/wenyuan-index'");
    assert_err(&err, WY_EINDEX, "DatabaseNotFoundError");
    wy_err_release(&err);
    assert_int_equal(idx_xdb_close(NULL, &err), WY_OK);
}

static void second_writer_is_refused(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/x", dir);
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *w1, *w2 = NULL;
    assert_int_equal(idx_xdb_open(&w1, path, IDX_XDB_WRITE, &err), WY_OK);
    assert_int_equal(idx_xdb_open(&w2, path, IDX_XDB_WRITE, &err), WY_EINDEX);
    assert_err(&err, WY_EINDEX, "DatabaseLockError");
    assert_err(&err, WY_EINDEX, path);
    wy_err_release(&err);
    /* a read-only handle cannot write, and says so */
    struct idx_xdb *r;
    assert_int_equal(idx_xdb_open(&r, path, IDX_XDB_READ, &err), WY_OK);
    assert_int_equal(idx_xdb_set_meta(r, "k", "v", &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "read-only");
    wy_err_release(&err);
    assert_int_equal(idx_xdb_close(r, &err), WY_OK);
    assert_int_equal(idx_xdb_close(w1, &err), WY_OK);
    wy_test_rmdir(dir);
}

static void replace_and_delete_by_id_term(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *db;
    assert_int_equal(idx_xdb_open(&db, NULL, IDX_XDB_MEMORY, &err), WY_OK);
    add(db, "r1", "Pride and Prejudice", "Bodleian", 1813);
    add(db, "r2", "Sense and Sensibility", "Bodleian", 1811);
    add(db, "r1", "Pride and Prejudice, second edition", "Bodleian", 1817);
    uint64_t n;
    assert_int_equal(idx_xdb_doccount(db, &n, &err), WY_OK);
    assert_int_equal(n, 2);
    assert_int_equal(hits(db, "second"), 1);
    assert_int_equal(idx_xdb_delete(db, "Qr1", &err), WY_OK);
    assert_int_equal(idx_xdb_delete(db, "Qnone", &err), WY_OK);
    assert_int_equal(hits(db, "pride"), 0);
    int has;
    assert_int_equal(idx_xdb_has_term(db, "Qr2", &has, &err), WY_OK);
    assert_true(has);
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);
}

static void queries_fields_filters_ranges_sort(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *db;
    assert_int_equal(idx_xdb_open(&db, NULL, IDX_XDB_MEMORY, &err), WY_OK);
    add(db, "a", "running dogs", "L1", 1900);
    add(db, "b", "the dog runs", "L2", 1800);
    add(db, "c", "红楼梦 dogs", "L1\x1fL2", 1700);
    /* stemming: "run" finds running and runs */
    assert_int_equal(hits(db, "run"), 2);
    assert_int_equal(hits(db, "title:\"running dogs\""), 1);
    assert_int_equal(hits(db, "dog -run"), 1);
    assert_int_equal(hits(db, "dog*"), 3);
    assert_int_equal(hits(db, "lib:L2"), 1); /* the exact term is "L1\x1fL2" */
    /* Latin, space, CJK, Latin trips 1.4.22's parser; retried quoted */
    assert_int_equal(hits(db, "abc 红楼 def"), 0);
    assert_int_equal(hits(db, "dogs 红楼 dogs"), 1);
    assert_int_equal(hits(db, "dogs 红楼梦 dog*"), 1);

    struct idx_xquery q = base("dogs");
    struct idx_xfilter f[] = {{"XLIB", "L1"}, {"XLIB", "L2"}};
    q.filters = f;
    q.nfilters = 2; /* same prefix: ORed */
    char lo[18], hi[18];
    struct idx_xrange rg = {0, lo, hi, idx_x_sortable(1750, lo),
                            idx_x_sortable(1950, hi)};
    q.ranges = &rg;
    q.nranges = 1;
    q.sort_slot = 0;
    q.sort_reverse = 1;
    struct idx_xresults *r = run(db, &q);
    /* a (1900) and b (1800: "dog" is the stem of "dogs"); c is too old */
    assert_int_equal(idx_xresults_count(r), 2);
    assert_string_equal(idx_xresults_data(r, 0, NULL), "a");
    assert_string_equal(idx_xresults_data(r, 1, NULL), "b");
    idx_xresults_free(r);

    q.ranges = NULL;
    q.nranges = 0;
    q.text = "";
    r = run(db, &q);
    /* every document: L1 or L2 exact terms, "L1\x1fL2" is neither */
    assert_int_equal(idx_xresults_count(r), 2);
    assert_int_equal(idx_xresults_estimate(r), 2);
    assert_string_equal(idx_xresults_data(r, 0, NULL), "a"); /* newest */
    size_t len;
    const char *v = idx_xresults_value(r, 0, 2, &len);
    assert_string_equal(v, "running dogs");
    idx_xresults_free(r);
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);
}

static void multi_valued_facets_count_exactly(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *db;
    assert_int_equal(idx_xdb_open(&db, NULL, IDX_XDB_MEMORY, &err), WY_OK);
    add(db, "1", "book one", "L1\x1fL2", 1700);
    add(db, "2", "book two", "L2", 1700);
    add(db, "3", "book three", "L2\x1fL3\x1fL2", 1700); /* L2 once */
    add(db, "4", "pamphlet", "L1", 1700);
    struct idx_xquery q = base("book");
    unsigned slots[] = {1};
    q.facet_slots = slots;
    q.nfacets = 1;
    q.pagesize = 1; /* counts cover every match, not just the page */
    struct idx_xresults *r = run(db, &q);
    assert_int_equal(idx_xresults_nvalues(r, 0), 3);
    uint64_t c;
    size_t len;
    assert_string_equal(idx_xresults_facet(r, 0, 0, &len, &c), "L2");
    assert_int_equal(c, 3);
    assert_string_equal(idx_xresults_facet(r, 0, 1, &len, &c), "L1");
    assert_int_equal(c, 1);
    assert_string_equal(idx_xresults_facet(r, 0, 2, &len, &c), "L3");
    assert_int_equal(c, 1);
    assert_null(idx_xresults_facet(r, 0, 3, &len, &c));
    idx_xresults_free(r);
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);
}

static void snippets_highlight_fielded_and_cjk_terms(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *db;
    assert_int_equal(idx_xdb_open(&db, NULL, IDX_XDB_MEMORY, &err), WY_OK);
    add(db, "c", "红楼梦 & dogs", "L", 1791);
    struct idx_xquery q = base("title:红楼梦");
    q.snippet_slot = 2;
    q.hi_start = "[";
    q.hi_end = "]";
    struct idx_xresults *r = run(db, &q);
    assert_int_equal(idx_xresults_count(r), 1);
    const char *s = idx_xresults_snippet(r, 0);
    if (!strstr(s, "[红楼梦]") || !strstr(s, "&amp;"))
        fail_msg("snippet '%s'", s);
    idx_xresults_free(r);
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);
}

static void transactions_and_reopen(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/x", dir);
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *w, *r;
    assert_int_equal(idx_xdb_open(&w, path, IDX_XDB_WRITE, &err), WY_OK);
    assert_int_equal(idx_xdb_flush(w, &err), WY_OK);
    assert_int_equal(idx_xdb_open(&r, path, IDX_XDB_READ, &err), WY_OK);

    assert_int_equal(idx_xdb_begin(w, &err), WY_OK);
    assert_int_equal(idx_xdb_begin(w, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "already open");
    wy_err_release(&err);
    add(w, "x", "cancelled", "L", 1);
    assert_int_equal(idx_xdb_cancel(w, &err), WY_OK);
    assert_int_equal(hits(w, "cancelled"), 0);

    assert_int_equal(idx_xdb_begin(w, &err), WY_OK);
    add(w, "y", "committed", "L", 1);
    assert_int_equal(idx_xdb_set_meta(w, "seq", "42", &err), WY_OK);
    assert_int_equal(hits(r, "committed"), 0); /* not yet */
    assert_int_equal(idx_xdb_commit(w, &err), WY_OK);
    assert_int_equal(hits(r, "committed"), 0); /* reader's snapshot */
    int changed = 0;
    assert_int_equal(idx_xdb_reopen(r, &changed, &err), WY_OK);
    assert_true(changed);
    assert_int_equal(hits(r, "committed"), 1);
    char *v;
    assert_int_equal(idx_xdb_get_meta(r, "seq", &v, &err), WY_OK);
    assert_string_equal(v, "42");
    free(v);
    assert_int_equal(idx_xdb_get_meta(r, "nokey", &v, &err), WY_OK);
    assert_string_equal(v, "");
    free(v);
    assert_int_equal(idx_xdb_commit(w, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "none is open");
    wy_err_release(&err);
    assert_int_equal(idx_xdb_close(r, &err), WY_OK);
    assert_int_equal(idx_xdb_close(w, &err), WY_OK);
    wy_test_rmdir(dir);
}

static void long_terms_are_cut_not_rejected(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *db;
    assert_int_equal(idx_xdb_open(&db, NULL, IDX_XDB_MEMORY, &err), WY_OK);
    /* 100 CJK characters = 300 bytes, over Xapian's 245-byte term limit */
    char lib[301];
    for (int i = 0; i < 100; i++)
        memcpy(lib + 3 * i, "館", 3);
    lib[300] = '\0';
    add(db, "long", "text", lib, 1);
    struct idx_xquery q = base("");
    struct idx_xfilter f = {"XLIB", lib};
    q.filters = &f;
    q.nfilters = 1;
    struct idx_xresults *r = run(db, &q);
    assert_int_equal(idx_xresults_count(r), 1); /* cut the same way */
    idx_xresults_free(r);
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);
}

/* The background adder: documents added by the second thread are all
   there once the batch is committed, d is reusable at once, and an error
   of the adder (a term over Xapian's 245-byte limit, which the glass
   backend refuses when adding) comes back from the commit, naming the
   document, and the batch can be cancelled. */
static void documents_added_in_the_background(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/x", dir);
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *w;
    struct idx_xdoc *d;
    assert_int_equal(idx_xdb_open(&w, path, IDX_XDB_OVERWRITE, &err), WY_OK);
    assert_int_equal(idx_xdoc_new(&d, &err), WY_OK);
    assert_int_equal(idx_xdb_begin(w, &err), WY_OK);
    for (int i = 0; i < 500; i++) { /* more than the queue holds */
        char id[32], t[64];
        snprintf(id, sizeof(id), "Qd%d", i);
        snprintf(t, sizeof(t), "word%d common", i);
        assert_int_equal(idx_xdoc_clear(d, &err), WY_OK);
        assert_int_equal(idx_xdoc_text(d, "S", t, strlen(t), 1, &err), WY_OK);
        assert_int_equal(idx_xdoc_data(d, id + 1, strlen(id + 1), &err), WY_OK);
        assert_int_equal(idx_xdb_add_async(w, id, d, &err), WY_OK);
    }
    assert_int_equal(idx_xdb_commit(w, &err), WY_OK);
    uint64_t n = 0;
    assert_int_equal(idx_xdb_doccount(w, &n, &err), WY_OK);
    assert_int_equal(n, 500);
    assert_int_equal(hits(w, "title:word499"), 1);
    int has = 0;
    assert_int_equal(idx_xdb_has_term(w, "Qd250", &has, &err), WY_OK);
    assert_int_equal(has, 1);

    char prefix[300];
    memset(prefix, 'X', 299);
    prefix[299] = '\0';
    assert_int_equal(idx_xdb_begin(w, &err), WY_OK);
    assert_int_equal(idx_xdoc_clear(d, &err), WY_OK);
    assert_int_equal(idx_xdoc_text(d, prefix, "long", 4, 1, &err), WY_OK);
    assert_int_equal(idx_xdb_add_async(w, "Qbad", d, &err), WY_OK);
    assert_int_equal(idx_xdb_commit(w, &err), WY_EINDEX);
    assert_err(&err, WY_EINDEX, "'Qbad'");
    assert_non_null(strstr(wy_err_msg(&err), "adding a document"));
    wy_err_release(&err);
    assert_int_equal(idx_xdb_cancel(w, &err), WY_OK);
    assert_int_equal(idx_xdb_doccount(w, &n, &err), WY_OK);
    assert_int_equal(n, 500);
    idx_xdoc_free(d);
    assert_int_equal(idx_xdb_close(w, &err), WY_OK);
    wy_test_rmdir(dir);
}

/* Enquire::set_collapse_key through the binding: one hit per value of the
   slot, documents without a value never collapsed, exact totals when the
   facets visit every match; a value set in place moves a document. */
static void collapse_on_a_value_slot(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *db;
    assert_int_equal(idx_xdb_open(&db, NULL, IDX_XDB_MEMORY, &err), WY_OK);
    add(db, "d1", "red chamber", "A", 1791);
    add(db, "d2", "red chamber dream", "A", 1792);
    add(db, "d3", "red mansion", "B", 1793);
    add(db, "d4", "red house", "", 1794); /* no value: never collapsed */
    struct idx_xquery q = base("red");
    q.collapse = 1;
    q.collapse_slot = 1;
    unsigned slots[] = {1};
    q.facet_slots = slots;
    q.nfacets = 1;
    struct idx_xresults *r = run(db, &q);
    assert_int_equal(idx_xresults_count(r), 3);
    assert_int_equal(idx_xresults_estimate(r), 3);
    assert_int_equal(idx_xresults_uncollapsed(r), 4);
    uint64_t collapsed = 0;
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        const char *v = idx_xresults_value(r, i, 1, &len);
        uint64_t c = idx_xresults_collapsed(r, i);
        assert_int_equal(c, v && len == 1 && v[0] == 'A' ? 1 : 0);
        collapsed += c;
    }
    assert_int_equal(collapsed, 1);
    /* facets count documents, not collapsed hits */
    size_t len;
    uint64_t count = 0;
    const char *v = idx_xresults_facet(r, 0, 0, &len, &count);
    assert_true(len == 1 && v[0] == 'A');
    assert_int_equal(count, 2);
    idx_xresults_free(r);

    int changed = -1;
    assert_int_equal(idx_xdb_set_value(db, "Qd3", 1, "A", 1, &changed, &err),
                     WY_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(idx_xdb_set_value(db, "Qd3", 1, "A", 1, &changed, &err),
                     WY_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(
        idx_xdb_set_value(db, "Qnone", 1, "A", 1, &changed, &err), WY_OK);
    assert_int_equal(changed, 0);
    r = run(db, &q);
    assert_int_equal(idx_xresults_count(r), 2); /* A (three), and d4 */
    idx_xresults_free(r);
    assert_int_equal(idx_xdb_set_value(db, "Qd4", 1, "", 0, &changed, &err),
                     WY_OK);
    assert_int_equal(changed, 0); /* it had none */
    q.collapse = 0;
    r = run(db, &q);
    assert_int_equal(idx_xresults_count(r), 4);
    assert_int_equal(idx_xresults_collapsed(r, 0), 0);
    idx_xresults_free(r);
    assert_int_equal(hits(db, "mansion"), 1); /* d3's terms are intact */
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);

    /* a reader cannot take a value */
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/x", dir);
    assert_int_equal(idx_xdb_open(&db, path, IDX_XDB_WRITE, &err), WY_OK);
    add(db, "d1", "red chamber", "A", 1791);
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);
    assert_int_equal(idx_xdb_open(&db, path, IDX_XDB_READ, &err), WY_OK);
    assert_int_equal(idx_xdb_set_value(db, "Qd1", 1, "B", 1, &changed, &err),
                     WY_ESTATE);
    assert_err(&err, WY_ESTATE, "setting a value");
    assert_err(&err, WY_ESTATE, path);
    wy_err_release(&err);
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);
    wy_test_rmdir(dir);
}

/* A repeated query takes its totals and facet counts from the reader's
   cache; each hit's count of collapsed records must still be exact (every
   match visited), page after page. */
static void collapse_counts_on_a_cached_repeat(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/x", dir);
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *w, *r;
    assert_int_equal(idx_xdb_open(&w, path, IDX_XDB_WRITE, &err), WY_OK);
    for (int i = 0; i < 40; i++) { /* 8 works of 5 records each */
        char id[16], lib[8];
        snprintf(id, sizeof(id), "d%d", i);
        snprintf(lib, sizeof(lib), "W%d", i % 8);
        add(w, id, "red chamber", lib, 1700 + i);
    }
    assert_int_equal(idx_xdb_close(w, &err), WY_OK);
    assert_int_equal(idx_xdb_open(&r, path, IDX_XDB_READ, &err), WY_OK);
    struct idx_xquery q = base(""); /* all: weights 0, so Xapian stops early
                                       unless told to visit every match */
    q.collapse = 1;
    q.collapse_slot = 1;
    q.exact_total = 1;
    unsigned slots[] = {1};
    q.facet_slots = slots;
    q.nfacets = 1;
    q.pagesize = 2;
    for (int round = 0; round < 2; round++) /* the second from the cache */
        for (size_t page = 0; page < 4; page++) {
            q.offset = page * 2;
            struct idx_xresults *x = run(r, &q);
            assert_int_equal(idx_xresults_estimate(x), 8);
            assert_int_equal(idx_xresults_uncollapsed(x), 40);
            assert_int_equal(idx_xresults_count(x), 2);
            for (size_t i = 0; i < 2; i++)
                assert_int_equal(idx_xresults_collapsed(x, i), 4);
            idx_xresults_free(x);
        }
    assert_int_equal(idx_xdb_close(r, &err), WY_OK);
    wy_test_rmdir(dir);
}

/* Facet values as dictionary ids (facets_packed 2): a writer numbers each
   (facet, value) once, ids survive closing, a cancelled id is forgotten,
   and a reader counts by id and names the ids it meets, those of a newer
   commit only after reopening. */
static void add_ids(struct idx_xdb *w, const char *id, const char *const *vals)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdoc *d;
    assert_int_equal(idx_xdoc_new(&d, &err), WY_OK);
    assert_int_equal(idx_xdoc_text(d, "S", "book", 4, 1, &err), WY_OK);
    unsigned char v[64];
    size_t n = 0;
    for (size_t i = 0; vals[i]; i++) { /* "F:value" */
        uint32_t fid;
        assert_int_equal(idx_xdb_facet_id(w, (unsigned)(vals[i][0] - '0'),
                                          vals[i] + 2, strlen(vals[i] + 2),
                                          &fid, &err),
                         WY_OK);
        for (; fid; fid >>= 7)
            v[n++] = (unsigned char)((fid & 0x7f) | (fid > 0x7f ? 0x80 : 0));
    }
    assert_int_equal(idx_xdoc_value(d, 5, (const char *)v, n, &err), WY_OK);
    assert_int_equal(idx_xdoc_data(d, id, strlen(id), &err), WY_OK);
    char term[64];
    snprintf(term, sizeof(term), "Q%s", id);
    assert_int_equal(idx_xdb_add_async(w, term, d, &err), WY_OK);
    idx_xdoc_free(d);
}

/* "value:count,..." of facet f, in result order */
static void expect_facet(struct idx_xdb *db, size_t f, const char *want)
{
    struct idx_xquery q = base("title:book");
    unsigned slots[] = {5, 5};
    q.facet_slots = slots;
    q.nfacets = 2;
    q.facets_packed = 2;
    q.pagesize = 1;
    struct idx_xresults *r = run(db, &q);
    char got[256] = "";
    for (size_t k = 0; k < idx_xresults_nvalues(r, f); k++) {
        uint64_t c;
        size_t len;
        const char *v = idx_xresults_facet(r, f, k, &len, &c);
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s:%llu",
                 k ? "," : "", v, (unsigned long long)c);
    }
    idx_xresults_free(r);
    assert_string_equal(got, want);
}

static void facet_ids_count_exactly_and_reload(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/x", dir);
    struct wy_err err = WY_ERR_INIT;
    struct idx_xdb *w, *r;
    assert_int_equal(idx_xdb_open(&w, path, IDX_XDB_OVERWRITE, &err), WY_OK);
    assert_int_equal(idx_xdb_begin(w, &err), WY_OK);
    add_ids(w, "1", (const char *const[]){"0:L1", "0:L2", "1:chi", NULL});
    add_ids(w, "2", (const char *const[]){"0:L2", "1:chi", NULL});
    /* the same value in two facets: two ids */
    add_ids(w, "3", (const char *const[]){"0:chi", "1:chi", NULL});
    assert_int_equal(idx_xdb_commit(w, &err), WY_OK);
    assert_int_equal(idx_xdb_open(&r, path, IDX_XDB_READ, &err), WY_OK);
    expect_facet(r, 0, "L2:2,L1:1,chi:1");
    expect_facet(r, 1, "chi:3");
    expect_facet(w, 0, "L2:2,L1:1,chi:1"); /* the writer names them too */

    /* a cancelled new value leaves no trace; its id is given again */
    uint32_t l1, x9, l4;
    assert_int_equal(idx_xdb_facet_id(w, 0, "L1", 2, &l1, &err), WY_OK);
    assert_int_equal(idx_xdb_begin(w, &err), WY_OK);
    add_ids(w, "9", (const char *const[]){"0:L9", NULL});
    assert_int_equal(idx_xdb_facet_id(w, 0, "L9", 2, &x9, &err), WY_OK);
    assert_int_equal(idx_xdb_cancel(w, &err), WY_OK);
    assert_int_equal(idx_xdb_begin(w, &err), WY_OK);
    add_ids(w, "4", (const char *const[]){"0:L4", "0:L1", "1:chi", NULL});
    assert_int_equal(idx_xdb_facet_id(w, 0, "L4", 2, &l4, &err), WY_OK);
    assert_int_equal(l4, x9);
    assert_int_equal(idx_xdb_commit(w, &err), WY_OK);

    /* the reader: its snapshot until it reopens, then the new id */
    expect_facet(r, 0, "L2:2,L1:1,chi:1");
    int changed = 0;
    assert_int_equal(idx_xdb_reopen(r, &changed, &err), WY_OK);
    assert_int_equal(changed, 1);
    expect_facet(r, 0, "L1:2,L2:2,L4:1,chi:1");
    expect_facet(r, 1, "chi:4");

    /* the dictionary outlives the writer */
    assert_int_equal(idx_xdb_close(w, &err), WY_OK);
    assert_int_equal(idx_xdb_open(&w, path, IDX_XDB_WRITE, &err), WY_OK);
    uint32_t again;
    assert_int_equal(idx_xdb_facet_id(w, 0, "L1", 2, &again, &err), WY_OK);
    assert_int_equal(again, l1);
    assert_int_equal(idx_xdb_facet_id(w, 0, "L5", 2, &again, &err), WY_OK);
    assert_int_equal(again, l4 + 1);
    assert_int_equal(idx_xdb_close(w, &err), WY_OK);

    /* a reader cannot number values */
    assert_int_equal(idx_xdb_facet_id(r, 0, "L1", 2, &again, &err),
                     WY_ESTATE);
    assert_err(&err, WY_ESTATE, "numbering a facet value");
    assert_non_null(strstr(wy_err_msg(&err), path));
    wy_err_release(&err);
    assert_int_equal(idx_xdb_close(r, &err), WY_OK);
    wy_test_rmdir(dir);
}

WY_GROUP(xapian_c, NULL, NULL,
         cmocka_unit_test(missing_database_is_an_error_not_an_exception),
         cmocka_unit_test(second_writer_is_refused),
         cmocka_unit_test(replace_and_delete_by_id_term),
         cmocka_unit_test(queries_fields_filters_ranges_sort),
         cmocka_unit_test(multi_valued_facets_count_exactly),
         cmocka_unit_test(snippets_highlight_fielded_and_cjk_terms),
         cmocka_unit_test(transactions_and_reopen),
         cmocka_unit_test(long_terms_are_cut_not_rejected),
         cmocka_unit_test(documents_added_in_the_background),
         cmocka_unit_test(collapse_counts_on_a_cached_repeat),
         cmocka_unit_test(collapse_on_a_value_slot),
         cmocka_unit_test(facet_ids_count_exactly_and_reload))
