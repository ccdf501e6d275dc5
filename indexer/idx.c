/* indexer/idx.c: the index handle (open, close, transactions, the
   sequence and cluster marks) and the field tables; records to documents
   are in idx_doc.c, searches in idx_search.c. The schema (prefixes, value
   slots) is in idx_int.h and docs/SEARCH.md. */
#include "indexer/idx_int.h"

const struct idxi_facet_def idxi_facet_defs[IDX_NFACETS] = {
    [IDX_FACET_COLLECTION] = {"collection", "XCOLL"},
    [IDX_FACET_LIBRARY] = {"library", "XLIB"},
    [IDX_FACET_TYPE] = {"type", "XTYPE"},
    [IDX_FACET_LANGUAGE] = {"language", "XLANG"},
    [IDX_FACET_CREATOR] = {"creator", "XAUTH"},
    [IDX_FACET_CENTURY] = {"century", "XCENT"},
    [IDX_FACET_DYNASTY] = {"dynasty", "XDYN"},
    [IDX_FACET_SOURCE] = {"source", "XSRC"},
    [IDX_FACET_EDITION_TYPE] = {"edition_type", "XEDT"},
    [IDX_FACET_PLACE] = {"place", "XPLC"},
    [IDX_FACET_REGION] = {"region", "XREG"},
};

const struct idx_xfield idxi_query_fields[] = {
    {"", P_TITLE, 0},
    {"", P_CREATOR, 0},
    {"", P_SUBJECT, 0},
    {"", P_PUBLISHER, 0},
    {"", P_PLACE, 0},
    {"", P_EDITION, 0},
    {"", P_NOTE, 0},
    {"", P_TEXT, 0},
    {"", P_DATE, 0},
    {"title", P_TITLE, 0},
    {"题名", P_TITLE, 0},
    {"creator", P_CREATOR, 0},
    {"author", P_CREATOR, 0},
    {"责任者", P_CREATOR, 0},
    {"作者", P_CREATOR, 0},
    {"subject", P_SUBJECT, 0},
    {"主题", P_SUBJECT, 0},
    {"publisher", P_PUBLISHER, 0},
    {"出版者", P_PUBLISHER, 0},
    {"place", P_PLACE, 0},
    {"出版地", P_PLACE, 0},
    {"edition", P_EDITION, 0},
    {"版本", P_EDITION, 0},
    {"note", P_NOTE, 0},
    {"附注", P_NOTE, 0},
    {"text", P_TEXT, 0},
    {"全文", P_TEXT, 0},
    {"id", P_IDENT, 1},
    {"isbn", P_IDENT, 1},
    {"issn", P_IDENT, 1},
    {"callno", P_IDENT, 1},
    {"set", P_SET, 1},
    {"collection", "XCOLL", 1},
    {"library", "XLIB", 1},
    {"type", "XTYPE", 1},
    {"language", "XLANG", 1},
    {"lang", "XLANG", 1},
    {"century", "XCENT", 1},
    {"dynasty", "XDYN", 1},
    {"朝代", "XDYN", 1},
    {"source", "XSRC", 1},
    {"edition_type", "XEDT", 1},
    {"版本类别", "XEDT", 1},
    {"地点", "XPLC", 1},
    {"region", "XREG", 1},
    {"主题地域", "XREG", 1},
};
const size_t idxi_nquery_fields =
    sizeof(idxi_query_fields) / sizeof(idxi_query_fields[0]);

void idx_set_library_resolver(struct idx *x, idx_library_fn fn, void *ctx)
{
    x->library_fn = fn;
    x->library_ctx = ctx;
}

const char *idx_facet_name(enum idx_facet_kind f)
{
    return (unsigned)f < IDX_NFACETS ? idxi_facet_defs[f].name : "?";
}

static const char *norm_version(void)
{
    return cjk_version();
}

static wy_code check_versions(struct idx *x, struct wy_err *err)
{
    char *schema = NULL, *cjkv = NULL;
    wy_code rc = idx_xdb_get_meta(x->db, META_SCHEMA, &schema, err);
    if (rc == WY_OK)
        rc = idx_xdb_get_meta(x->db, META_CJK, &cjkv, err);
    if (rc != WY_OK)
        goto out;
    uint64_t n = 0;
    rc = idx_xdb_doccount(x->db, &n, err);
    if (rc != WY_OK)
        goto out;
    if (!*schema && n == 0 && x->mode != IDX_READ) {
        /* a new index: stamp it */
        rc = idx_xdb_set_meta(x->db, META_SCHEMA, IDX_SCHEMA, err);
        if (rc == WY_OK)
            rc = idx_xdb_set_meta(x->db, META_CJK, norm_version(), err);
        goto out;
    }
    struct wy_buf b = WY_BUF_INIT(4096);
    if (strcmp(schema, IDX_SCHEMA))
        wy_buf_addf(&b, "index schema '%s', this program writes '%s'", schema,
                    IDX_SCHEMA);
    else if (strcmp(cjkv, norm_version()))
        wy_buf_addf(&b,
                    "index built with variant table '%s', this program "
                    "has '%s'",
                    cjkv, norm_version());
    if (b.len)
        x->stale = wy_buf_take(&b, NULL);
    rc = wy_buf_status(&b, err);
    wy_buf_release(&b);
out:
    free(schema);
    free(cjkv);
    return rc;
}

wy_code idx_open(struct idx **out, const char *path, enum idx_mode mode,
                 struct wy_err *err)
{
    *out = NULL;
    struct idx *x = wy_calloc(1, sizeof(*x));
    if (!x)
        return wy_err_set(err, WY_ENOMEM, "out of memory opening an index");
    x->mode = mode;
    x->threads = 1; /* see idx_set_threads() */
    wy_buf_init(&x->tmp, CJK_MAX_INPUT * 2);
    wy_buf_init(&x->val, CJK_MAX_INPUT * 2);
    wy_buf_init(&x->snip, CJK_MAX_INPUT * 2);
    wy_buf_init(&x->snipo, CJK_MAX_INPUT * 2);
    for (int f = 0; f < IDX_NFACETS; f++)
        wy_buf_init(&x->facet[f], 1u << 20);
    static const enum idx_xdb_mode xm[] = {[IDX_READ] = IDX_XDB_READ,
                                           [IDX_WRITE] = IDX_XDB_WRITE,
                                           [IDX_REBUILD] = IDX_XDB_OVERWRITE,
                                           [IDX_MEMORY] = IDX_XDB_MEMORY};
    wy_code rc = idx_xdb_open(&x->db, path, xm[mode], err);
    if (rc == WY_OK)
        rc = cjk_new(&x->cjk, err);
    if (rc == WY_OK && mode != IDX_READ)
        rc = idx_xdoc_new(&x->doc, err);
    if (rc == WY_OK)
        rc = check_versions(x, err);
    if (rc != WY_OK) {
        struct wy_err ignore = WY_ERR_INIT;
        idx_close(x, &ignore);
        wy_err_release(&ignore);
        return rc;
    }
    *out = x;
    return WY_OK;
}

wy_code idx_close(struct idx *x, struct wy_err *err)
{
    if (!x)
        return WY_OK;
    wy_code rc = idx_xdb_close(x->db, err);
    idx_xdoc_free(x->doc);
    cjk_free(x->cjk);
    free(x->stale);
    wy_buf_release(&x->tmp);
    wy_buf_release(&x->val);
    wy_buf_release(&x->snip);
    wy_buf_release(&x->snipo);
    for (int f = 0; f < IDX_NFACETS; f++)
        wy_buf_release(&x->facet[f]);
    free(x);
    return rc;
}

void idx_set_fresh(struct idx *x, int fresh)
{
    x->fresh = fresh;
}

void idx_set_threads(struct idx *x, int threads)
{
    x->threads = threads > 1 ? 2 : 1;
}

const char *idx_stale(const struct idx *x)
{
    return x->stale;
}

wy_code idx_reopen(struct idx *x, struct wy_err *err)
{
    return idx_xdb_reopen(x->db, NULL, err);
}

wy_code idx_begin(struct idx *x, struct wy_err *err)
{
    return idx_xdb_begin(x->db, err);
}

wy_code idx_commit(struct idx *x, struct wy_err *err)
{
    return idx_xdb_commit(x->db, err);
}

wy_code idx_cancel(struct idx *x, struct wy_err *err)
{
    return idx_xdb_cancel(x->db, err);
}

wy_code idx_count(struct idx *x, uint64_t *out, struct wy_err *err)
{
    return idx_xdb_doccount(x->db, out, err);
}

wy_code idx_get_seq(struct idx *x, uint64_t *out, struct wy_err *err)
{
    char *v = NULL;
    *out = 0;
    wy_code rc = idx_xdb_get_meta(x->db, META_SEQ, &v, err);
    if (rc != WY_OK)
        return rc;
    if (*v) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno || *end || *v == '-')
            rc = wy_err_set(err, WY_EINDEX,
                            "index metadata '%s' is not a number: '%s'",
                            META_SEQ, v);
        else
            *out = n;
    }
    free(v);
    return rc;
}

wy_code idx_set_seq(struct idx *x, uint64_t seq, struct wy_err *err)
{
    char b[32];
    snprintf(b, sizeof(b), "%llu", (unsigned long long)seq);
    return idx_xdb_set_meta(x->db, META_SEQ, b, err);
}

wy_code idx_get_cluster_mark(struct idx *x, char **out, struct wy_err *err)
{
    return idx_xdb_get_meta(x->db, META_CLUSTER, out, err);
}

wy_code idx_set_cluster_mark(struct idx *x, const char *mark,
                             struct wy_err *err)
{
    return idx_xdb_set_meta(x->db, META_CLUSTER, mark ? mark : "", err);
}

void idx_home_path(const char *home, struct wy_buf *out)
{
    wy_path_join(out, home, "index");
}
