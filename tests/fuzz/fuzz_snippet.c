/* tests/fuzz/fuzz_snippet.c: a record's own text, hostile, indexed and
   searched for a piece of itself, so that the snippet is cut from its
   normalized text and mapped back to the original script (idx.c
   snippet_original): any bytes, escapes, marks-like text, characters
   whose folding changes length. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

#include "formats/record.h"
#include "indexer/idx.h"

static struct idx *fuzz_index(void)
{
    static struct idx *x;
    struct wy_err err = WY_ERR_INIT;
    if (!x && idx_open(&x, NULL, IDX_MEMORY, &err) != WY_OK)
        abort();
    return x;
}

WY_FUZZ_TARGET(snippet)
{
    if (size < 2 || size > 4096)
        return 0;
    struct idx *x = fuzz_index();
    /* the first byte: how much of the rest is the query */
    size_t qn = 1 + data[0] % 16;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    if (qn > n)
        qn = n;
    char *t = malloc(n + 1), *q = malloc(qn + 1);
    if (!t || !q)
        abort();
    memcpy(t, text, n);
    t[n] = '\0';
    memcpy(q, text + n - qn, qn);
    q[qn] = '\0';
    struct wy_record *r = wy_record_new();
    if (!r || !wy_desc_add_title(r, t, strlen(t)) ||
        !wy_desc_add_note(r, t, strlen(t)))
        abort();
    struct idx_meta m = {"s1", NULL, NULL, NULL, 0, 0, 1};
    struct idx_text ft = {"o", t, n,
                          (data[0] & 0x80) ? IDX_TEXT_HOCR : IDX_TEXT_PLAIN};
    struct wy_err err = WY_ERR_INIT;
    if (idx_put(x, r, &m, &ft, 1, &err) != WY_OK)
        abort();
    wy_record_free(r);
    struct idx_query iq = IDX_QUERY_INIT;
    iq.q = q;
    iq.collapse = data[0] & 0x40;
    struct idx_result *res = NULL;
    if (idx_search(x, &iq, &res, &err) == WY_OK) {
        struct wy_buf b = WY_BUF_INIT(1u << 20);
        idx_result_json(res, &iq, &b);
        wy_buf_release(&b);
    } else if (err.code != WY_EINVAL) {
        abort();
    }
    idx_result_free(res);
    wy_err_release(&err);
    free(t);
    free(q);
    return 0;
}
