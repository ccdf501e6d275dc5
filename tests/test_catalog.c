/* tests/test_catalog.c: the SQLite catalog: upserts and change detection,
   tombstones, the change log, transactions, keyset listing, sources and
   checkpoints, collections, objects, the journal, and home init/open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "core/buf.h"
#include "core/path.h"
#include "repository/catalog.h"
#include "repository/home.h"
#include "repository/recjson.h"

struct fx {
    char *dir;
    struct cat *cat;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->dir = wy_test_tmpdir();
    struct wy_buf p = WY_BUF_INIT(4096);
    wy_path_join(&p, f->dir, "catalog.db");
    if (cat_open(&f->cat, wy_buf_cstr(&p), CAT_CREATE, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    wy_buf_release(&p);
    if (cat_seed(f->cat, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    cat_close(f->cat);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

/* A small MARC 21 record: 001, 245 $a title, 100 $a creator. */
static struct wy_record *make_rec(const char *id, const char *title)
{
    struct wy_record *r = wy_record_new();
    r->kind = WY_MARC21;
    memcpy(r->leader, "00000nam a2200000 a 4500", 24);
    wy_record_add_control(r, "001", id, strlen(id));
    struct wy_field *f = wy_record_add_field(r, "245", '1', '0');
    wy_field_add_sub(r, f, 'a', title, strlen(title));
    f = wy_record_add_field(r, "100", '0', ' ');
    wy_field_add_sub(r, f, 'a', "曹雪芹", strlen("曹雪芹"));
    wy_desc_add_title(r, title, strlen(title));
    struct wy_name nm = {"曹雪芹", "撰", "清", NULL, 1, 0};
    wy_desc_add_creator(r, &nm);
    r->desc.year_from = 1791;
    r->desc.year_to = 1791;
    wy_desc_set(r, &r->desc.id, id, strlen(id));
    r->format = "marcxml";
    r->orig = "<record/>";
    r->orig_len = 9;
    return r;
}

static void put(struct cat *c, const char *src, const char *id,
                const char *title, enum cat_action want,
                struct cat_put_result *res)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = make_rec(id, title);
    struct cat_put in = {0};
    in.source = src;
    in.local_id = id;
    in.rec = r;
    struct cat_put_result tmp;
    if (!res)
        res = &tmp;
    if (cat_put_record(c, &in, res, &err) != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
    assert_int_equal(res->action, want);
    wy_record_free(r);
}

static void upsert_detects_changes(void **state)
{
    struct fx *f = *state;
    struct cat_put_result r1, r2, r3;
    cat_set_now(f->cat, "2026-01-01T00:00:00Z", NULL);
    put(f->cat, NULL, "b1", "红楼梦", CAT_ADDED, &r1);
    assert_true(r1.seq > 0);
    cat_set_now(f->cat, "2026-01-02T00:00:00Z", NULL);
    put(f->cat, NULL, "b1", "红楼梦", CAT_UNCHANGED, &r2);
    assert_int_equal(r2.id, r1.id);
    assert_int_equal(r2.seq, 0);
    put(f->cat, NULL, "b1", "石头记", CAT_UPDATED, &r3);
    assert_int_equal(r3.id, r1.id);
    assert_true(r3.seq > r1.seq);

    struct wy_err err = WY_ERR_INIT;
    struct cat_record *rec = NULL;
    assert_int_equal(cat_get_record_by_local(f->cat, NULL, "b1", CAT_LOAD_ALL,
                                             &rec, &err), WY_OK);
    assert_string_equal(rec->source, CAT_LOCAL_SOURCE);
    /* the datestamp moved only with the real change */
    assert_string_equal(rec->datestamp, "2026-01-02T00:00:00Z");
    assert_string_equal(rec->created, "2026-01-01T00:00:00Z");
    assert_string_equal(rec->orig, "<record/>");
    assert_string_equal(rec->orig_format, "marcxml");
    struct wy_record *m = NULL;
    assert_int_equal(cat_record_model(rec, &m, &err), WY_OK);
    assert_int_equal(m->kind, WY_MARC21);
    assert_string_equal(wy_record_subfield(m, "245", 'a'), "石头记");
    assert_string_equal(m->leader, "00000nam a2200000 a 4500");
    assert_int_equal(m->nfields, 3);
    assert_string_equal(m->fields[0].data, "b1");
    assert_int_equal(m->fields[1].ind1, '1');
    assert_string_equal(m->desc.titles[0], "石头记");
    assert_string_equal(m->desc.creators[0].dynasty, "清");
    assert_int_equal(m->desc.year_from, 1791);
    wy_record_free(m);
    cat_record_free(rec);
}

static void delete_keeps_tombstone(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct cat_put_result r1, d1, d2;
    put(f->cat, "nlc", "x1", "史记", CAT_ADDED, &r1);
    assert_int_equal(cat_delete_record(f->cat, "nlc", "x1", "oai:nlc:x1",
                                       "2020-05-01", &d1, &err), WY_OK);
    assert_int_equal(d1.action, CAT_DELETED);
    assert_int_equal(d1.id, r1.id);
    assert_int_equal(cat_delete_record(f->cat, "nlc", "x1", NULL, NULL, &d2,
                                       &err), WY_OK);
    assert_int_equal(d2.action, CAT_UNCHANGED);
    struct cat_record *rec = NULL;
    assert_int_equal(cat_get_record_by_oai(f->cat, "oai:nlc:x1", CAT_LOAD_ALL,
                                           &rec, &err), WY_OK);
    assert_true(rec->deleted);
    assert_null(rec->orig);
    struct wy_record *m = NULL;
    assert_int_equal(cat_record_model(rec, &m, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "is deleted");
    wy_err_release(&err);
    cat_record_free(rec);
    /* a deletion of a record never seen is kept as a tombstone */
    assert_int_equal(cat_delete_record(f->cat, "nlc", "never", NULL, NULL,
                                       &d2, &err), WY_OK);
    assert_int_equal(d2.action, CAT_DELETED);
    /* and a deleted record can come back */
    put(f->cat, "nlc", "x1", "史记", CAT_UPDATED, NULL);
}

static wy_code collect_seq(void *ctx, const struct cat_change *ch,
                           struct wy_err *err)
{
    (void)err;
    struct wy_buf *b = ctx;
    wy_buf_addf(b, "%lld:%lld:%s ", (long long)ch->seq,
                (long long)ch->record_id, ch->op);
    return WY_OK;
}

static void change_log_is_monotonic(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct cat_put_result a, b;
    put(f->cat, NULL, "c1", "一", CAT_ADDED, &a);
    put(f->cat, NULL, "c2", "二", CAT_ADDED, &b);
    put(f->cat, NULL, "c1", "一", CAT_UNCHANGED, NULL);
    assert_int_equal(cat_delete_record(f->cat, NULL, "c1", NULL, NULL, NULL,
                                       &err), WY_OK);
    struct wy_buf out = WY_BUF_INIT(4096);
    int64_t last = -1;
    assert_int_equal(cat_changes(f->cat, 0, 0, collect_seq, &out, &last, &err),
                     WY_OK);
    char want[128];
    snprintf(want, sizeof(want), "1:%lld:put 2:%lld:put 3:%lld:delete ",
             (long long)a.id, (long long)b.id, (long long)a.id);
    assert_string_equal(wy_buf_cstr(&out), want);
    assert_int_equal(last, 3);
    wy_buf_reset(&out);
    assert_int_equal(cat_changes(f->cat, 1, 1, collect_seq, &out, &last, &err),
                     WY_OK);
    assert_int_equal(last, 2);
    wy_buf_release(&out);
    /* a sequence number is never reused, even after a rollback */
    assert_int_equal(cat_begin(f->cat, &err), WY_OK);
    put(f->cat, NULL, "c3", "三", CAT_ADDED, NULL);
    cat_rollback(f->cat);
    put(f->cat, NULL, "c4", "四", CAT_ADDED, &a);
    assert_true(a.seq > 3);
    int64_t top;
    assert_int_equal(cat_last_seq(f->cat, &top, &err), WY_OK);
    assert_int_equal(top, a.seq);
}

static void rollback_undoes_records_and_checkpoint(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct cat_source s = {0};
    s.name = "bnu";
    s.url = "http://127.0.0.1/oai";
    s.prefix = "marcxml";
    assert_int_equal(cat_source_put(f->cat, &s, &err), WY_OK);
    /* a committed page */
    assert_int_equal(cat_begin(f->cat, &err), WY_OK);
    put(f->cat, "bnu", "r1", "论语", CAT_ADDED, NULL);
    assert_int_equal(cat_source_checkpoint(f->cat, "bnu", "tok1", 1, 1, NULL,
                                           "2026-01-01T00:00:00Z", &err),
                     WY_OK);
    assert_int_equal(cat_commit(f->cat, &err), WY_OK);
    /* a page that fails half-way */
    assert_int_equal(cat_begin(f->cat, &err), WY_OK);
    put(f->cat, "bnu", "r2", "孟子", CAT_ADDED, NULL);
    assert_int_equal(cat_source_checkpoint(f->cat, "bnu", "tok2", 2, 2, NULL,
                                           NULL, &err), WY_OK);
    cat_rollback(f->cat);
    struct cat_source got;
    assert_int_equal(cat_source_get(f->cat, "bnu", &got, &err), WY_OK);
    assert_string_equal(got.token, "tok1");
    assert_int_equal(got.cursor, 1);
    assert_string_equal(got.harvest_until, "2026-01-01T00:00:00Z");
    cat_source_release(&got);
    struct cat_record *rec = NULL;
    assert_int_equal(cat_get_record_by_local(f->cat, "bnu", "r2", 0, &rec,
                                             &err), WY_ENOTFOUND);
    assert_non_null(strstr(wy_err_msg(&err), "'r2' in source 'bnu'"));
    wy_err_release(&err);
    /* a failed write inside a transaction undoes only itself */
    assert_int_equal(cat_begin(f->cat, &err), WY_OK);
    put(f->cat, "bnu", "r3", "大学", CAT_ADDED, NULL);
    struct wy_record *r = make_rec("r4", "中庸");
    struct cat_put in = {.source = "bnu", .local_id = "r4", .rec = r,
                         .collection = "nosuch"};
    assert_int_equal(cat_put_record(f->cat, &in, NULL, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "unknown collection 'nosuch'");
    assert_non_null(strstr(wy_err_msg(&err), "record 'r4'"));
    wy_err_release(&err);
    wy_record_free(r);
    assert_int_equal(cat_source_checkpoint(f->cat, "bnu", "tok3", 3, 3, NULL,
                                           NULL, &err), WY_OK);
    assert_int_equal(cat_commit(f->cat, &err), WY_OK);
    assert_int_equal(cat_get_record_by_local(f->cat, "bnu", "r3", 0, &rec,
                                             &err), WY_OK);
    cat_record_free(rec);
    /* finishing clears the checkpoint and logs the harvest */
    struct cat_harvest_counts k = {.added = 2, .pages = 3};
    assert_int_equal(cat_source_finish(f->cat, "bnu", "2026-01-01T00:00:00Z",
                                       &k, &err), WY_OK);
    assert_int_equal(cat_source_get(f->cat, "bnu", &got, &err), WY_OK);
    assert_null(got.token);
    assert_string_equal(got.last_response_date, "2026-01-01T00:00:00Z");
    assert_int_equal(got.last_added, 2);
    cat_source_release(&got);
    assert_int_equal(cat_source_checkpoint(f->cat, "nosuch", "t", 1, 1, NULL,
                                           NULL, &err), WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "no source 'nosuch'");
    wy_err_release(&err);
    /* commit without begin */
    assert_int_equal(cat_commit(f->cat, &err), WY_ESTATE);
    wy_err_release(&err);
}

static wy_code collect_ids(void *ctx, const struct cat_record *r,
                           struct wy_err *err)
{
    (void)err;
    wy_buf_addf(ctx, "%s%s ", r->local_id, r->deleted ? "(d)" : "");
    return WY_OK;
}

static void keyset_listing(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    const char *ids[] = {"k1", "k2", "k3", "k4", "k5"};
    const char *stamps[] = {"2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z",
                            "2026-02-02T10:00:00Z", "2026-02-02T10:00:00Z",
                            "2026-02-03T00:00:00Z"};
    for (int i = 0; i < 5; i++) {
        cat_set_now(f->cat, stamps[i], NULL);
        struct wy_record *r = make_rec(ids[i], ids[i]);
        const char *sets[] = {"hist:qing"};
        struct cat_put in = {.local_id = ids[i], .rec = r,
                             .collection = i < 3 ? "guji" : "minguo",
                             .sets = sets, .nsets = i == 4 ? 1 : 0};
        assert_int_equal(cat_put_record(f->cat, &in, NULL, &err), WY_OK);
        wy_record_free(r);
    }
    cat_set_now(f->cat, "2026-02-04T00:00:00Z", NULL);
    assert_int_equal(cat_delete_record(f->cat, NULL, "k2", NULL, NULL, NULL,
                                       &err), WY_OK);
    struct wy_buf out = WY_BUF_INIT(4096);
    struct cat_list_query q = {.limit = 2, .include_deleted = 1};
    assert_int_equal(cat_list(f->cat, &q, collect_ids, &out, NULL, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out), "k1 k3 ");
    /* resume after (datestamp, id) of k3 */
    struct cat_record *k3 = NULL;
    assert_int_equal(cat_get_record_by_local(f->cat, NULL, "k3", 0, &k3, &err),
                     WY_OK);
    q.after_datestamp = k3->datestamp;
    q.after_id = k3->id;
    wy_buf_reset(&out);
    assert_int_equal(cat_list(f->cat, &q, collect_ids, &out, NULL, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out), "k4 k5 ");
    q.after_datestamp = "2026-02-03T00:00:00Z";
    q.after_id = 1000000;
    wy_buf_reset(&out);
    assert_int_equal(cat_list(f->cat, &q, collect_ids, &out, NULL, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out), "k2(d) ");
    cat_record_free(k3);
    /* day-granularity bounds and sets */
    struct cat_list_query q2 = {.from = "2026-02-02", .until = "2026-02-03",
                                .include_deleted = 1};
    wy_buf_reset(&out);
    assert_int_equal(cat_list(f->cat, &q2, collect_ids, &out, NULL, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out), "k3 k4 k5 ");
    struct cat_list_query q3 = {.set = "guji", .include_deleted = 1};
    wy_buf_reset(&out);
    assert_int_equal(cat_list(f->cat, &q3, collect_ids, &out, NULL, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out), "k1 k3 k2(d) ");
    int64_t n;
    q3.include_deleted = 0;
    assert_int_equal(cat_count(f->cat, &q3, &n, &err), WY_OK);
    assert_int_equal(n, 2);
    struct cat_list_query q4 = {.set = "hist"};
    wy_buf_reset(&out);
    assert_int_equal(cat_list(f->cat, &q4, collect_ids, &out, NULL, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out), "k5 ");
    struct cat_list_query q5 = {.set = "hist:qi"};
    wy_buf_reset(&out);
    assert_int_equal(cat_list(f->cat, &q5, collect_ids, &out, NULL, &err), WY_OK);
    assert_string_equal(wy_buf_cstr(&out), "");
    struct cat_list_query bad = {.from = "2026-2-1"};
    assert_int_equal(cat_list(f->cat, &bad, collect_ids, &out, NULL, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "from '2026-2-1'");
    wy_err_release(&err);
    char early[21];
    assert_int_equal(cat_earliest_datestamp(f->cat, early, &err), WY_OK);
    assert_string_equal(early, "2026-02-01T00:00:00Z");
    wy_buf_release(&out);
}

/* A walk of the list in pages of `limit` with the keyset, as the OAI
   provider does, at the given load level. */
struct walk {
    struct cat *cat;
    struct wy_buf out; /* "id datestamp deleted collection hash sets;" */
    int64_t last_id;
    char last_ds[21];
    int nested; /* look up the next record from inside the callback */
    int64_t next_seen;
};

static wy_code walk_next(void *ctx, const struct cat_record *r,
                         struct wy_err *err)
{
    struct walk *w = ctx;
    w->next_seen = r->id;
    (void)err;
    return WY_EOF;
}

static wy_code walk_row(void *ctx, const struct cat_record *r,
                        struct wy_err *err)
{
    struct walk *w = ctx;
    if (w->nested) {
        /* the same shape of query while the outer one is being stepped */
        struct cat_list_query q = {.limit = 7,
                                   .what = CAT_LOAD_LIST,
                                   .include_deleted = 1,
                                   .after_datestamp = r->datestamp,
                                   .after_id = r->id};
        w->next_seen = 0;
        wy_code rc = cat_list(w->cat, &q, walk_next, w, NULL, err);
        if (rc != WY_OK)
            return rc;
        if (w->next_seen != 0 && w->next_seen <= r->id)
            return wy_err_set(err, WY_ESTATE, "nested list went back");
    }
    wy_buf_addf(&w->out, "%lld %s %d %s %s", (long long)r->id, r->datestamp,
                r->deleted, r->collection ? r->collection : "-", r->hash);
    for (size_t i = 0; i < r->nsets; i++)
        wy_buf_addf(&w->out, " %s", r->sets[i]);
    wy_buf_adds(&w->out, ";\n");
    w->last_id = r->id;
    snprintf(w->last_ds, sizeof(w->last_ds), "%s", r->datestamp);
    return WY_OK;
}

static void walk(struct cat *c, int what, size_t limit, int nested,
                 struct wy_buf *out)
{
    struct wy_err err = WY_ERR_INIT;
    struct walk w = {.cat = c, .nested = nested};
    wy_buf_init(&w.out, WY_BUF_NOLIMIT);
    for (int pages = 0; pages < 1000; pages++) {
        struct cat_list_query q = {.limit = limit, .what = what,
                                   .include_deleted = 1};
        if (w.last_id) {
            q.after_datestamp = w.last_ds;
            q.after_id = w.last_id;
        }
        size_t got = 0;
        if (cat_list(c, &q, walk_row, &w, &got, &err) != WY_OK)
            fail_msg("%s", wy_err_msg(&err));
        if (got < limit || limit == 0)
            break;
    }
    wy_buf_add(out, w.out.p, w.out.len);
    wy_buf_release(&w.out);
}

/* CAT_LOAD_LIST gives what CAT_LOAD_HEADER gives for a header, page after
   page, with many records in one second (a keyset within a datestamp). */
static void list_level_matches_headers(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    for (int i = 0; i < 40; i++) {
        cat_set_now(f->cat, i < 30 ? "2026-03-01T00:00:00Z"
                                   : "2026-03-02T00:00:00Z",
                    NULL);
        char id[16];
        snprintf(id, sizeof(id), "r%02d", i);
        struct wy_record *r = make_rec(id, id);
        const char *sets[] = {"lib:bnu", "hist:qing", "hist"};
        /* the last one has more sets than a list keeps on the stack */
        char many[20][16];
        const char *manyp[20];
        for (int k = 0; k < 20; k++) {
            snprintf(many[k], sizeof(many[k]), "s%02d", k);
            manyp[k] = many[k];
        }
        struct cat_put in = {.local_id = id,
                             .rec = r,
                             .collection = i % 3 ? "guji" : NULL,
                             .sets = i == 39 ? manyp : sets,
                             .nsets = i == 39 ? 20 : (size_t)(i % 4)};
        assert_int_equal(cat_put_record(f->cat, &in, NULL, &err), WY_OK);
        wy_record_free(r);
    }
    cat_set_now(f->cat, "2026-03-01T00:00:00Z", NULL);
    assert_int_equal(
        cat_delete_record(f->cat, NULL, "r05", NULL, NULL, NULL, &err), WY_OK);
    struct wy_buf want = WY_BUF_INIT(WY_BUF_NOLIMIT),
                  got = WY_BUF_INIT(WY_BUF_NOLIMIT);
    walk(f->cat, CAT_LOAD_HEADER, 0, 0, &want);
    size_t lines = 0;
    for (const char *q = wy_buf_cstr(&want); (q = strchr(q, '\n')); q++)
        lines++;
    assert_int_equal(lines, 40);
    /* sets in spec order: "hist hist:qing lib:bnu" for i % 4 == 3 */
    assert_non_null(strstr(wy_buf_cstr(&want), " hist hist:qing lib:bnu;"));
    assert_non_null(strstr(wy_buf_cstr(&want), " s00 s01 s02 "));
    assert_non_null(strstr(wy_buf_cstr(&want), " s18 s19;"));
    walk(f->cat, CAT_LOAD_LIST, 7, 0, &got);
    assert_string_equal(wy_buf_cstr(&got), wy_buf_cstr(&want));
    wy_buf_reset(&got);
    walk(f->cat, CAT_LOAD_LIST, 3, 1, &got);
    assert_string_equal(wy_buf_cstr(&got), wy_buf_cstr(&want));
    /* the headers level pages the same way */
    wy_buf_reset(&got);
    walk(f->cat, CAT_LOAD_HEADER, 6, 0, &got);
    assert_string_equal(wy_buf_cstr(&got), wy_buf_cstr(&want));
    wy_buf_release(&want);
    wy_buf_release(&got);
}

/* A catalog of schema 1 (before the listing index) is read as it is by a
   reader and migrated by a writer. */
static void schema_1_is_read_and_migrated(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof(id), "m%d", i);
        put(f->cat, NULL, id, id, CAT_ADDED, NULL);
    }
    struct wy_buf want = WY_BUF_INIT(WY_BUF_NOLIMIT),
                  got = WY_BUF_INIT(WY_BUF_NOLIMIT);
    walk(f->cat, CAT_LOAD_HEADER, 0, 0, &want);
    cat_close(f->cat);
    f->cat = NULL;
    struct wy_buf p = WY_BUF_INIT(4096);
    wy_path_join(&p, f->dir, "catalog.db");
    char cmd[4300];
    snprintf(cmd, sizeof(cmd),
             "sqlite3 '%s' 'DROP INDEX records_list; CREATE INDEX "
             "records_datestamp ON records(datestamp, id); DROP TABLE "
             "ingest_intents; DROP TABLE library_names; DROP TABLE "
             "library_holdings; DROP TABLE library_aliases; DROP TABLE "
             "libraries; PRAGMA user_version = 1'",
             wy_buf_cstr(&p));
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    struct cat *c = NULL;
    assert_int_equal(cat_open(&c, wy_buf_cstr(&p), CAT_READONLY, &err), WY_OK);
    walk(c, CAT_LOAD_LIST, 2, 0, &got);
    assert_string_equal(wy_buf_cstr(&got), wy_buf_cstr(&want));
    cat_close(c);
    assert_int_equal(cat_open(&f->cat, wy_buf_cstr(&p), 0, &err), WY_OK);
    snprintf(cmd, sizeof(cmd),
             "sqlite3 '%s' 'PRAGMA user_version; SELECT name FROM "
             "sqlite_master WHERE name LIKE \"records_%%\" ORDER BY name'",
             wy_buf_cstr(&p));
    char *out = NULL;
    assert_int_equal(wy_test_run(cmd, &out), 0);
    assert_string_equal(out, "4\nrecords_collection\nrecords_list\n"
                             "records_oai\n");
    free(out);
    wy_buf_reset(&got);
    walk(f->cat, CAT_LOAD_LIST, 3, 0, &got);
    assert_string_equal(wy_buf_cstr(&got), wy_buf_cstr(&want));
    wy_buf_release(&p);
    wy_buf_release(&want);
    wy_buf_release(&got);
}

static void collections_and_objects(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct cat_collection *cols;
    size_t n;
    assert_int_equal(cat_collection_list(f->cat, &cols, &n, &err), WY_OK);
    assert_int_equal(n, 3);
    assert_string_equal(cols[0].code, "difangwenxian");
    assert_string_equal(cols[0].name, "地方文献");
    assert_string_equal(cols[1].code, "guji");
    assert_string_equal(cols[1].name, "古籍");
    assert_string_equal(cols[2].name, "民国文献");
    cat_collections_free(cols, n);
    assert_int_equal(cat_collection_put(f->cat, "古籍", "古籍", NULL, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "collection code '古籍'");
    wy_err_release(&err);
    assert_int_equal(cat_collection_put(f->cat, "jinshi", "金石拓片", NULL,
                                        &err), WY_OK);
    struct cat_put_result r;
    put(f->cat, NULL, "o1", "拓片", CAT_ADDED, &r);
    struct cat_object o = {.ocfl_id = "urn:wy:o1", .record_id = r.id,
                           .head = "v1", .files = 2, .bytes = 300};
    assert_int_equal(cat_object_put(f->cat, &o, &err), WY_OK);
    struct cat_file files[2] = {
        {.path = "scans/0001.tif", .size = 100, .sha512 = "aa",
         .mime = "image/tiff", .format_check = "ok"},
        {.path = "mods.xml", .size = 200, .sha512 = "bb"}};
    assert_int_equal(cat_object_set_files(f->cat, "urn:wy:o1", files, 2, &err),
                     WY_OK);
    struct cat_file *got;
    assert_int_equal(cat_object_files(f->cat, "urn:wy:o1", &got, &n, &err),
                     WY_OK);
    assert_int_equal(n, 2);
    assert_string_equal(got[0].path, "mods.xml");
    assert_string_equal(got[1].mime, "image/tiff");
    cat_files_free(got, n);
    struct cat_object g;
    assert_int_equal(cat_object_get_by_record(f->cat, r.id, &g, &err), WY_OK);
    assert_string_equal(g.head, "v1");
    cat_object_release(&g);
    o.record_id = 99999;
    assert_int_equal(cat_object_put(f->cat, &o, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "no record 99999");
    wy_err_release(&err);
    int64_t aid;
    assert_int_equal(cat_audit_begin(f->cat, "all", &aid, &err), WY_OK);
    assert_int_equal(cat_audit_object(f->cat, aid, "urn:wy:o1", "failed",
                                      "scans/0001.tif: sha512 mismatch", &err),
                     WY_OK);
    int done;
    assert_int_equal(cat_audit_done(f->cat, aid, "urn:wy:o1", &done, &err),
                     WY_OK);
    assert_true(done);
    int64_t unf;
    assert_int_equal(cat_audit_unfinished(f->cat, "all", &unf, &err), WY_OK);
    assert_int_equal(unf, aid);
    assert_int_equal(cat_audit_end(f->cat, aid, "failed", 1, 1, &err), WY_OK);
    struct cat_status s;
    assert_int_equal(cat_status_get(f->cat, &s, &err), WY_OK);
    assert_int_equal(s.objects, 1);
    assert_int_equal(s.files, 2);
    assert_int_equal(s.bytes, 300);
    assert_int_equal(s.objects_failed_audit, 1);
    assert_int_equal(s.records, 1);
    assert_non_null(s.last_audit);
    cat_status_release(&s);
    assert_int_equal(cat_collection_remove(f->cat, "jinshi", &err), WY_OK);
}

static void journal_resumes(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    int64_t b1, b2;
    int resumed;
    assert_int_equal(cat_journal_begin(f->cat, "k", 1, &b1, &resumed, &err),
                     WY_OK);
    assert_false(resumed);
    assert_int_equal(cat_journal_item(f->cat, b1, "a", CAT_ITEM_DONE, "id-a",
                                      NULL, &err), WY_OK);
    assert_int_equal(cat_journal_end(f->cat, b1, "interrupted", &err), WY_OK);
    assert_int_equal(cat_journal_begin(f->cat, "k", 1, &b2, &resumed, &err),
                     WY_OK);
    assert_true(resumed);
    assert_int_equal(b2, b1);
    enum cat_item_state st;
    assert_int_equal(cat_journal_item_state(f->cat, b2, "a", &st, &err), WY_OK);
    assert_int_equal(st, CAT_ITEM_DONE);
    assert_int_equal(cat_journal_item_state(f->cat, b2, "b", &st, &err), WY_OK);
    assert_int_equal(st, CAT_ITEM_NONE);
    assert_int_equal(cat_journal_end(f->cat, b2, "done", &err), WY_OK);
    assert_int_equal(cat_journal_begin(f->cat, "k", 1, &b2, &resumed, &err),
                     WY_OK);
    assert_false(resumed);
    assert_true(b2 != b1);
    /* a failed batch superseded by a later finished one is not resumed, nor
       reported as unfinished */
    int64_t b3, b4;
    assert_int_equal(cat_journal_end(f->cat, b2, "failed", &err), WY_OK);
    struct cat_status s;
    assert_int_equal(cat_status_get(f->cat, &s, &err), WY_OK);
    assert_int_equal(s.batches_unfinished, 1);
    cat_status_release(&s);
    assert_int_equal(cat_journal_begin(f->cat, "k", 0, &b3, &resumed, &err),
                     WY_OK);
    assert_int_equal(cat_journal_end(f->cat, b3, "done", &err), WY_OK);
    assert_int_equal(cat_status_get(f->cat, &s, &err), WY_OK);
    assert_int_equal(s.batches_unfinished, 0);
    cat_status_release(&s);
    assert_int_equal(cat_journal_begin(f->cat, "k", 1, &b4, &resumed, &err),
                     WY_OK);
    assert_false(resumed);
    assert_true(b4 > b3);
}

static void json_replaces_bad_utf8(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = wy_record_new();
    struct wy_field *f = wy_record_add_field(r, "245", ' ', ' ');
    wy_field_add_sub(r, f, 'a', "a\xff\"b\0c", 6);
    struct wy_buf b = WY_BUF_INIT(4096);
    assert_int_equal(cat_json_model(r, &b, &err), WY_OK);
    struct wy_record *back = wy_record_new();
    assert_int_equal(cat_json_load(back, wy_buf_cstr(&b), NULL, &err), WY_OK);
    assert_int_equal(back->fields[0].sub[0].len, 8);
    assert_memory_equal(back->fields[0].sub[0].data, "a\xef\xbf\xbd\"b\0c", 8);
    wy_record_free(back);
    back = wy_record_new();
    assert_int_equal(cat_json_load(back, "{\"fields\":[{\"24\":\"x\"}]}", NULL,
                                   &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "field 1: tag '24'");
    wy_err_release(&err);
    assert_int_equal(cat_json_load(back, "{\"fields\":[", NULL, &err),
                     WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "stored model JSON");
    wy_err_release(&err);
    wy_record_free(back);
    wy_record_free(r);
    wy_buf_release(&b);
}

static void schema_version_is_checked(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf p = WY_BUF_INIT(4096);
    wy_path_join(&p, f->dir, "future.db");
    struct cat *c = NULL;
    assert_int_equal(cat_open(&c, wy_buf_cstr(&p), CAT_CREATE, &err), WY_OK);
    cat_close(c);
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'PRAGMA user_version = 99'",
             wy_buf_cstr(&p));
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    assert_int_equal(cat_open(&c, wy_buf_cstr(&p), 0, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "schema version 99");
    wy_err_release(&err);
    assert_int_equal(cat_open(&c, wy_buf_cstr(&p), CAT_READONLY, &err),
                     WY_ESTATE);
    assert_err(&err, WY_ESTATE, "schema version 99, this wenyuan reads 1 to 4");
    wy_err_release(&err);
    wy_buf_reset(&p);
    wy_path_join(&p, f->dir, "missing.db");
    assert_int_equal(cat_open(&c, wy_buf_cstr(&p), 0, &err), WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "missing.db");
    wy_err_release(&err);
    wy_buf_release(&p);
}

/* WAL: a reader (the service, the indexer) is not blocked by a writer's
   open transaction and sees only committed pages. */
static void readers_see_committed_state(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf p = WY_BUF_INIT(4096);
    wy_path_join(&p, f->dir, "catalog.db");
    struct cat *r = NULL;
    assert_int_equal(cat_open(&r, wy_buf_cstr(&p), CAT_READONLY, &err), WY_OK);
    wy_buf_release(&p);
    assert_int_equal(cat_begin(f->cat, &err), WY_OK);
    put(f->cat, "h", "w1", "水经注", CAT_ADDED, NULL);
    struct cat_record *rec = NULL;
    assert_int_equal(cat_get_record_by_local(r, "h", "w1", 0, &rec, &err),
                     WY_ENOTFOUND);
    wy_err_release(&err);
    int64_t seq;
    assert_int_equal(cat_last_seq(r, &seq, &err), WY_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(cat_commit(f->cat, &err), WY_OK);
    assert_int_equal(cat_get_record_by_local(r, "h", "w1", 0, &rec, &err),
                     WY_OK);
    cat_record_free(rec);
    assert_int_equal(cat_last_seq(r, &seq, &err), WY_OK);
    assert_int_equal(seq, 1);
    /* a read-only connection cannot write */
    struct wy_record *m = make_rec("w2", "x");
    struct cat_put in = {.local_id = "w2", .rec = m};
    assert_int_equal(cat_put_record(r, &in, NULL, &err), WY_EDB);
    assert_err(&err, WY_EDB, "catalog.db");
    wy_err_release(&err);
    wy_record_free(m);
    cat_close(r);
}

static void home_init_and_open(void **state)
{
    struct fx *f = *state;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf p = WY_BUF_INIT(4096);
    wy_path_join(&p, f->dir, "home");
    const char *home = wy_buf_cstr(&p);
    struct wy_home *h = NULL;
    assert_int_equal(home_open(&h, home, 0, &err), WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "is not a Wenyuan home: run 'wenyuan init");
    wy_err_release(&err);
    assert_int_equal(home_init(home, &err), WY_OK);
    assert_int_equal(home_init(home, &err), WY_ESTATE);
    assert_err(&err, WY_ESTATE, "already a Wenyuan home");
    wy_err_release(&err);
    assert_int_equal(home_open(&h, home, 0, &err), WY_OK);
    assert_true(wy_is_dir(h->store_path));
    assert_true(wy_is_dir(h->index_path));
    struct cat_collection col;
    assert_int_equal(cat_collection_get(h->cat, "minguo", &col, &err), WY_OK);
    assert_string_equal(col.name, "民国文献");
    cat_collection_release(&col);
    home_close(h);
    /* no -H and no WENYUAN_HOME */
    char *saved = getenv(WY_HOME_ENV) ? strdup(getenv(WY_HOME_ENV)) : NULL;
    unsetenv(WY_HOME_ENV);
    assert_int_equal(home_open(&h, NULL, 0, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "use -H HOME or set WENYUAN_HOME");
    wy_err_release(&err);
    setenv(WY_HOME_ENV, home, 1);
    assert_int_equal(home_open(&h, NULL, HOME_READONLY, &err), WY_OK);
    home_close(h);
    if (saved)
        setenv(WY_HOME_ENV, saved, 1);
    else
        unsetenv(WY_HOME_ENV);
    free(saved);
    /* a failed init leaves nothing behind: the parent does not exist */
    wy_buf_reset(&p);
    wy_path_join(&p, f->dir, "no/such/home");
    assert_int_equal(home_init(wy_buf_cstr(&p), &err), WY_EIO);
    assert_err(&err, WY_EIO, "no/such/home");
    wy_err_release(&err);
    /* the CLI */
    wy_buf_reset(&p);
    wy_path_join(&p, f->dir, "clihome");
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "%s init '%s' >/dev/null", wy_test_bin(),
             wy_buf_cstr(&p));
    assert_int_equal(wy_test_run(cmd, NULL), 0);
    snprintf(cmd, sizeof(cmd), "%s init '%s' 2>&1", wy_test_bin(),
             wy_buf_cstr(&p));
    char *out = NULL;
    assert_int_not_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "already a Wenyuan home"));
    free(out);
    wy_buf_release(&p);
}

WY_GROUP(catalog, NULL, NULL,
         cmocka_unit_test_setup_teardown(upsert_detects_changes, setup, teardown),
         cmocka_unit_test_setup_teardown(delete_keeps_tombstone, setup, teardown),
         cmocka_unit_test_setup_teardown(change_log_is_monotonic, setup, teardown),
         cmocka_unit_test_setup_teardown(rollback_undoes_records_and_checkpoint, setup, teardown),
         cmocka_unit_test_setup_teardown(keyset_listing, setup, teardown),
         cmocka_unit_test_setup_teardown(list_level_matches_headers, setup, teardown),
         cmocka_unit_test_setup_teardown(schema_1_is_read_and_migrated, setup, teardown),
         cmocka_unit_test_setup_teardown(collections_and_objects, setup, teardown),
         cmocka_unit_test_setup_teardown(journal_resumes, setup, teardown),
         cmocka_unit_test(json_replaces_bad_utf8),
         cmocka_unit_test_setup_teardown(schema_version_is_checked, setup, teardown),
         cmocka_unit_test_setup_teardown(readers_see_committed_state, setup, teardown),
         cmocka_unit_test_setup_teardown(home_init_and_open, setup, teardown))
