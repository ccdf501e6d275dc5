/* tests/test_idx.c: records in, searches out. The Chinese records below are
   test fixtures written for these tests from the books' title pages as
   catalogued by the National Library of China (titles, creators, dates,
   holding libraries); the counts each test expects are computed from the
   same table, independently of the index. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "formats/record.h"
#include "indexer/idx.h"
#include "indexer/xapian_c.h"

struct spec {
    const char *id, *title, *creator, *dynasty, *date;
    int yf, yt;
    const char *libs[3];
    const char *lang, *type, *coll, *subject;
};

/* 紅樓夢 and 四庫全書總目 in traditional characters, 淸 in its old form,
   a title with an Extension B (U+20000) and one with an Extension G
   (U+30000) character. */
static const struct spec recs[] = {
    {"c1",
     "紅樓夢",
     "曹雪芹",
     "清",
     "清乾隆五十六年",
     1791,
     1791,
     {"国家图书馆", "北京大学图书馆", NULL},
     "chi",
     "Text",
     "善本",
     "章回小說"},
    {"c2",
     "四庫全書總目",
     "紀昀",
     "[清]",
     "清乾隆間",
     1782,
     1795,
     {"国家图书馆", NULL, NULL},
     "chi",
     "Text",
     "善本",
     "目錄"},
    {"c3",
     "淸代詩文集彙編",
     "《清代诗文集汇编》编纂委员会",
     NULL,
     "2010",
     2010,
     2010,
     {"上海图书馆", NULL, NULL},
     "chi",
     "Text",
     "普通古籍",
     "诗文集"},
    {"c4",
     "說文\xf0\xa0\x80\x80部考",
     "許慎",
     "漢",
     "明萬曆間",
     1573,
     1620,
     {"上海图书馆", "国家图书馆", "上海圖書館"}, /* held twice */
     "chi",
     "Text",
     "善本",
     NULL},
    {"c5",
     "石頭記",
     "曹雪芹",
     NULL,
     "清乾隆間",
     1736,
     1795,
     {"上海图书馆", NULL, NULL},
     "chi",
     "Text",
     "善本",
     "章回小說"},
    {"c6",
     "古字\xf0\xb0\x80\x80彙",
     NULL,
     NULL,
     NULL,
     WY_YEAR_NONE,
     WY_YEAR_NONE,
     {NULL, NULL, NULL},
     "chi",
     "Text",
     "普通古籍",
     NULL},
    {"e1",
     "Running a library: managing the congregational library",
     "Ruth S. Smith",
     NULL,
     "1981",
     1981,
     1981,
     {"Bodleian Library", NULL, NULL},
     "eng",
     "Text",
     "general",
     "Church libraries"},
    {"e2",
     "The runner's guide to libraries",
     "Jane Doe",
     NULL,
     "1990",
     1990,
     1990,
     {"Bodleian Library", "British Library", NULL},
     "eng",
     "Text",
     "general",
     "Libraries"},
};
#define NRECS (sizeof(recs) / sizeof(recs[0]))

static struct wy_record *make(const struct spec *s)
{
    struct wy_record *r = wy_record_new();
    assert_non_null(r);
    assert_true(wy_desc_add_title(r, s->title, strlen(s->title)));
    if (s->creator) {
        struct wy_name n = {
            .name = s->creator, .dynasty = s->dynasty, .personal = 1};
        assert_true(wy_desc_add_creator(r, &n));
    }
    if (s->date)
        assert_true(wy_desc_set(r, &r->desc.date, s->date, strlen(s->date)));
    r->desc.year_from = s->yf;
    r->desc.year_to = s->yt;
    for (int i = 0; i < 3 && s->libs[i]; i++) {
        struct wy_holding h = {s->libs[i], NULL, NULL, NULL};
        assert_true(wy_desc_add_holding(r, &h));
    }
    assert_true(wy_desc_add_language(r, s->lang, strlen(s->lang)));
    assert_true(wy_desc_set(r, &r->desc.type, s->type, strlen(s->type)));
    if (s->subject)
        assert_true(wy_desc_add_subject(r, s->subject, strlen(s->subject)));
    return r;
}

static void put(struct idx *x, const struct spec *s)
{
    struct wy_err err = WY_ERR_INIT;
    struct wy_record *r = make(s);
    struct idx_meta m = {s->id, "local", s->coll, NULL, 0, 0, 0};
    wy_code rc = idx_put(x, r, &m, NULL, 0, &err);
    wy_record_free(r);
    if (rc != WY_OK)
        fail_msg("%s", wy_err_msg(&err));
}

static struct idx *fill(void)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    assert_int_equal(idx_open(&x, NULL, IDX_MEMORY, &err), WY_OK);
    for (size_t i = 0; i < NRECS; i++)
        put(x, &recs[i]);
    return x;
}

static struct idx_result *search(struct idx *x, const struct idx_query *q)
{
    struct wy_err err = WY_ERR_INIT;
    struct idx_result *r = NULL;
    if (idx_search(x, q, &r, &err) != WY_OK)
        fail_msg("search '%s': %s", q->q ? q->q : "", wy_err_msg(&err));
    return r;
}

/* The ids found, sorted by the index's order, joined by spaces. */
static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids found, in alphabetical order, joined by spaces. */
static void ids(struct idx *x, const char *text, char *out, size_t n)
{
    struct idx_query q = IDX_QUERY_INIT;
    q.q = text;
    struct idx_result *r = search(x, &q);
    const char *v[64];
    size_t k = 0;
    for (size_t i = 0; i < r->nhits && k < 64; i++)
        v[k++] = r->hits[i].id;
    qsort(v, k, sizeof(v[0]), by_str);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s%s", i ? " " : "", v[i]);
    }
    idx_result_free(r);
}

#define assert_finds(x, text, want)                                            \
    do {                                                                       \
        char got_[256];                                                        \
        ids((x), (text), got_, sizeof(got_));                                  \
        if (strcmp(got_, (want)))                                              \
            fail_msg("'%s' found '%s', want '%s'", (text), got_, (want));      \
    } while (0)

static void simplified_finds_traditional(void **state)
{
    (void)state;
    struct idx *x = fill();
    assert_finds(x, "四库全书", "c2");
    assert_finds(x, "四庫全書", "c2");
    assert_finds(x, "红楼梦", "c1");
    assert_finds(x, "紅樓夢", "c1");
    assert_finds(x, "\"红楼梦\"", "c1");
    assert_finds(x, "title:淸", "c3");    /* old form in the query */
    assert_finds(x, "淸", "c1 c2 c3 c5"); /* and 清 of the dates */
    assert_finds(x, "清代诗文集", "c3");  /* old form in the record */
    assert_finds(x, "石头记", "c5");
    idx_close(x, NULL);
}

static void rare_characters_one_by_one(void **state)
{
    (void)state;
    struct idx *x = fill();
    assert_finds(x, "\xf0\xa0\x80\x80", "c4"); /* U+20000, Ext B */
    assert_finds(x, "\xf0\xb0\x80\x80", "c6"); /* U+30000, Ext G */
    assert_finds(x, "说文\xf0\xa0\x80\x80部", "c4");
    assert_finds(x, "title:\"古字\xf0\xb0\x80\x80彙\"", "c6");
    /* the snippet shows the character, not its token */
    struct idx_query q = IDX_QUERY_INIT;
    q.q = "\xf0\xb0\x80\x80";
    struct idx_result *r = search(x, &q);
    assert_int_equal(r->nhits, 1);
    if (!strstr(r->hits[0].snippet, "<b>\xf0\xb0\x80\x80</b>"))
        fail_msg("snippet '%s'", r->hits[0].snippet);
    assert_string_equal(r->hits[0].title, "古字\xf0\xb0\x80\x80彙");
    idx_result_free(r);
    idx_close(x, NULL);
}

static void mixed_latin_and_cjk_queries(void **state)
{
    (void)state;
    struct idx *x = fill();
    assert_finds(x, "abc 红楼 def", ""); /* no error; nothing has all */
    assert_finds(x, "library 红楼", "");
    assert_finds(x, "红楼 OR library", "c1 e1 e2");
    assert_finds(x, "run", "e1");        /* stemming: running (not runner) */
    assert_finds(x, "library", "e1 e2"); /* library, libraries */
    assert_finds(x, "libraries", "e1 e2");
    idx_close(x, NULL);
}

static void fielded_queries(void **state)
{
    (void)state;
    struct idx *x = fill();
    assert_finds(x, "title:红楼梦 creator:曹雪芹", "c1");
    assert_finds(x, "creator:曹雪芹", "c1 c5");
    assert_finds(x, "题名:石头记", "c5");
    assert_finds(x, "title:曹雪芹", "");
    assert_finds(x, "subject:章回小说", "c1 c5");
    assert_finds(x, "library:上海图书馆", "c3 c4 c5");
    assert_finds(x, "type:text language:eng", "e1 e2");
    assert_finds(x, "type:Text 红楼梦", "c1");
    assert_finds(x, "creator:smith OR creator:doe", "e1 e2");
    assert_finds(x, "dynasty:清", "c1 c2 c5");
    assert_finds(x, "(library:北京大学图书馆 OR library:上海圖書館) dynasty:清",
                 "c1 c5");
    idx_close(x, NULL);
}

static void date_ranges_and_sorting(void **state)
{
    (void)state;
    struct idx *x = fill();
    struct idx_query q = IDX_QUERY_INIT;
    q.from_year = 1700;
    q.to_year = 1800;
    q.sort = IDX_SORT_DATE;
    struct idx_result *r = search(x, &q);
    /* ranges overlapping 1700-1800: c5 (1736-1795), c2 (1782-1795), c1 */
    assert_int_equal(r->nhits, 3);
    assert_string_equal(r->hits[0].id, "c5");
    assert_string_equal(r->hits[1].id, "c2");
    assert_string_equal(r->hits[2].id, "c1");
    assert_int_equal(r->hits[1].year_to, 1795);
    idx_result_free(r);

    q.from_year = 1985;
    q.to_year = WY_YEAR_NONE;
    q.sort = IDX_SORT_DATE_DESC;
    r = search(x, &q);
    assert_int_equal(r->nhits, 2);
    assert_string_equal(r->hits[0].id, "c3"); /* 2010 */
    assert_string_equal(r->hits[1].id, "e2"); /* 1990 */
    idx_result_free(r);

    q = (struct idx_query)IDX_QUERY_INIT;
    q.page_size = 3;
    q.page = 2;
    q.sort = IDX_SORT_DATE;
    r = search(x, &q);
    assert_int_equal(r->total, NRECS); /* sorting does not filter */
    assert_int_equal(r->nhits, 3);
    /* c4 1573, c5 1736, c2 1782 | c1 1791, ...; undated c6 comes last */
    assert_string_equal(r->hits[0].id, "c1");
    idx_result_free(r);
    idx_close(x, NULL);
}

/* Counts computed from the table, not from the index. */
static uint64_t count_lib(const char *lib, const char *coll)
{
    uint64_t n = 0;
    for (size_t i = 0; i < NRECS; i++) {
        if (coll && strcmp(recs[i].coll, coll))
            continue;
        for (int k = 0; k < 3 && recs[i].libs[k]; k++)
            if (!strcmp(recs[i].libs[k], lib)) {
                n++;
                break;
            }
    }
    return n;
}

static uint64_t facet_count(const struct idx_result *r, enum idx_facet_kind f,
                            const char *v)
{
    for (size_t k = 0; k < r->facets[f].nvalues; k++)
        if (!strcmp(r->facets[f].values[k].value, v))
            return r->facets[f].values[k].count;
    return 0;
}

static void facet_counts_are_exact(void **state)
{
    (void)state;
    struct idx *x = fill();
    struct idx_query q = IDX_QUERY_INIT;
    q.page_size = 1;
    struct idx_result *r = search(x, &q);
    assert_int_equal(r->total, NRECS);
    assert_int_equal(r->nhits, 1);
    const char *libs[] = {"国家图书馆", "北京大学图书馆", "上海图书馆",
                          "Bodleian Library", "British Library"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(facet_count(r, IDX_FACET_LIBRARY, libs[i]),
                         count_lib(libs[i], NULL));
    assert_int_equal(r->facets[IDX_FACET_LIBRARY].nvalues, 5);
    assert_string_equal(r->facets[IDX_FACET_LIBRARY].name, "library");
    assert_int_equal(facet_count(r, IDX_FACET_COLLECTION, "善本"), 4);
    assert_int_equal(facet_count(r, IDX_FACET_LANGUAGE, "chi"), 6);
    assert_int_equal(facet_count(r, IDX_FACET_CENTURY, "18"), 3);
    assert_int_equal(facet_count(r, IDX_FACET_DYNASTY, "清"), 3); /* [清] too */
    assert_int_equal(facet_count(r, IDX_FACET_DYNASTY, "汉"), 1); /* 漢 */
    assert_int_equal(facet_count(r, IDX_FACET_CREATOR, "曹雪芹"), 2);
    idx_result_free(r);

    /* within a collection, with a facet selection in traditional form */
    q.collection = "善本";
    const char *sel[] = {"library:國家圖書館"};
    q.facets = sel;
    q.nfacets = 1;
    r = search(x, &q);
    assert_int_equal(r->total, 3); /* c1 c2 c4 */
    for (size_t i = 0; i < 5; i++)
        if (count_lib(libs[i], "善本") && strcmp(libs[i], "国家图书馆"))
            assert_true(facet_count(r, IDX_FACET_LIBRARY, libs[i]) <=
                        count_lib(libs[i], "善本"));
    assert_int_equal(facet_count(r, IDX_FACET_LIBRARY, "国家图书馆"), 3);
    assert_int_equal(facet_count(r, IDX_FACET_LIBRARY, "上海图书馆"), 1);
    idx_result_free(r);

    /* without facet counts: none, and the same exact total */
    q.no_facets = 1;
    r = search(x, &q);
    assert_int_equal(r->total, 3);
    assert_int_equal(r->total_lower, 3);
    assert_int_equal(r->total_upper, 3);
    for (size_t f = 0; f < IDX_NFACETS; f++) {
        assert_int_equal(r->facets[f].nvalues, 0);
        assert_string_equal(r->facets[f].name, idx_facet_name(f));
    }
    idx_result_free(r);
    idx_close(x, NULL);
}

static void deletion_propagates(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x = fill();
    assert_finds(x, "红楼梦", "c1");
    struct idx_meta m = {"c1", NULL, NULL, NULL, 0, 1, 0};
    assert_int_equal(idx_put(x, NULL, &m, NULL, 0, &err), WY_OK);
    assert_finds(x, "红楼梦", "");
    uint64_t n;
    assert_int_equal(idx_count(x, &n, &err), WY_OK);
    assert_int_equal(n, NRECS - 1);
    /* a changed record replaces the old document */
    struct spec s = recs[1];
    s.title = "欽定四庫全書";
    put(x, &s);
    assert_finds(x, "钦定", "c2");
    assert_int_equal(idx_count(x, &n, &err), WY_OK);
    assert_int_equal(n, NRECS - 1);
    idx_close(x, NULL);
}

static void full_text_of_objects(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    assert_int_equal(idx_open(&x, NULL, IDX_MEMORY, &err), WY_OK);
    struct wy_record *r = make(&recs[0]);
    const char *hocr =
        "<?xml version=\"1.0\"?><html><head><title>ignored</title></head>"
        "<body><div class='ocr_page'><span class='ocrx_word'>滿紙荒</span>"
        "<span class='ocrx_word'>唐</span><span class='ocrx_word'>言"
        "</span> <span class='ocrx_word'>&#x4E00;把辛酸淚</span></div>"
        "</body></html>";
    const char *plain = "都云作者痴，誰解其中味";
    struct idx_text t[] = {{"obj-1", hocr, strlen(hocr), IDX_TEXT_HOCR},
                           {"obj-2", plain, strlen(plain), IDX_TEXT_PLAIN}};
    struct idx_meta m = {"c1", NULL, NULL, NULL, 0, 0, 0};
    assert_int_equal(idx_put(x, r, &m, t, 2, &err), WY_OK);
    wy_record_free(r);
    assert_finds(x, "荒唐言", "c1");
    assert_finds(x, "text:一把辛酸泪", "c1");
    assert_finds(x, "谁解其中味", "c1");
    assert_finds(x, "ignored", "");
    assert_finds(x, "text:红楼梦", ""); /* the title is not full text */
    /* hOCR word boundaries between Chinese characters are no spaces in the
       snippet: the page reads 满纸荒唐言, not 满 纸 荒 唐 言 */
    struct idx_query q = IDX_QUERY_INIT;
    q.q = "荒唐言";
    struct idx_result *res = NULL;
    assert_int_equal(idx_search(x, &q, &res, &err), WY_OK);
    assert_int_equal(res->nhits, 1);
    char text[1024];
    size_t k = 0;
    for (const char *p = res->hits[0].snippet; *p && k + 1 < sizeof(text);) {
        if (!strncmp(p, "<b>", 3) || !strncmp(p, "</b>", 4))
            p += p[1] == '/' ? 4 : 3;
        else
            text[k++] = *p++;
    }
    text[k] = '\0';
    if (!strstr(text, "荒唐言"))
        fail_msg("snippet '%s'", res->hits[0].snippet);
    idx_result_free(res);
    idx_close(x, NULL);
}

static void marc_880_is_indexed_with_its_field(void **state)
{
    (void)state;
    /* a MARC 21 record catalogued in romanization with its 880 pair, as
       the Library of Congress catalogues Chinese books */
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    assert_int_equal(idx_open(&x, NULL, IDX_MEMORY, &err), WY_OK);
    struct wy_record *r = wy_record_new();
    r->kind = WY_MARC21;
    struct wy_field *f = wy_record_add_field(r, "245", '1', '0');
    assert_true(wy_field_add_sub(r, f, '6', "880-01", 6));
    assert_true(wy_field_add_sub(r, f, 'a', "Hong lou meng", 13));
    assert_true(wy_desc_add_title(r, "Hong lou meng", 13));
    f = wy_record_add_field(r, "880", '1', '0');
    assert_true(wy_field_add_sub(r, f, '6', "245-01/$1", 9));
    assert_true(wy_field_add_sub(r, f, 'a', "紅樓夢", strlen("紅樓夢")));
    f = wy_record_add_field(r, "880", '1', ' ');
    assert_true(wy_field_add_sub(r, f, '6', "100-02/$1", 9));
    assert_true(wy_field_add_sub(r, f, 'a', "曹雪芹", strlen("曹雪芹")));
    f = wy_record_add_field(r, "880", ' ', ' ');
    assert_true(wy_field_add_sub(r, f, '6', "260-03/$1", 9));
    assert_true(wy_field_add_sub(r, f, 'a', "北京", strlen("北京")));
    assert_true(wy_field_add_sub(r, f, 'b', "人民文學出版社",
                                 strlen("人民文學出版社")));
    struct idx_meta m = {"lc1", NULL, NULL, NULL, 0, 0, 0};
    assert_int_equal(idx_put(x, r, &m, NULL, 0, &err), WY_OK);
    wy_record_free(r);
    assert_finds(x, "title:红楼梦", "lc1");
    assert_finds(x, "title:\"hong lou meng\"", "lc1");
    assert_finds(x, "creator:曹雪芹", "lc1");
    assert_finds(x, "publisher:人民文学", "lc1");
    assert_finds(x, "place:北京", "lc1");
    assert_finds(x, "publisher:北京", "");
    idx_close(x, NULL);
}

static void index_while_searching(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/index", dir);
    struct wy_err err = WY_ERR_INIT;
    struct idx *w, *rd;
    assert_int_equal(idx_open(&w, path, IDX_WRITE, &err), WY_OK);
    assert_int_equal(idx_begin(w, &err), WY_OK);
    put(w, &recs[0]);
    assert_int_equal(idx_set_seq(w, 7, &err), WY_OK);
    assert_int_equal(idx_commit(w, &err), WY_OK);

    assert_int_equal(idx_open(&rd, path, IDX_READ, &err), WY_OK);
    assert_null(idx_stale(rd));
    uint64_t seq;
    assert_int_equal(idx_get_seq(rd, &seq, &err), WY_OK);
    assert_int_equal(seq, 7);
    assert_finds(rd, "红楼梦", "c1");

    assert_int_equal(idx_begin(w, &err), WY_OK);
    put(w, &recs[1]);
    struct idx_meta del = {"c1", NULL, NULL, NULL, 0, 1, 0};
    assert_int_equal(idx_put(w, NULL, &del, NULL, 0, &err), WY_OK);
    assert_int_equal(idx_commit(w, &err), WY_OK);
    assert_finds(rd, "四库全书", ""); /* the reader's snapshot */
    assert_finds(rd, "红楼梦", "c1");
    assert_int_equal(idx_reopen(rd, &err), WY_OK);
    assert_finds(rd, "四库全书", "c2");
    assert_finds(rd, "红楼梦", "");

    /* a cluster value cannot be set through a reader */
    int changed = -1;
    assert_int_equal(idx_set_cluster(rd, "c2", 3, &changed, &err),
                     WY_ESTATE);
    assert_err(&err, WY_ESTATE, "record 'c2'");
    assert_err(&err, WY_ESTATE, "read-only");
    assert_int_equal(changed, 0);
    wy_err_release(&err);

    /* a second writer is refused while the first is open */
    struct idx *w2 = NULL;
    assert_int_equal(idx_open(&w2, path, IDX_WRITE, &err), WY_EINDEX);
    assert_err(&err, WY_EINDEX, path);
    wy_err_release(&err);
    assert_int_equal(idx_close(w, &err), WY_OK);
    assert_int_equal(idx_close(rd, &err), WY_OK);
    wy_test_rmdir(dir);
}

/* Totals and facet counts of a repeated query are kept per handle for one
   revision of the index: the same on a repeat (any page), new after a
   reopen that sees another commit. */
static void facet_counts_follow_the_index(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/index", dir);
    struct wy_err err = WY_ERR_INIT;
    struct idx *w, *rd;
    assert_int_equal(idx_open(&w, path, IDX_WRITE, &err), WY_OK);
    assert_int_equal(idx_begin(w, &err), WY_OK);
    put(w, &recs[0]);
    assert_int_equal(idx_commit(w, &err), WY_OK);
    assert_int_equal(idx_open(&rd, path, IDX_READ, &err), WY_OK);

    struct idx_query q = IDX_QUERY_INIT;
    q.page_size = 1;
    for (int rep = 0; rep < 2; rep++) { /* computed, then remembered */
        q.page = (size_t)rep + 1;
        struct idx_result *r = search(rd, &q);
        assert_int_equal(r->total, 1);
        assert_int_equal(r->nhits, rep == 0 ? 1 : 0);
        assert_int_equal(facet_count(r, IDX_FACET_LIBRARY, "国家图书馆"), 1);
        idx_result_free(r);
    }

    assert_int_equal(idx_begin(w, &err), WY_OK);
    put(w, &recs[1]);
    assert_int_equal(idx_commit(w, &err), WY_OK);
    q.page = 1;
    struct idx_result *r = search(rd, &q); /* the reader's snapshot */
    assert_int_equal(r->total, 1);
    idx_result_free(r);
    assert_int_equal(idx_reopen(rd, &err), WY_OK);
    r = search(rd, &q);
    assert_int_equal(r->total, 2);
    /* c1 and c2: both Chinese, both held by 国家图书馆 */
    assert_int_equal(facet_count(r, IDX_FACET_LANGUAGE, "chi"), 2);
    assert_int_equal(facet_count(r, IDX_FACET_LIBRARY, "国家图书馆"), 2);
    assert_int_equal(facet_count(r, IDX_FACET_LIBRARY, "北京大学图书馆"), 1);
    idx_result_free(r);
    assert_int_equal(idx_close(w, &err), WY_OK);
    assert_int_equal(idx_close(rd, &err), WY_OK);
    wy_test_rmdir(dir);
}

static void stale_tables_are_detected(void **state)
{
    (void)state;
    char *dir = wy_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/index", dir);
    struct wy_err err = WY_ERR_INIT;
    struct idx *w;
    assert_int_equal(idx_open(&w, path, IDX_WRITE, &err), WY_OK);
    put(w, &recs[0]);
    assert_null(idx_stale(w));
    assert_int_equal(idx_close(w, &err), WY_OK);
    /* pretend the index was built with an older variant table */
    struct idx_xdb *db;
    assert_int_equal(idx_xdb_open(&db, path, IDX_XDB_WRITE, &err), WY_OK);
    assert_int_equal(
        idx_xdb_set_meta(db, "wenyuan.cjk", "0/unihan-14.0.0", &err), WY_OK);
    assert_int_equal(idx_xdb_close(db, &err), WY_OK);
    assert_int_equal(idx_open(&w, path, IDX_READ, &err), WY_OK);
    assert_non_null(idx_stale(w));
    assert_non_null(strstr(idx_stale(w), "0/unihan-14.0.0"));
    idx_close(w, &err);
    wy_test_rmdir(dir);
}

/* One hit per cluster: c1 紅樓夢 and c5 石頭記 (both by 曹雪芹) in cluster
   1, c2 alone in cluster 2, the others unclustered. */
static int64_t cluster_of_spec(const struct spec *s)
{
    return !strcmp(s->id, "c1") || !strcmp(s->id, "c5") ? 1
           : !strcmp(s->id, "c2")                        ? 2
                                                         : 0;
}

static void collapse_one_hit_per_cluster(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    assert_int_equal(idx_open(&x, NULL, IDX_MEMORY, &err), WY_OK);
    for (size_t i = 0; i < NRECS; i++) {
        struct wy_record *r = make(&recs[i]);
        struct idx_meta m = {recs[i].id, "local", recs[i].coll, NULL, 0, 0,
                             cluster_of_spec(&recs[i])};
        assert_int_equal(idx_put(x, r, &m, NULL, 0, &err), WY_OK);
        wy_record_free(r);
    }
    struct idx_query q = IDX_QUERY_INIT;
    q.q = "曹雪芹";
    struct idx_result *r = search(x, &q);
    assert_int_equal(r->total, 2);
    assert_int_equal(r->hits[0].cluster, 1);
    idx_result_free(r);
    q.collapse = 1;
    r = search(x, &q);
    assert_int_equal(r->total, 1);
    assert_int_equal(r->total_records, 2);
    assert_int_equal(r->nhits, 1);
    assert_int_equal(r->hits[0].cluster, 1);
    assert_int_equal(r->hits[0].collapsed, 1);
    /* facets count records, not clusters */
    assert_int_equal(facet_count(r, IDX_FACET_CREATOR, "曹雪芹"), 2);
    assert_int_equal(facet_count(r, IDX_FACET_LIBRARY, "国家图书馆"), 1);
    assert_int_equal(facet_count(r, IDX_FACET_LIBRARY, "上海图书馆"), 1);
    struct wy_buf js = WY_BUF_INIT(1u << 20);
    idx_result_json(r, &q, &js);
    assert_non_null(strstr(wy_buf_cstr(&js), "\"total\":1,"));
    assert_non_null(strstr(wy_buf_cstr(&js), "\"total_records\":2,"));
    assert_non_null(strstr(wy_buf_cstr(&js), "\"cluster\":1,\"collapsed\":1"));
    wy_buf_release(&js);
    idx_result_free(r);

    /* every record, pages of 3: 7 groups (c1 and c5 are one), each once */
    q.q = NULL;
    q.page_size = 3;
    char seen[NRECS][8];
    size_t n = 0;
    for (size_t page = 1; page <= 4; page++) {
        q.page = page;
        r = search(x, &q);
        assert_int_equal(r->total, NRECS - 1);
        assert_int_equal(r->total_records, NRECS);
        assert_int_equal(r->nhits, page < 3 ? 3 : page == 3 ? 1 : 0);
        for (size_t i = 0; i < r->nhits; i++) {
            const char *id = r->hits[i].id;
            if (!strcmp(id, "c5"))
                id = "c1"; /* either stands for cluster 1 */
            for (size_t k = 0; k < n; k++)
                if (!strcmp(seen[k], id))
                    fail_msg("'%s' twice", id);
            snprintf(seen[n++], sizeof(seen[0]), "%s", id);
        }
        idx_result_free(r);
    }
    assert_int_equal(n, NRECS - 1);

    /* a cluster change sets the value in place */
    int changed = -1;
    assert_int_equal(idx_set_cluster(x, "c5", 5, &changed, &err), WY_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(idx_set_cluster(x, "c5", 5, &changed, &err), WY_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(idx_set_cluster(x, "nonesuch", 5, &changed, &err), WY_OK);
    assert_int_equal(changed, 0);
    q = (struct idx_query)IDX_QUERY_INIT;
    q.q = "曹雪芹";
    q.collapse = 1;
    r = search(x, &q);
    assert_int_equal(r->total, 2);
    assert_int_equal(r->hits[0].collapsed + r->hits[1].collapsed, 0);
    idx_result_free(r);
    assert_finds(x, "石頭記", "c5"); /* the document is otherwise intact */
    assert_int_equal(idx_set_cluster(x, "c1", 0, &changed, &err), WY_OK);
    assert_int_equal(changed, 1);
    r = search(x, &q);
    assert_int_equal(r->total, 2);
    assert_true(r->hits[0].cluster == 0 || r->hits[1].cluster == 0);
    idx_result_free(r);
    idx_close(x, NULL);
}

/* With a short page, Xapian 1.4 leaves the collapsed estimate loose for a
   phrase (records with both characters apart are candidates): every match
   is visited for the facets, so the total must still be exact. 90
   records: 史记 as a phrase in every third, 记 ... 史 apart in every
   third, in clusters of two consecutive records. */
static void collapsed_totals_are_exact(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    assert_int_equal(idx_open(&x, NULL, IDX_MEMORY, &err), WY_OK);
    int64_t seen[90];
    size_t groups = 0, records = 0;
    for (int i = 0; i < 90; i++) {
        char id[16], title[64];
        snprintf(id, sizeof(id), "p%d", i);
        snprintf(title, sizeof(title), "%s %d",
                 i % 3 == 0   ? "史记"
                 : i % 3 == 1 ? "记其史"
                              : "汉书",
                 i);
        struct wy_record *r = wy_record_new();
        assert_true(wy_desc_add_title(r, title, strlen(title)));
        int64_t cl = i / 2 + 1;
        struct idx_meta m = {id, NULL, NULL, NULL, 0, 0, cl};
        assert_int_equal(idx_put(x, r, &m, NULL, 0, &err), WY_OK);
        wy_record_free(r);
        if (i % 3)
            continue;
        records++;
        size_t k = 0;
        while (k < groups && seen[k] != cl)
            k++;
        if (k == groups)
            seen[groups++] = cl;
    }
    struct idx_query q = IDX_QUERY_INIT;
    q.q = "史记";
    q.collapse = 1;
    for (size_t size = 1; size <= 199; size += 99) {
        q.page_size = size > 100 ? 1 : size;
        q.no_facets = size > 100; /* exact without facets too */
        struct idx_result *r = search(x, &q);
        assert_int_equal(r->total, groups);
        assert_int_equal(r->total_lower, groups);
        assert_int_equal(r->total_upper, groups);
        assert_int_equal(r->total_records, records);
        assert_int_equal(r->nhits,
                         q.page_size < groups ? q.page_size : groups);
        idx_result_free(r);
    }
    idx_close(x, NULL);
}

/* An index on disk in a new temporary directory (returned; its path in
   path): n records titled "<word> i", id "<id_prefix>i", in clusters of two
   when clustered (else none). */
static char *disk_index(char path[4096], int n, const char *id_prefix,
                        const char *word, int clustered)
{
    struct wy_err err = WY_ERR_INIT;
    char *dir = wy_test_tmpdir();
    snprintf(path, 4096, "%s/index", dir);
    struct idx *x;
    assert_int_equal(idx_open(&x, path, IDX_WRITE, &err), WY_OK);
    for (int i = 0; i < n; i++) {
        char id[16], title[64];
        snprintf(id, sizeof(id), "%s%d", id_prefix, i);
        snprintf(title, sizeof(title), "%s %d", word, i);
        struct wy_record *r = wy_record_new();
        assert_true(wy_desc_add_title(r, title, strlen(title)));
        struct idx_meta m = {id, NULL, NULL, NULL, 0, 0,
                             clustered ? i / 2 + 1 : 0};
        assert_int_equal(idx_put(x, r, &m, NULL, 0, &err), WY_OK);
        wy_record_free(r);
    }
    assert_int_equal(idx_close(x, &err), WY_OK);
    return dir;
}

/* Collapse counts are exact on every run of a query, also when a reader
   answers it again from its cache of totals and facets (the service's
   threads each keep one: a second page of the same query used to come back
   with the counts of a match that stopped early). 40 records in clusters
   of two, read from disk. */
static void collapse_counts_survive_the_cache(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    char path[4096];
    char *dir = disk_index(path, 40, "k", "史记", 1);
    struct idx *x;
    assert_int_equal(idx_open(&x, path, IDX_READ, &err), WY_OK);
    struct idx_query q = IDX_QUERY_INIT;
    q.collapse = 1;
    q.page_size = 4;
    for (int round = 0; round < 2; round++) {
        for (size_t page = 1; page <= 5; page++) {
            q.page = page;
            struct idx_result *r = search(x, &q);
            assert_int_equal(r->total, 20);
            assert_int_equal(r->total_records, 40);
            assert_int_equal(r->nhits, 4);
            for (size_t i = 0; i < r->nhits; i++)
                if (r->hits[i].collapsed != 1)
                    fail_msg("round %d, page %zu, hit %zu: collapsed %llu",
                             round, page, i,
                             (unsigned long long)r->hits[i].collapsed);
            idx_result_free(r);
        }
    }
    idx_close(x, NULL);
    wy_test_rmdir(dir);
}

/* Two threads, each with its own read handle (as the service's threads),
   browsing with no query at the same time: nothing in the binding may be
   shared between handles. Xapian's Query::MatchAll is one global object
   whose reference count is not atomic; copying it from two threads broke
   the count and crashed the service under the web page's parallel
   requests. */
struct browse_arg {
    const char *path;
    int failures;
};

static void *browse_many(void *p)
{
    struct browse_arg *a = p;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x = NULL;
    if (idx_open(&x, a->path, IDX_READ, &err) != WY_OK) {
        wy_err_release(&err);
        a->failures++;
        return NULL;
    }
    for (int i = 0; i < 3000; i++) {
        struct idx_query q = IDX_QUERY_INIT;
        q.collapse = i % 2;
        q.page_size = 2;
        struct idx_result *r = NULL;
        if (idx_search(x, &q, &r, &err) != WY_OK || r->total != 12) {
            wy_err_release(&err);
            a->failures++;
        }
        idx_result_free(r);
    }
    idx_close(x, NULL);
    return NULL;
}

static void browsing_from_two_threads(void **state)
{
    (void)state;
    char path[4096];
    char *dir = disk_index(path, 12, "b", "方志", 0);
    struct browse_arg a[2] = {{path, 0}, {path, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, browse_many, &a[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(a[0].failures + a[1].failures, 0);
    wy_test_rmdir(dir);
}

/* Snippets are cut from the folded (simplified) text and show the text
   as catalogued when folding kept each field's length. */
static void snippets_in_the_original_script(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    assert_int_equal(idx_open(&x, NULL, IDX_MEMORY, &err), WY_OK);
    static const struct {
        const char *id, *title, *subject, *want;
    } t[] = {
        /* traditional title and subject, searched in simplified */
        {"t1", "紅樓夢", "章回小說", "<b>紅樓夢</b> … 章回小說"},
        /* ㈠ (U+3220) folds to "(一)": that title is shown folded, the
           subject as catalogued */
        {"t2", "第㈠回紅樓夢", "章回小說", "第(一)回<b>红楼梦</b> … 章回小說"},
        /* markup in the record is escaped, marks stay marks */
        {"t3", "A <b> & 紅樓夢", NULL, "A &lt;b&gt; &amp; <b>紅樓夢</b>"},
    };
    for (size_t i = 0; i < 3; i++) {
        struct wy_record *r = wy_record_new();
        assert_true(wy_desc_add_title(r, t[i].title, strlen(t[i].title)));
        if (t[i].subject)
            assert_true(
                wy_desc_add_subject(r, t[i].subject, strlen(t[i].subject)));
        struct idx_meta m = {t[i].id, NULL, NULL, NULL, 0, 0, 0};
        const char *full = "滿紙荒唐言，一把辛酸淚";
        struct idx_text tx = {"obj", full, strlen(full), IDX_TEXT_PLAIN};
        assert_int_equal(idx_put(x, r, &m, &tx, i == 0, &err), WY_OK);
        wy_record_free(r);
    }
    struct idx_query q = IDX_QUERY_INIT;
    q.q = "红楼梦";
    struct idx_result *r = search(x, &q);
    assert_int_equal(r->nhits, 3);
    for (size_t i = 0; i < r->nhits; i++)
        for (size_t k = 0; k < 3; k++)
            if (!strcmp(r->hits[i].id, t[k].id) &&
                !strstr(r->hits[i].snippet, t[k].want))
                fail_msg("%s: snippet '%s', want '%s'", t[k].id,
                         r->hits[i].snippet, t[k].want);
    idx_result_free(r);
    /* full text likewise */
    q.q = "辛酸泪";
    r = search(x, &q);
    assert_int_equal(r->nhits, 1);
    if (!strstr(r->hits[0].snippet, "一把<b>辛酸淚</b>"))
        fail_msg("snippet '%s'", r->hits[0].snippet);
    idx_result_free(r);
    idx_close(x, NULL);
}

/* 版本类别 from the edition statement (the vocabulary of
   docs/COLLECTIONS.md) and places without their ISBD punctuation. */
static void collection_facets_from_the_record(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x;
    assert_int_equal(idx_open(&x, NULL, IDX_MEMORY, &err), WY_OK);
    static const struct {
        const char *id, *edition, *place, *type;
    } t[] = {
        {"f1", "據明刻本影印", "[北京] :", "影印本"},
        {"f2", "清乾隆刻朱墨套印本", "北京", "套印本"},
        {"f3", "武英殿聚珍版", "北京 ;", "活字本"},
        {"f4", "第2版", "上海：", NULL},
        {"f5", "清刻", NULL, "刻本"},
        {"f6", "舊鈔本", NULL, "抄本"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct wy_record *r = wy_record_new();
        assert_true(wy_desc_add_title(r, "书", 3));
        assert_true(wy_desc_set(r, &r->desc.edition, t[i].edition,
                                strlen(t[i].edition)));
        if (t[i].place)
            assert_true(wy_desc_set(r, &r->desc.place, t[i].place,
                                    strlen(t[i].place)));
        struct idx_meta m = {t[i].id, NULL, NULL, NULL, 0, 0, 0};
        assert_int_equal(idx_put(x, r, &m, NULL, 0, &err), WY_OK);
        wy_record_free(r);
    }
    struct idx_query q = IDX_QUERY_INIT;
    struct idx_result *r = search(x, &q);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].type)
            assert_int_equal(
                facet_count(r, IDX_FACET_EDITION_TYPE, t[i].type), 1);
    assert_int_equal(r->facets[IDX_FACET_EDITION_TYPE].nvalues, 5);
    assert_string_equal(r->facets[IDX_FACET_EDITION_TYPE].name,
                        "edition_type");
    assert_int_equal(facet_count(r, IDX_FACET_PLACE, "北京"), 3);
    assert_int_equal(facet_count(r, IDX_FACET_PLACE, "上海"), 1);
    assert_int_equal(r->facets[IDX_FACET_PLACE].nvalues, 2);
    idx_result_free(r);
    assert_finds(x, "edition_type:抄本", "f6");
    assert_finds(x, "地点:北京", "f1 f2 f3");
    idx_close(x, NULL);
}

/* Identifiers: one term each, without hyphens, spaces or case; the
   query's value gets the same treatment, so every spelling finds it. */
static void identifiers_ignore_hyphens_spaces_and_case(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x = fill();
    struct wy_record *r = make(&recs[0]);
    assert_true(wy_desc_add_ident(r, "isbn", "978-7-02-000220-7",
                                  strlen("978-7-02-000220-7")));
    assert_true(wy_desc_add_ident(r, "issn", "1234-567X", strlen("1234-567X")));
    struct wy_holding h = {"国家图书馆", "善 60294", "440000-0006-0000001",
                           NULL};
    assert_true(wy_desc_add_holding(r, &h));
    struct idx_meta m = {"n1", "local", "guji", NULL, 0, 0, 0};
    assert_int_equal(idx_put(x, r, &m, NULL, 0, &err), WY_OK);
    wy_record_free(r);
    assert_finds(x, "isbn:9787020002207", "n1");
    assert_finds(x, "isbn:978-7-02-000220-7", "n1");
    assert_finds(x, "id:\"978 7 02 000220 7\"", "n1");
    assert_finds(x, "issn:1234-567x", "n1");
    assert_finds(x, "issn:1234567X", "n1");
    assert_finds(x, "callno:善60294", "n1");
    assert_finds(x, "callno:\"善 60294\"", "n1");
    assert_finds(x, "id:440000-0006-0000001", "n1");
    assert_finds(x, "id:44000000060000001 红楼梦", "n1");
    assert_finds(x, "红楼梦 -id:44000000060000001", "c1");
    assert_finds(x, "isbn:978702000220", ""); /* no prefix matches */
    idx_close(x, NULL);
}

/* A rebuild from scratch writes the index in a second thread: the same
   answers as in one thread, and its records are all there at commit. */
static void fresh_rebuild_in_two_threads(void **state)
{
    (void)state;
    static const char *const queries[] = {
        "红楼梦",     "creator:曹雪芹", "library:上海图书馆", "type:text",
        "dynasty:清", "libraries",      "紅樓夢 OR smith",    ""};
    char want[8][256], got[256];
    char *dir = wy_test_tmpdir();
    char path[4096];
    struct wy_err err = WY_ERR_INIT;
    for (int threads = 1; threads <= 2; threads++) {
        snprintf(path, sizeof(path), "%s/idx%d", dir, threads);
        struct idx *x;
        assert_int_equal(idx_open(&x, path, IDX_REBUILD, &err), WY_OK);
        idx_set_fresh(x, 1);
        idx_set_threads(x, threads);
        assert_int_equal(idx_begin(x, &err), WY_OK);
        for (int round = 0; round < 2; round++) /* two batches */
            for (size_t i = 0; i < NRECS; i++) {
                struct spec sp = recs[i];
                char id[32];
                snprintf(id, sizeof(id), "%s-%d", recs[i].id, round);
                sp.id = id;
                put(x, &sp);
                if (round == 0 && i == NRECS - 1) {
                    assert_int_equal(idx_commit(x, &err), WY_OK);
                    assert_int_equal(idx_begin(x, &err), WY_OK);
                }
            }
        assert_int_equal(idx_commit(x, &err), WY_OK);
        uint64_t n = 0;
        assert_int_equal(idx_count(x, &n, &err), WY_OK);
        assert_int_equal(n, 2 * NRECS);
        assert_int_equal(idx_close(x, &err), WY_OK);
        assert_int_equal(idx_open(&x, path, IDX_READ, &err), WY_OK);
        for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
            ids(x, queries[q], threads == 1 ? want[q] : got, sizeof(got));
            if (threads == 2 && strcmp(got, want[q]))
                fail_msg("'%s': two threads found '%s', one '%s'", queries[q],
                         got, want[q]);
        }
        idx_close(x, NULL);
    }
    assert_string_equal(want[0], "c1-0 c1-1");
    wy_test_rmdir(dir);
}

static void errors_name_their_place(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    struct idx *x = NULL;
    assert_int_equal(idx_open(&x, "/nonexistent/idx", IDX_READ, &err),
                     WY_EINDEX);
    assert_err(&err, WY_EINDEX, "'/nonexistent/idx'");
    wy_err_release(&err);

    x = fill();
    struct idx_query q = IDX_QUERY_INIT;
    const char *sel[] = {"shelf:3"};
    q.facets = sel;
    q.nfacets = 1;
    struct idx_result *r = NULL;
    assert_int_equal(idx_search(x, &q, &r, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "unknown facet 'shelf'");
    wy_err_release(&err);
    sel[0] = "library";
    assert_int_equal(idx_search(x, &q, &r, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "'library' is not NAME:VALUE");
    wy_err_release(&err);
    q = (struct idx_query)IDX_QUERY_INIT;
    q.page_size = 5000;
    assert_int_equal(idx_search(x, &q, &r, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "page size 5000");
    wy_err_release(&err);
    enum idx_sort s;
    assert_int_equal(idx_sort_parse("size", &s, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "unknown sort 'size'");
    wy_err_release(&err);
    struct idx_meta m = {NULL, NULL, NULL, NULL, 0, 0, 0};
    assert_int_equal(idx_put(x, NULL, &m, NULL, 0, &err), WY_EINVAL);
    assert_err(&err, WY_EINVAL, "without an id");
    wy_err_release(&err);
    /* odd queries are answered, not thrown */
    assert_finds(x, "\"unbalanced", "");
    assert_finds(x, "AND OR NOT", "");
    assert_finds(x, "title:", "");
    assert_finds(x, "((((", "");
    idx_close(x, NULL);
}

WY_GROUP(idx, NULL, NULL, cmocka_unit_test(simplified_finds_traditional),
         cmocka_unit_test(rare_characters_one_by_one),
         cmocka_unit_test(mixed_latin_and_cjk_queries),
         cmocka_unit_test(fielded_queries),
         cmocka_unit_test(date_ranges_and_sorting),
         cmocka_unit_test(facet_counts_are_exact),
         cmocka_unit_test(deletion_propagates),
         cmocka_unit_test(full_text_of_objects),
         cmocka_unit_test(marc_880_is_indexed_with_its_field),
         cmocka_unit_test(index_while_searching),
         cmocka_unit_test(facet_counts_follow_the_index),
         cmocka_unit_test(stale_tables_are_detected),
         cmocka_unit_test(collapse_one_hit_per_cluster),
         cmocka_unit_test(collapsed_totals_are_exact),
         cmocka_unit_test(browsing_from_two_threads),
         cmocka_unit_test(collapse_counts_survive_the_cache),
         cmocka_unit_test(snippets_in_the_original_script),
         cmocka_unit_test(collection_facets_from_the_record),
         cmocka_unit_test(identifiers_ignore_hyphens_spaces_and_case),
         cmocka_unit_test(fresh_rebuild_in_two_threads),
         cmocka_unit_test(errors_name_their_place))
