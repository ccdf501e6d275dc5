/* tests/fuzz/fuzz_query.c: the search path for a user's query string:
   Chinese normalization, the query parser (with its 1.4.22 fallbacks),
   facet selections and the snippet/facet machinery, against a small
   in-memory index built once. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

#include "formats/record.h"
#include "indexer/idx.h"

/* Built on first use and kept for the process: opening OpenCC and
   indexing for every input would make the fuzzer crawl. */
static struct idx *fuzz_index(void)
{
    static struct idx *x;
    static const char *const titles[] = {"紅樓夢",
                                         "四庫全書總目",
                                         "淸代詩文集",
                                         "說文\xf0\xa0\x80\x80部考",
                                         "Running a library",
                                         "古字\xf0\xb0\x80\x80彙"};
    if (x)
        return x;
    struct wy_err err = WY_ERR_INIT;
    if (idx_open(&x, NULL, IDX_MEMORY, &err) != WY_OK)
        abort();
    for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
        struct wy_record *r = wy_record_new();
        char id[8] = {'r', (char)('0' + i), 0};
        struct wy_name n = {.name = "曹雪芹", .dynasty = "清", .personal = 1};
        struct wy_holding h = {i % 2 ? "国家图书馆" : "上海图书馆", NULL, NULL,
                               NULL};
        if (!r || !wy_desc_add_title(r, titles[i], strlen(titles[i])) ||
            !wy_desc_add_creator(r, &n) || !wy_desc_add_holding(r, &h))
            abort();
        r->desc.year_from = 1700 + (int)i * 50;
        r->desc.year_to = r->desc.year_from + 10;
        struct idx_meta m = {id,  "local", i % 3 ? "善本" : "普通",
                             NULL, 0,       0,
                             i % 3 ? (int64_t)(i % 2) + 1 : 0};
        if (idx_put(x, r, &m, NULL, 0, &err) != WY_OK)
            abort();
        wy_record_free(r);
    }
    return x;
}

WY_FUZZ_TARGET(query)
{
    if (size > 4096)
        return 0;
    struct idx *x = fuzz_index();
    char *q = malloc(size + 1);
    if (!q)
        return 0;
    memcpy(q, data, size);
    q[size] = '\0';
    struct idx_query iq = IDX_QUERY_INIT;
    iq.q = q;
    const char *sel[1];
    if (size && (data[0] & 1)) {
        sel[0] = q; /* the whole input as a facet selection */
        iq.facets = sel;
        iq.nfacets = 1;
    }
    if (size && (data[0] & 2))
        iq.from_year = 1750;
    if (size && (data[0] & 4))
        iq.collapse = 1; /* one hit per cluster */
    iq.sort = size ? (enum idx_sort)((data[size - 1] >> 2) % 4) : 0;
    struct wy_err err = WY_ERR_INIT;
    struct idx_result *r = NULL;
    if (idx_search(x, &iq, &r, &err) == WY_OK) {
        struct wy_buf b = WY_BUF_INIT(1u << 20);
        idx_result_json(r, &iq, &b);
        wy_buf_release(&b);
    } else if (err.code != WY_EINVAL) {
        /* only a malformed query or selection may fail */
        abort();
    }
    idx_result_free(r);
    wy_err_release(&err);
    free(q);
    return 0;
}
