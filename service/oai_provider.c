/* service/oai_provider.c: the OAI-PMH 2.0 data provider. */
#include "service/oai_provider.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "formats/format.h"
#include "repository/catalog.h"
#include "repository/libsets.h"
#include "repository/home.h"
#include "repository/recjson.h"
#include "service/app.h"
#include "service/oai_args.h"
#include "service/oai_cache.h"
#include "service/oai_common.h"
#include "service/oai_token.h"
#include "service/oai_union.h"
#include "service/reply.h"

#define BATCH 100 /* records fetched per producer step */
/* A page reads at most this many records, sent or left out, so a long run
   of records not in the format does not make one page arbitrarily slow. */
#define SCAN_MAX(l) (10 * (l)->page + 20)
#define RECORD_MAX (4u << 20)
/* The first piece of a list (one record at least, a page at most) stays
   under reply.c's piece limit of 8 MiB with the envelope head; a batch
   stops early once a piece holds PIECE_SOFT bytes (large records). */
#define PIECE_BUDGET ((8u << 20) - (128u << 10))
#define PIECE_SOFT (2u << 20)

/* The formats we disseminate: prefix, handler name(s), schema, namespace. */
struct oai_format {
    const char *prefix, *handler, *alt, *schema, *ns;
    int needs_marc; /* MARC_21: only MARC 21 records with a valid leader;
                       MARC_UNI: only UNIMARC/CNMARC records */
};
enum { MARC_ANY = 0, MARC_21 = 1, MARC_UNI = 2 };
static const struct oai_format formats[] = {
    {"oai_dc", "oai_dc", "dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
     "http://www.openarchives.org/OAI/2.0/oai_dc/", 0},
    {"marcxml", "marcxml", NULL,
     "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
     "http://www.loc.gov/MARC21/slim", MARC_21},
    /* UNIMARC/CNMARC in MARCXML syntax, Alma's namespace; no official XSD
       exists, the schema names Alma's SRU record schema (docs/SERVICE.md) */
    {"unimarc", "marcxml", NULL, "info:srw/schema/8/unimarcxml-v0.1",
     "info:srw/schema/8/unimarcxml-v0.1", MARC_UNI},
    {"mods", "mods", NULL, "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd",
     "http://www.loc.gov/mods/v3", 0},
    {NULL, NULL, NULL, NULL, NULL, 0},
};

static const struct fmt_handler *format_handler(const struct oai_format *f)
{
    const struct fmt_handler *h = fmt_find(f->handler);
    if (!h && f->alt)
        h = fmt_find(f->alt);
    return h && h->write ? h : NULL;
}

static const struct oai_format *find_format(const char *prefix)
{
    for (const struct oai_format *f = formats; f->prefix; f++)
        if (!strcmp(f->prefix, prefix))
            return format_handler(f) ? f : NULL;
    return NULL;
}

/* ---- records ----------------------------------------------------------- */

static int64_t parse_ds(const char *s)
{
    int64_t t;
    int day;
    if (!s || oai_parse_datestamp(s, strlen(s), 0, &t, &day) != 0)
        return 0;
    return t;
}

/* The catalog id of an identifier of ours, or 0. */
static int64_t id_of(const char *identifier)
{
    size_t pl = strlen(OAI_ID_PREFIX);
    if (strncmp(identifier, OAI_ID_PREFIX, pl))
        return 0;
    const char *p = identifier + pl;
    int64_t v = 0;
    if (*p < '1' || *p > '9')
        return 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* Appends v in decimal. */
static void add_u64(struct wy_buf *b, uint64_t v)
{
    char t[24];
    size_t i = sizeof(t);
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    wy_buf_add(b, t + i, sizeof(t) - i);
}

/* The OAI datestamp of a catalog datestamp into out[21]. A list remembers
   the last one: the records of a page mostly share a few seconds. */
struct ds_memo {
    char raw[21], out[21];
};

static const char *datestamp_of(struct ds_memo *m, const char *raw)
{
    if (raw && m->raw[0] && !strcmp(raw, m->raw))
        return m->out;
    oai_format_datestamp(parse_ds(raw), m->out);
    if (raw && strlen(raw) < sizeof(m->raw))
        memcpy(m->raw, raw, strlen(raw) + 1);
    else
        m->raw[0] = '\0';
    return m->out;
}

static void add_setspec(struct wy_buf *b, const char *spec)
{
    wy_buf_add(b, "<setSpec>", 9);
    wy_buf_add_xml(b, spec, strlen(spec));
    wy_buf_add(b, "</setSpec>", 10);
}

/* ds: the record's datestamp as datestamp_of() gives it. */
static void header(struct wy_buf *b, const struct cat_record *r, const char *ds)
{
    if (r->deleted)
        wy_buf_adds(b, "<header status=\"deleted\"><identifier>" OAI_ID_PREFIX);
    else
        wy_buf_adds(b, "<header><identifier>" OAI_ID_PREFIX);
    add_u64(b, (uint64_t)r->id);
    wy_buf_adds(b, "</identifier><datestamp>");
    wy_buf_add(b, ds, 20);
    wy_buf_adds(b, "</datestamp>");
    int coll_listed = 0;
    for (size_t i = 0; i < r->nsets; i++) {
        if (!oai_valid_setspec(r->sets[i]))
            continue; /* a source's malformed setSpec is not passed on */
        if (r->collection && !strcmp(r->sets[i], r->collection))
            coll_listed = 1;
        add_setspec(b, r->sets[i]);
    }
    if (r->collection && !coll_listed && oai_valid_setspec(r->collection))
        add_setspec(b, r->collection);
    wy_buf_adds(b, "</header>");
}


/* Whether rec can be sent in a format that needs MARC of kind `want`. */
static int marc_ok(const struct wy_record *rec, int want)
{
    if (want == MARC_UNI)
        return rec->kind == WY_UNIMARC && rec->nfields > 0;
    return oai_marc21_ok(rec);
}

/* Writes the metadata element's content of a record loaded whole into
   frag. WY_EINVAL (or the writer's error) when the record cannot be sent in
   this format. */
static wy_code render(struct wy_buf *frag, const struct cat_record *r,
                      const struct oai_format *f, struct wy_err *err)
{
    struct wy_record *rec = NULL;
    wy_code rc;
    if (f->needs_marc) {
        rc = cat_record_model(r, &rec, err);
    } else {
        /* DC and MODS are written from the normalized view alone: parsing
           the stored MARC structure too would double the cost per record */
        rec = wy_record_new();
        rc = rec ? cat_json_load(rec, NULL, r->desc_json, err)
                 : wy_err_set(err, WY_ENOMEM, "no memory for a record");
    }
    if (rc != WY_OK) {
        wy_record_free(rec);
        return rc;
    }
    if (f->needs_marc && !marc_ok(rec, f->needs_marc)) {
        wy_record_free(rec);
        return wy_err_set(err, WY_EINVAL,
                          f->needs_marc == MARC_UNI
                              ? "record %" PRId64 " is not UNIMARC"
                              : "record %" PRId64 " is not MARC 21 with a "
                                "valid leader",
                          r->id);
    }
    struct wy_buf x = WY_BUF_INIT(RECORD_MAX);
    rc = format_handler(f)->write(rec, &x, err);
    if (rc == WY_OK)
        rc = wy_buf_status(&x, err);
    if (rc == WY_OK) {
        oai_add_metadata_xml(frag, x.p ? x.p : "", x.len, f->ns);
        rc = wy_buf_status(frag, err);
    }
    wy_buf_release(&x);
    wy_record_free(rec);
    return rc;
}

/*
 * Appends <metadata>..</metadata> for a live record. r may hold only its
 * header: the rest is loaded when the rendered metadata is not in the
 * cache, which is keyed by format and content hash (never stale). A record
 * that cannot be sent in the format is remembered as an empty value.
 */
static wy_code metadata(struct wy_buf *b, struct cat *cat,
                        struct oai_cache *cache, const struct cat_record *r,
                        const struct oai_format *f, struct wy_err *err)
{
    char key[256];
    size_t pl = strlen(f->prefix), hl = r->hash ? strlen(r->hash) : 0;
    int cacheable = r->hash && hl < 200 && pl < 40;
    if (cacheable) {
        memcpy(key, f->prefix, pl);
        key[pl] = ':';
        memcpy(key + pl + 1, r->hash, hl + 1);
        size_t mark = b->len;
        wy_buf_adds(b, "<metadata>");
        size_t inner = b->len;
        if (oai_cache_get(cache, key, b)) {
            if (b->len == inner) {
                wy_buf_truncate(b, mark);
                return wy_err_set(err, WY_EINVAL,
                                  "record %" PRId64 " is not "
                                  "available as %s",
                                  r->id, f->prefix);
            }
            wy_buf_adds(b, "</metadata>");
            return wy_buf_status(b, err);
        }
        wy_buf_truncate(b, mark);
    }
    struct cat_record *loaded = NULL;
    const struct cat_record *full = r;
    wy_code rc;
    if (!r->desc_json && !r->model_json) {
        rc = cat_get_record(cat, r->id, CAT_LOAD_ALL, &loaded, err);
        if (rc != WY_OK)
            return rc;
        full = loaded;
    }
    struct wy_buf frag = WY_BUF_INIT(RECORD_MAX + 4096);
    rc = render(&frag, full, f, err);
    if (rc == WY_OK) {
        if (cacheable)
            oai_cache_put(cache, key, frag.p ? frag.p : "", frag.len);
        wy_buf_adds(b, "<metadata>");
        wy_buf_add(b, frag.p ? frag.p : "", frag.len);
        wy_buf_adds(b, "</metadata>");
        rc = wy_buf_status(b, err);
    } else if (cacheable && (rc == WY_EINVAL || rc == WY_EFORMAT)) {
        oai_cache_put(cache, key, "", 0);
    }
    wy_buf_release(&frag);
    cat_record_free(loaded);
    return rc;
}

/* ---- the simple verbs -------------------------------------------------- */

static enum MHD_Result identify(struct svc_req *req, struct cat *cat,
                                const struct oai_request *rq, int64_t now)
{
    struct wy_err err = WY_ERR_INIT;
    char earliest[21] = "";
    if (cat_earliest_datestamp(cat, earliest, &err) != WY_OK) {
        enum MHD_Result r = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        return r;
    }
    char ds[21];
    oai_format_datestamp(earliest[0] ? parse_ds(earliest) : 0, ds);
    struct wy_buf b = WY_BUF_INIT(64 * 1024);
    oai_head(req, &b, rq, now);
    wy_buf_adds(&b, "<Identify>\n<repositoryName>");
    wy_buf_add_xml(&b, req->app->repo_name, strlen(req->app->repo_name));
    wy_buf_adds(&b, "</repositoryName>\n<baseURL>");
    oai_base_url(req, &b);
    wy_buf_adds(&b, "</baseURL>\n<protocolVersion>2.0</protocolVersion>\n"
                    "<adminEmail>");
    wy_buf_add_xml(&b, req->app->admin_email, strlen(req->app->admin_email));
    wy_buf_addf(&b,
                "</adminEmail>\n<earliestDatestamp>%s</earliestDatestamp>\n"
                "<deletedRecord>persistent</deletedRecord>\n"
                "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>\n"
                "<compression>gzip</compression>\n</Identify>\n"
                "</OAI-PMH>\n",
                ds);
    return svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
}

static enum MHD_Result list_formats(struct svc_req *req, struct cat *cat,
                                    const struct oai_request *rq, int64_t now)
{
    int marc = 1, uni = 1;
    if (rq->identifier) {
        struct wy_err err = WY_ERR_INIT;
        struct cat_record *r = NULL;
        int64_t id = id_of(rq->identifier);
        wy_code rc =
            id ? cat_get_record(cat, id, CAT_LOAD_ALL, &r, &err) : WY_ENOTFOUND;
        if (rc == WY_ENOTFOUND) {
            wy_err_release(&err);
            return oai_reply_error(req, rq, now, OAI_ID_DOES_NOT_EXIST,
                               "no record has this identifier");
        }
        if (rc != WY_OK) {
            enum MHD_Result ret = svc_reply_wyerr(req, &err);
            wy_err_release(&err);
            return ret;
        }
        int deleted = r->deleted;
        if (!r->deleted) {
            struct wy_err e2 = WY_ERR_INIT;
            struct wy_record *rec = NULL;
            int got = cat_record_model(r, &rec, &e2) == WY_OK;
            marc = got && marc_ok(rec, MARC_21);
            uni = got && marc_ok(rec, MARC_UNI);
            wy_record_free(rec);
            wy_err_release(&e2);
        }
        cat_record_free(r);
        if (deleted)
            return oai_reply_error(req, rq, now, OAI_NO_METADATA_FORMATS,
                               "the item is deleted: no metadata formats "
                               "are available for it");
    }
    struct wy_buf b = WY_BUF_INIT(64 * 1024);
    oai_head(req, &b, rq, now);
    wy_buf_adds(&b, "<ListMetadataFormats>\n");
    size_t n = 0;
    for (const struct oai_format *f = formats; f->prefix; f++) {
        if (!format_handler(f) || (f->needs_marc == MARC_21 && !marc) ||
            (f->needs_marc == MARC_UNI && !uni))
            continue;
        wy_buf_addf(&b,
                    "<metadataFormat><metadataPrefix>%s</metadataPrefix>"
                    "<schema>%s</schema><metadataNamespace>%s"
                    "</metadataNamespace></metadataFormat>\n",
                    f->prefix, f->schema, f->ns);
        n++;
    }
    wy_buf_adds(&b, "</ListMetadataFormats>\n</OAI-PMH>\n");
    if (n == 0) {
        wy_buf_release(&b);
        return oai_reply_error(req, rq, now, OAI_NO_METADATA_FORMATS,
                           "no metadata formats are available");
    }
    return svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
}

/* Distinct setSpecs on records that are not collections: a scan of the
   headers, bounded by SETS_MAX distinct values. */
#define SETS_MAX 1000
struct set_scan {
    char *specs[SETS_MAX];
    size_t n;
};

static wy_code scan_sets(void *ctx, const struct cat_record *r,
                         struct wy_err *err)
{
    struct set_scan *s = ctx;
    for (size_t i = 0; i < r->nsets; i++) {
        size_t k;
        if (!oai_valid_setspec(r->sets[i]))
            continue;
        for (k = 0; k < s->n; k++)
            if (!strcmp(s->specs[k], r->sets[i]))
                break;
        if (k < s->n)
            continue;
        if (s->n == SETS_MAX)
            return WY_EOF;
        if (!(s->specs[s->n] = wy_strdup(r->sets[i])))
            return wy_err_set(err, WY_ENOMEM, "no memory for sets");
        s->n++;
    }
    return WY_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sets: collections (ASCII setSpec, Chinese setName), then other
   setSpecs records carry (holding libraries "library:...", a source's
   sets), each with the parents of a hierarchical spec. */
static wy_code collect_sets(struct cat *cat, struct cat_collection **cols,
                            size_t *ncols, struct set_scan *scan,
                            struct wy_err *err)
{
    wy_code rc = cat_collection_list(cat, cols, ncols, err);
    if (rc != WY_OK)
        return rc;
    struct cat_list_query q = {.what = CAT_LOAD_LIST, .include_deleted = 1};
    rc = cat_list(cat, &q, scan_sets, scan, NULL, err);
    if (rc != WY_OK)
        return rc;
    /* parents of "a:b:c": "a" and "a:b" are sets too */
    for (size_t i = 0; i < scan->n && scan->n < SETS_MAX; i++) {
        const char *s = scan->specs[i];
        for (const char *c = strchr(s, ':'); c && scan->n < SETS_MAX;
             c = strchr(c + 1, ':')) {
            size_t k, pl = (size_t)(c - s);
            for (k = 0; k < scan->n; k++)
                if (strlen(scan->specs[k]) == pl &&
                    !strncmp(scan->specs[k], s, pl))
                    break;
            if (k == scan->n) {
                char *p = wy_strndup(s, pl);
                if (!p)
                    return wy_err_set(err, WY_ENOMEM, "no memory for sets");
                scan->specs[scan->n++] = p;
            }
        }
    }
    /* drop the collections from the scan: they are listed with names */
    size_t o = 0;
    for (size_t i = 0; i < scan->n; i++) {
        int dup = 0;
        for (size_t k = 0; k < *ncols; k++)
            dup |= !strcmp((*cols)[k].code, scan->specs[i]);
        if (dup)
            free(scan->specs[i]);
        else
            scan->specs[o++] = scan->specs[i];
    }
    scan->n = o;
    qsort(scan->specs, scan->n, sizeof(char *), cmp_str);
    return WY_OK;
}

static void scan_release(struct set_scan *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->specs[i]);
    s->n = 0;
}

/* Appends the <set> elements to b; *n gets how many. */
static wy_code render_sets(struct cat *cat, struct wy_buf *b, size_t *n,
                           struct wy_err *err)
{
    struct cat_collection *cols = NULL;
    size_t ncols = 0;
    struct set_scan *scan = wy_calloc(1, sizeof(*scan));
    if (!scan)
        return wy_err_set(err, WY_ENOMEM, "no memory for sets");
    wy_code rc = collect_sets(cat, &cols, &ncols, scan, err);
    *n = 0;
    for (size_t i = 0; rc == WY_OK && i < ncols; i++) {
        if (!oai_valid_setspec(cols[i].code))
            continue;
        wy_buf_adds(b, "<set><setSpec>");
        wy_buf_add_xml(b, cols[i].code, strlen(cols[i].code));
        wy_buf_adds(b, "</setSpec><setName>");
        wy_buf_add_xml(b, cols[i].name, strlen(cols[i].name));
        wy_buf_adds(b, "</setName></set>\n");
        (*n)++;
    }
    for (size_t i = 0; rc == WY_OK && i < scan->n; i++) {
        const char *s = scan->specs[i];
        char *lib = NULL;
        rc = libset_name(cat, s, &lib, err);
        if (rc != WY_OK)
            break;
        const char *name = lib ? lib : s; /* no name known: the code */
        wy_buf_adds(b, "<set><setSpec>");
        wy_buf_add_xml(b, s, strlen(s));
        wy_buf_adds(b, "</setSpec><setName>");
        wy_buf_add_xml(b, name, strlen(name));
        wy_buf_adds(b, "</setName></set>\n");
        free(lib);
        (*n)++;
    }
    cat_collections_free(cols, ncols);
    scan_release(scan);
    free(scan);
    return rc == WY_OK ? wy_buf_status(b, err) : rc;
}

/* The <set> elements, from a scan of every header: kept in the cache
   until the catalog changes. Empty: the repository has no sets. */
static wy_code cached_sets(struct svc_req *req, struct cat *cat,
                           struct wy_buf *sets, struct wy_err *err)
{
    int64_t seq = 0;
    wy_code rc = cat_last_seq(cat, &seq, err);
    if (rc != WY_OK)
        return rc;
    char key[64];
    snprintf(key, sizeof(key), "sets\n%lld", (long long)seq);
    if (oai_cache_get(req->app->cache, key, sets))
        return WY_OK;
    size_t n;
    rc = render_sets(cat, sets, &n, err);
    if (rc == WY_OK)
        oai_cache_put(req->app->cache, key, sets->p ? sets->p : "", sets->len);
    return rc;
}

static enum MHD_Result list_sets(struct svc_req *req, struct cat *cat,
                                 const struct oai_request *rq, int64_t now)
{
    if (rq->token)
        return oai_reply_error(req, rq, now, OAI_BAD_RESUMPTION_TOKEN,
                           "ListSets is answered in one reply: this "
                           "resumptionToken was not issued for it");
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf sets = WY_BUF_INIT(4u << 20);
    if (cached_sets(req, cat, &sets, &err) != WY_OK) {
        wy_buf_release(&sets);
        enum MHD_Result r = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        return r;
    }
    if (sets.len == 0) {
        wy_buf_release(&sets);
        return oai_reply_error(req, rq, now, OAI_NO_SET_HIERARCHY,
                           "this repository has no sets");
    }
    struct wy_buf b = WY_BUF_INIT(8u << 20);
    oai_head(req, &b, rq, now);
    wy_buf_adds(&b, "<ListSets>\n");
    wy_buf_add(&b, sets.p, sets.len);
    wy_buf_adds(&b, "</ListSets>\n</OAI-PMH>\n");
    wy_buf_release(&sets);
    return svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
}

static enum MHD_Result get_record(struct svc_req *req, struct cat *cat,
                                  const struct oai_request *rq, int64_t now)
{
    struct wy_err err = WY_ERR_INIT;
    const struct oai_format *f = find_format(rq->prefix);
    struct cat_record *r = NULL;
    int64_t id = id_of(rq->identifier);
    wy_code rc =
        id ? cat_get_record(cat, id, CAT_LOAD_ALL, &r, &err) : WY_ENOTFOUND;
    if (rc == WY_ENOTFOUND) {
        wy_err_release(&err);
        return oai_reply_error(req, rq, now, OAI_ID_DOES_NOT_EXIST,
                           "no record has this identifier");
    }
    if (rc != WY_OK) {
        enum MHD_Result ret = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        return ret;
    }
    if (!f) {
        cat_record_free(r);
        return oai_reply_error(req, rq, now, OAI_CANNOT_DISSEMINATE_FORMAT,
                           "this metadataPrefix is not supported");
    }
    struct wy_buf b = WY_BUF_INIT(RECORD_MAX + 64 * 1024);
    oai_head(req, &b, rq, now);
    wy_buf_adds(&b, "<GetRecord>\n<record>");
    struct ds_memo dm = {0};
    header(&b, r, datestamp_of(&dm, r->datestamp));
    if (!r->deleted &&
        metadata(&b, cat, req->app->cache, r, f, &err) != WY_OK) {
        cat_record_free(r);
        wy_buf_release(&b);
        wy_err_release(&err);
        return oai_reply_error(req, rq, now, OAI_CANNOT_DISSEMINATE_FORMAT,
                           "the record cannot be disseminated in this "
                           "format");
    }
    cat_record_free(r);
    wy_buf_adds(&b, "</record>\n</GetRecord>\n</OAI-PMH>\n");
    return svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
}

/* ---- the list verbs, streamed ------------------------------------------ */

struct list {
    struct svc_req *req;
    struct cat *cat; /* this worker thread's: borrowed */
    const struct oai_format *f;
    struct oai_token tok; /* the position; owns its strings */
    struct wy_buf head;   /* the envelope head, built up front */
    char from_s[21], until_s[21];
    int records;         /* ListRecords (else ListIdentifiers) */
    int phase;           /* 0 head, 1 records, 2 tail */
    unsigned sent, page; /* records in this reply, its size */
    unsigned scanned;    /* records read for it (sent or left
                            out: not in this format) */
    uint64_t start_cursor;
    int more;   /* a record follows this page */
    int paused; /* the piece is full: the batch was cut short */
    int64_t now;
    struct wy_buf *out; /* the piece being written */
    /* the position reached within a batch, put in tok after it */
    int moved;
    int64_t last_id;
    struct ds_memo ds; /* the datestamp of the last record read */
    /* bytes produced before the reply started streaming (a page larger
       than WHOLE_MAX), handed out first */
    struct wy_buf pre;
    size_t pre_off;
};

static void list_free(void *ctx)
{
    struct list *l = ctx;
    oai_token_release(&l->tok);
    wy_buf_release(&l->head);
    wy_buf_release(&l->pre);
    free(l);
}

static void query_of(const struct list *l, struct cat_list_query *q,
                     char *after, size_t limit, int what)
{
    memset(q, 0, sizeof(*q));
    q->from = l->tok.from != OAI_TIME_NONE ? l->from_s : NULL;
    q->until = l->until_s;
    q->set = l->tok.set;
    q->limit = limit;
    q->what = what;
    q->include_deleted = 1;
    if (l->tok.last_id && *l->tok.last_id) {
        oai_format_datestamp(l->tok.last_ds, after);
        q->after_datestamp = after;
        q->after_id = strtoll(l->tok.last_id, NULL, 10);
    }
}

static wy_code emit_record(void *ctx, const struct cat_record *r,
                           struct wy_err *err)
{
    struct list *l = ctx;
    struct wy_buf *b = l->out;
    size_t mark = b->len;
    if (l->sent > 0 && b->len > PIECE_SOFT) {
        l->paused = 1; /* this record goes into the next piece */
        return WY_EOF;
    }
    if (l->sent >= l->page || (l->sent > 0 && l->scanned >= SCAN_MAX(l))) {
        /* one record past the page: the list goes on */
        l->more = 1;
        return WY_EOF;
    }
    const char *ds = datestamp_of(&l->ds, r->datestamp);
    if (l->records)
        wy_buf_add(b, "<record>", 8);
    header(b, r, ds);
    if (l->records && !r->deleted) {
        struct wy_err e2 = WY_ERR_INIT;
        if (metadata(b, l->cat, l->req->app->cache, r, l->f, &e2) != WY_OK) {
            /* not in this format (or damaged): left out of the list, and
               the log says so; the position still moves past it */
            svc_log(l->req, WY_LOG_WARN,
                    "oai: record %" PRId64 " left out "
                    "of %s: %s",
                    r->id, l->f->prefix, wy_err_msg(&e2));
            wy_err_release(&e2);
            wy_buf_truncate(b, mark);
            goto moved;
        }
    } else if (l->f->needs_marc && !r->deleted) {
        /* ListIdentifiers lists only what GetRecord can send: the MARC
           formats hold only records of their kind (the check is cached) */
        struct wy_buf scratch = WY_BUF_INIT(RECORD_MAX + 4096);
        struct wy_err e2 = WY_ERR_INIT;
        wy_code rc =
            metadata(&scratch, l->cat, l->req->app->cache, r, l->f, &e2);
        wy_buf_release(&scratch);
        wy_err_release(&e2);
        if (rc == WY_ENOMEM)
            return wy_err_set(err, WY_ENOMEM, "no memory");
        if (rc != WY_OK) {
            wy_buf_truncate(b, mark);
            goto moved;
        }
    }
    if (l->records)
        wy_buf_add(b, "</record>\n", 10);
    else
        wy_buf_addc(b, '\n');
    l->sent++;
moved:
    l->scanned++;
    l->moved = 1;
    l->last_id = r->id;
    return wy_buf_status(b, err);
}

/* Reads the next batch of the page into l->out. */
static wy_code list_batch(struct list *l, struct wy_err *err)
{
    /* one more row than the page needs: if the callback sees it, the list
       goes on (no separate probe) */
    size_t want = (l->page - l->sent < BATCH ? l->page - l->sent : BATCH) + 1;
    char after[21];
    struct cat_list_query q;
    query_of(l, &q, after, want, CAT_LOAD_LIST);
    size_t got = 0;
    l->moved = 0;
    wy_code rc = cat_list(l->cat, &q, emit_record, l, &got, err);
    if (l->moved) {
        /* the position: the datestamp of the last record read is the one
           datestamp_of() saw last */
        l->tok.last_ds = parse_ds(l->ds.raw);
        free(l->tok.last_id);
        l->tok.last_id = wy_malloc(24);
        if (!l->tok.last_id && rc == WY_OK)
            rc = wy_err_set(err, WY_ENOMEM, "no memory for the position");
        if (l->tok.last_id)
            snprintf(l->tok.last_id, 24, "%" PRId64, l->last_id);
    }
    if (rc != WY_OK)
        return rc;
    if (l->paused) {
        l->paused = 0;
        return WY_OK;
    }
    if (l->more || got < want)
        l->phase = 2; /* a full page, or the end of the list */
    return WY_OK;
}

/* A page's bytes are built whole up to this size (app->oai_whole_max
   when set) and sent as one buffer (Content-Length, one write); a larger
   page streams the rest. Also the most handed to reply.c at a time. */
#define WHOLE_MAX (1u << 20)

static wy_code list_next(void *ctx, struct wy_buf *out, int *done,
                         struct wy_err *err)
{
    struct list *l = ctx;
    if (l->pre_off < l->pre.len) {
        size_t n = l->pre.len - l->pre_off;
        if (n > WHOLE_MAX)
            n = WHOLE_MAX;
        wy_buf_add(out, l->pre.p + l->pre_off, n);
        l->pre_off += n;
        return WY_OK;
    }
    if (l->phase == 0) {
        /* the first records decide the body: a list, or noRecordsMatch
           when none is left (the HTTP status is 200 either way, so no
           query is spent on finding out before the reply starts) */
        struct wy_buf first = WY_BUF_INIT(PIECE_BUDGET);
        l->out = &first;
        l->phase = 1;
        wy_code rc = WY_OK;
        while (rc == WY_OK && l->sent == 0 && l->phase == 1)
            rc = list_batch(l, err);
        if (rc == WY_OK)
            rc = wy_buf_status(&first, err);
        if (rc != WY_OK) {
            wy_buf_release(&first);
            return rc;
        }
        wy_buf_add(out, l->head.p, l->head.len);
        if (l->sent == 0) {
            wy_buf_addf(out,
                        "<error code=\"noRecordsMatch\">%s</error>\n"
                        "</OAI-PMH>\n",
                        l->start_cursor ? "no records remain in this list"
                                        : "no records match the arguments");
            wy_buf_release(&first);
            *done = 1;
            return WY_OK;
        }
        wy_buf_addf(out, "<%s>\n",
                    l->records ? "ListRecords" : "ListIdentifiers");
        wy_buf_add(out, first.p, first.len);
        wy_buf_release(&first);
        return WY_OK;
    }
    l->out = out;
    if (l->phase == 1)
        return list_batch(l, err);
    /* the tail: a token when more follows; an empty one ends a list that
       was paged (section 3.5) */
    char exp[21];
    oai_format_datestamp(l->now + l->req->app->token_ttl_s, exp);
    uint64_t total = l->tok.total;
    if (total < l->start_cursor + l->sent)
        total = l->start_cursor + l->sent; /* records added meanwhile */
    if (l->more) {
        l->tok.cursor = l->start_cursor + l->sent;
        l->tok.issued = l->now;
        wy_buf_addf(out,
                    "<resumptionToken completeListSize=\"%" PRIu64
                    "\" cursor=\"%" PRIu64 "\" expirationDate=\"%s\">",
                    total < l->tok.cursor + 1 ? l->tok.cursor + 1 : total,
                    l->start_cursor, exp);
        oai_token_encode(&l->tok, l->req->app->secret, SVC_SECRET_LEN, out);
        wy_buf_adds(out, "</resumptionToken>\n");
    } else if (l->start_cursor > 0) {
        wy_buf_addf(out,
                    "<resumptionToken completeListSize=\"%" PRIu64
                    "\" cursor=\"%" PRIu64 "\"/>\n",
                    l->start_cursor + l->sent, l->start_cursor);
    }
    wy_buf_addf(out, "</%s>\n</OAI-PMH>\n",
                l->records ? "ListRecords" : "ListIdentifiers");
    *done = 1;
    return WY_OK;
}

/* Builds the reply: whole when the page fits in WHOLE_MAX (the common
   case: one buffer, one write, and a failure is still a proper 500), else
   what was built goes first and the rest streams. Takes l. */
static enum MHD_Result list_reply(struct svc_req *req, struct list *l)
{
    struct wy_err err = WY_ERR_INIT;
    /* a piece is at most reply.c's 8 MiB; the loop stops past WHOLE_MAX */
    size_t whole = req->app->oai_whole_max;
    if (whole == 0 || whole > WHOLE_MAX)
        whole = WHOLE_MAX;
    struct wy_buf page = WY_BUF_INIT(WHOLE_MAX + (9u << 20));
    int done = 0;
    wy_code rc = WY_OK;
    while (rc == WY_OK && !done && page.len < whole)
        rc = list_next(l, &page, &done, &err);
    if (rc == WY_OK)
        rc = wy_buf_status(&page, &err);
    if (rc != WY_OK) {
        wy_buf_release(&page);
        list_free(l);
        enum MHD_Result ret = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        return ret;
    }
    if (done) {
        list_free(l);
        return svc_reply_wybuf(req, 200, SVC_CT_XML, &page);
    }
    l->pre = page; /* moved */
    l->pre_off = 0;
    struct svc_producer p = {list_next, list_free, l};
    return svc_reply_stream(req, 200, SVC_CT_XML, &p);
}

/* completeListSize, counted at the first page (a COUNT over the window
   costs as much as the list is long). The count is kept in the cache under
   the arguments, the frozen until (without an until argument it is the
   request's second, so a list started a second later, which may hold more
   records, gets its own count) and the catalog's last change. */
static wy_code count_list(struct list *l, const struct oai_request *rq,
                          struct wy_err *err)
{
    int64_t seq = 0, total = 0;
    wy_code rc = cat_last_seq(l->cat, &seq, err);
    if (rc != WY_OK)
        return rc;
    struct wy_buf key = WY_BUF_INIT(8192);
    wy_buf_addf(&key, "count\n%s\n%s\n%s\n%lld", l->tok.set ? l->tok.set : "",
                rq->from_s ? rq->from_s : "", l->until_s,
                (long long)seq);
    struct wy_buf val = WY_BUF_INIT(64);
    if (key.error == WY_OK &&
        oai_cache_get(l->req->app->cache, wy_buf_cstr(&key), &val) &&
        val.len > 0) {
        total = strtoll(wy_buf_cstr(&val), NULL, 10);
    } else {
        struct cat_list_query q;
        char after[21];
        query_of(l, &q, after, 0, CAT_LOAD_HEADER);
        rc = cat_count(l->cat, &q, &total, err);
        if (rc == WY_OK && key.error == WY_OK) {
            char num[32];
            int n = snprintf(num, sizeof(num), "%lld", (long long)total);
            oai_cache_put(l->req->app->cache, wy_buf_cstr(&key), num,
                          (size_t)n);
        }
    }
    wy_buf_release(&key);
    wy_buf_release(&val);
    l->tok.total = (uint64_t)total;
    return rc;
}

static enum MHD_Result list_records(struct svc_req *req, struct cat *cat,
                                    const struct oai_request *rq, int64_t now)
{
    struct wy_err err = WY_ERR_INIT;
    struct list *l = wy_calloc(1, sizeof(*l));
    if (!l)
        return MHD_NO;
    l->req = req;
    l->cat = cat;
    l->now = now;
    l->records = rq->verb == OAI_LIST_RECORDS;
    l->page = req->app->page_size;
    wy_buf_init(&l->head, 64 * 1024);
    enum MHD_Result ret;
    wy_code rc;
    const char *prefix;

    if (rq->token) {
        rc = oai_token_decode(rq->token, strlen(rq->token), req->app->secret,
                              SVC_SECRET_LEN, now, req->app->token_ttl_s,
                              &l->tok, &err);
        if (rc == WY_ENOMEM)
            goto fail;
        if (rc == WY_OK && l->tok.verb != (int)rq->verb) {
            rc = wy_err_set(&err, WY_EFORMAT,
                            "the resumptionToken was "
                            "issued for another verb");
        }
        if (rc != WY_OK) {
            ret = oai_reply_error(req, rq, now, OAI_BAD_RESUMPTION_TOKEN,
                              wy_err_msg(&err));
            goto out;
        }
        prefix = l->tok.prefix;
        l->start_cursor = l->tok.cursor;
    } else {
        prefix = rq->prefix;
        l->tok.verb = (int)rq->verb;
        l->tok.from = rq->from;
        /* the window is frozen one second in the past: whatever changes
           from now on gets a later datestamp, so it is neither repeated
           in this harvest nor missed by the next (from = responseDate) */
        l->tok.until = rq->until != OAI_TIME_NONE && rq->until < now - 1
                           ? rq->until
                           : now - 1;
        if (!(l->tok.prefix = wy_strdup(prefix)) ||
            !(l->tok.last_id = wy_strdup("")) ||
            (rq->set && !(l->tok.set = wy_strdup(rq->set)))) {
            wy_err_set(&err, WY_ENOMEM, "no memory");
            goto fail;
        }
    }
    l->f = find_format(prefix);
    if (!l->f) {
        ret = oai_reply_error(req, rq, now, OAI_CANNOT_DISSEMINATE_FORMAT,
                          "this metadataPrefix is not supported");
        goto out;
    }
    if (l->tok.from != OAI_TIME_NONE)
        oai_format_datestamp(l->tok.from, l->from_s);
    oai_format_datestamp(l->tok.until, l->until_s);
    if (l->tok.set && !rq->token) {
        struct wy_buf sets = WY_BUF_INIT(4u << 20);
        rc = cached_sets(req, cat, &sets, &err);
        int any = sets.len > 0;
        wy_buf_release(&sets);
        if (rc != WY_OK)
            goto fail;
        if (!any) {
            ret = oai_reply_error(req, rq, now, OAI_NO_SET_HIERARCHY,
                              "this repository has no sets");
            goto out;
        }
    }
    if (!rq->token && count_list(l, rq, &err) != WY_OK)
        goto fail;
    oai_head(req, &l->head, rq, now);
    if (wy_buf_status(&l->head, &err) != WY_OK)
        goto fail;
    return list_reply(req, l);
fail:
    ret = svc_reply_wyerr(req, &err);
out:
    wy_err_release(&err);
    list_free(l);
    return ret;
}

/* ---- the entry point --------------------------------------------------- */

enum MHD_Result svc_oai(struct svc_req *req)
{
    int64_t now = (int64_t)time(NULL);
    struct oai_request rq;
    memset(&rq, 0, sizeof(rq));
    if (req->params_err.code != WY_OK)
        return oai_reply_error(req, NULL, now, OAI_BAD_ARGUMENT,
                           wy_err_msg(&req->params_err));
    struct wy_buf msg = WY_BUF_INIT(4096);
    enum oai_error e = oai_parse_request(&req->params, &rq, &msg);
    if (e != OAI_OK) {
        enum MHD_Result r = oai_reply_error(req, NULL, now, e, wy_buf_cstr(&msg));
        wy_buf_release(&msg);
        return r;
    }
    wy_buf_release(&msg);

    struct wy_err err = WY_ERR_INIT;
    struct wy_home *home = NULL;
    if (svc_app_home(req->app, &home, &err) != WY_OK) {
        enum MHD_Result r = svc_reply_wyerr(req, &err);
        wy_err_release(&err);
        return r;
    }
    if (oai_is_union(req))
        return oai_union(req, home, &rq, now);
    switch (rq.verb) {
    case OAI_IDENTIFY:
        return identify(req, home->cat, &rq, now);
    case OAI_LIST_METADATA_FORMATS:
        return list_formats(req, home->cat, &rq, now);
    case OAI_LIST_SETS:
        return list_sets(req, home->cat, &rq, now);
    case OAI_GET_RECORD:
        return get_record(req, home->cat, &rq, now);
    case OAI_LIST_IDENTIFIERS:
    case OAI_LIST_RECORDS:
        return list_records(req, home->cat, &rq, now);
    default:
        return oai_reply_error(req, NULL, now, OAI_BAD_VERB, "no verb");
    }
}
