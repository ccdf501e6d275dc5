/* service/oai_union.c: /oai/union, the union catalogue's clusters as an
   OAI-PMH 2.0 repository of its own (docs/UNION-CATALOGUE.md, "OAI-PMH").
   An item is a cluster: identifier oai:wenyuan:cluster:ID, datestamp the
   cluster's (repository/cluster.h, change times), metadata the display
   record's with the holdings of every member (marcxml and unimarc: a
   display record in the other MARC converted, formats/xwalk_marc.h).
   Vanished cluster ids are deleted records (persistent). No sets. Request
   parsing, the envelope and errors are service/oai_provider.c's. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/alloc.h"
#include "formats/format.h"
#include "formats/xwalk_marc.h"
#include "repository/catalog.h"
#include "repository/cluster.h"
#include "repository/recjson.h"
#include "service/app.h"
#include "service/oai_common.h"
#include "service/oai_provider.h"
#include "service/oai_token.h"
#include "service/oai_union.h"
#include "service/reply.h"

#define UNION_ID_PREFIX OAI_ID_PREFIX "cluster:"
#define RECORD_MAX (4u << 20)
/* clusters read for one page at most, sent or left out (as /oai) */
#define SCAN_MAX(page) (10 * (page) + 20)
/* a page stops growing past this many bytes (huge clusters: a serial held
   by thousands of libraries) */
#define PAGE_SOFT (8u << 20)

/* marc: the MARC the format is written in; a display record in the other
   MARC is converted (formats/xwalk_marc.h), one with no MARC at all (DC,
   MODS) cannot be sent in it */
enum { UF_VIEW = 0, UF_MARC21 = 1, UF_UNIMARC = 2 };
struct ufmt {
    const char *prefix, *handler, *schema, *ns;
    int marc;
};
static const struct ufmt ufmts[] = {
    {"oai_dc", "oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
     "http://www.openarchives.org/OAI/2.0/oai_dc/", UF_VIEW},
    {"marcxml", "marcxml",
     "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
     "http://www.loc.gov/MARC21/slim", UF_MARC21},
    /* UNIMARC/CNMARC in MARCXML syntax, Alma's namespace, as on /oai
       (service/oai_provider.c: no official XSD exists) */
    {"unimarc", "marcxml", "info:srw/schema/8/unimarcxml-v0.1",
     "info:srw/schema/8/unimarcxml-v0.1", UF_UNIMARC},
    {"mods", "mods", "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd",
     "http://www.loc.gov/mods/v3", UF_VIEW},
    {NULL, NULL, NULL, NULL, UF_VIEW},
};

static const struct fmt_handler *handler_of(const struct ufmt *f)
{
    const struct fmt_handler *h = fmt_find(f->handler);
    if (!h && !strcmp(f->handler, "oai_dc"))
        h = fmt_find("dc");
    return h && h->write ? h : NULL;
}

static const struct ufmt *find_ufmt(const char *prefix)
{
    for (const struct ufmt *f = ufmts; f->prefix; f++)
        if (!strcmp(f->prefix, prefix))
            return handler_of(f) ? f : NULL;
    return NULL;
}

/* What one request works with. */
struct uctx {
    struct svc_req *req;
    struct cat *cat;       /* borrowed: the thread's catalog */
    struct cluster *cl;    /* NULL: no cluster tables yet (an empty list) */
    struct wy_buf site;    /* raw site URL, for the holdings' links */
    unsigned char key[32]; /* token key: not /oai's (tokens stay apart) */
};

static wy_code uctx_open(struct uctx *u, struct svc_req *req,
                         struct wy_home *home, struct wy_err *err)
{
    memset(u, 0, sizeof(*u));
    u->req = req;
    u->cat = home->cat;
    wy_buf_init(&u->site, 64 * 1024);
    oai_site_url(req, &u->site);
    unsigned int ml = sizeof(u->key);
    HMAC(EVP_sha256(), req->app->secret, SVC_SECRET_LEN,
         (const unsigned char *)"wenyuan oai/union", 17, u->key, &ml);
    wy_code rc = cluster_open_readonly(&u->cl, home->catalog_path, err);
    if (rc == WY_ENOTFOUND) { /* never clustered: an empty repository */
        wy_err_release(err);
        u->cl = NULL;
        rc = WY_OK;
    } else if (rc == WY_OK) {
        /* one snapshot per reply: a page's count, heads and records agree */
        rc = cluster_read_begin(u->cl, err);
    }
    if (rc == WY_OK)
        rc = wy_buf_status(&u->site, err);
    return rc;
}

static void uctx_close(struct uctx *u)
{
    cluster_read_end(u->cl);
    cluster_close(u->cl);
    wy_buf_release(&u->site);
}

static enum MHD_Result fail(struct svc_req *req, struct wy_err *err)
{
    enum MHD_Result r = svc_reply_wyerr(req, err);
    wy_err_release(err);
    return r;
}

/* The cluster id of an identifier of ours, or 0. */
static int64_t cluster_id_of(const char *identifier)
{
    size_t pl = strlen(UNION_ID_PREFIX);
    if (!identifier || strncmp(identifier, UNION_ID_PREFIX, pl))
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

/* The stamp of the cluster an identifier names: WY_ENOTFOUND (err set)
   for anything else. */
static wy_code head_of(struct uctx *u, const char *identifier,
                       struct cluster_head *h, struct wy_err *err)
{
    int64_t id = cluster_id_of(identifier);
    if (!id || !u->cl)
        return wy_err_set(err, WY_ENOTFOUND, "no cluster has this identifier");
    wy_code rc = cluster_head(u->cl, id, h, err);
    if (rc == WY_ENOTFOUND) {
        wy_err_release(err);
        return wy_err_set(err, WY_ENOTFOUND, "no cluster has this identifier");
    }
    return rc;
}

/* ---- metadata ---------------------------------------------------------- */

/* The link of a member record: its page on this site. */
static void record_url(struct uctx *u, int64_t record_id, struct wy_buf *b)
{
    wy_buf_add(b, u->site.p ? u->site.p : "", u->site.len);
    wy_buf_addf(b, "/#/record/%" PRId64, record_id);
}

/* Whether a call number starts with a classification mark (a capital
   Latin letter, then a digit or a second capital and a digit: CLC "I242.47",
   "TP312", LC "PL2727"): it goes in 852 $h (class) + $i (after the first
   '/', the item part, 书次号); anything else (an accession or shelving
   number such as "善 8765", "GJ/100", "Z/1") in $j. */
static int is_class_mark(const char *s)
{
    if (!(s[0] >= 'A' && s[0] <= 'Z'))
        return 0;
    if (s[1] >= '0' && s[1] <= '9')
        return 1;
    return s[1] >= 'A' && s[1] <= 'Z' && s[2] >= '0' && s[2] <= '9';
}

static int add_sub(struct wy_record *r, size_t fi, char code, const char *s,
                   size_t n)
{
    return wy_field_add_sub(r, &r->fields[fi], code, s, n);
}

/* Takes the fields tagged t1 or t2 (t2 may be NULL) out of r. */
static void drop_tags(struct wy_record *r, const char *t1, const char *t2)
{
    size_t o = 0;
    for (size_t i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].tag, t1) &&
            (!t2 || strcmp(r->fields[i].tag, t2)))
            r->fields[o++] = r->fields[i];
    r->nfields = o;
}

/*
 * Replaces the display record's holdings by one field per holding of the
 * cluster, in tag order. MARC 21 (uni 0): 852 (MARC 21 Format for Holdings
 * Data). UNIMARC (uni 1): 905, the holdings field of CNMARC practice (what
 * the CNMARC records we read carry, formats/crosswalk.c): $a library, $d
 * class + $e book number (书次号) for a class mark, $s the call number as
 * written, $u the link; the display record's own 905s and its 906 items
 * go (UNIMARC/B itself has no holdings field).
 */
static wy_code marc_holdings(struct uctx *u, struct wy_record *r,
                             const struct cluster_info *ci, int uni,
                             struct wy_err *err)
{
    const char *tag = uni ? "905" : "852";
    drop_tags(r, tag, uni ? "906" : NULL);
    size_t pos = 0;
    while (pos < r->nfields && strcmp(r->fields[pos].tag, tag) < 0)
        pos++;
    size_t first = r->nfields;
    struct wy_buf url = WY_BUF_INIT(64 * 1024);
    int ok = 1;
    for (size_t i = 0; ok && i < ci->nholdings; i++) {
        const struct cluster_holding_info *h = &ci->holdings[i];
        const char *cn = h->callno && *h->callno ? h->callno : NULL;
        int cls = cn && is_class_mark(cn);
        const char *slash = cls ? strchr(cn, '/') : NULL;
        size_t cl = cls ? (slash ? (size_t)(slash - cn) : strlen(cn)) : 0;
        /* 852 first indicator: 8 other scheme (a class mark), 4 shelving
           control number, blank when there is no call number */
        struct wy_field *f = wy_record_add_field(r, tag,
                                                 uni   ? ' '
                                                 : cls ? '8'
                                                 : cn  ? '4'
                                                       : ' ',
                                                 ' ');
        if (!f) {
            ok = 0;
            break;
        }
        size_t fi = r->nfields - 1;
        ok = add_sub(r, fi, 'a', h->library, strlen(h->library));
        if (ok && cls) {
            ok = add_sub(r, fi, uni ? 'd' : 'h', cn, cl);
            if (ok && slash && slash[1])
                ok = add_sub(r, fi, uni ? 'e' : 'i', slash + 1,
                             strlen(slash + 1));
            if (ok && uni)
                ok = add_sub(r, fi, 's', cn, strlen(cn));
        } else if (ok && cn) {
            ok = add_sub(r, fi, uni ? 's' : 'j', cn, strlen(cn));
        }
        wy_buf_reset(&url);
        record_url(u, h->record_id, &url);
        if (ok && url.error == WY_OK)
            ok = add_sub(r, fi, 'u', url.p, url.len);
    }
    wy_buf_release(&url);
    if (!ok)
        return wy_err_set(err, WY_ENOMEM, "no memory for holdings");
    /* the new fields were appended: rotate them to their place */
    size_t nnew = r->nfields - first;
    if (nnew && pos < first) {
        struct wy_field *tmp = wy_malloc(nnew * sizeof(*tmp));
        if (!tmp)
            return wy_err_set(err, WY_ENOMEM, "no memory for holdings");
        memcpy(tmp, r->fields + first, nnew * sizeof(*tmp));
        memmove(r->fields + pos + nnew, r->fields + pos,
                (first - pos) * sizeof(*tmp));
        memcpy(r->fields + pos, tmp, nnew * sizeof(*tmp));
        free(tmp);
    }
    return WY_OK;
}

static void xml_el(struct wy_buf *b, const char *open, const char *close,
                   const char *s, size_t n)
{
    wy_buf_adds(b, open);
    wy_buf_add_xml(b, s, n);
    wy_buf_adds(b, close);
}

/* The holdings as MODS <location>s or oai_dc elements, into b. */
static void xml_holdings(struct uctx *u, const struct cluster_info *ci,
                         int mods, struct wy_buf *b)
{
    struct wy_buf url = WY_BUF_INIT(64 * 1024), d = WY_BUF_INIT(64 * 1024);
    for (size_t i = 0; i < ci->nholdings; i++) {
        const struct cluster_holding_info *h = &ci->holdings[i];
        const char *cn = h->callno && *h->callno ? h->callno : NULL;
        wy_buf_reset(&url);
        record_url(u, h->record_id, &url);
        const char *up = url.p ? url.p : "";
        if (mods) {
            wy_buf_adds(b, "<location>");
            xml_el(b, "<physicalLocation>", "</physicalLocation>", h->library,
                   strlen(h->library));
            if (cn)
                xml_el(b, "<shelfLocator>", "</shelfLocator>", cn, strlen(cn));
            xml_el(b, "<url access=\"object in context\">", "</url>", up,
                   url.len);
            wy_buf_adds(b, "</location>\n");
        } else {
            wy_buf_reset(&d);
            wy_buf_addf(&d, "Held by: %s", h->library);
            if (cn)
                wy_buf_addf(&d, "; call number: %s", cn);
            xml_el(b, "<dc:description>", "</dc:description>\n", d.p ? d.p : "",
                   d.len);
            xml_el(b, "<dc:relation>", "</dc:relation>\n", up, url.len);
        }
    }
    wy_buf_release(&url);
    wy_buf_release(&d);
}

/* Inserts ins before the last occurrence of close in x (the writer's root
   end tag). */
static wy_code insert_before(struct wy_buf *x, const char *close,
                             const struct wy_buf *ins, struct wy_err *err)
{
    const char *p = x->p, *at = NULL;
    size_t cl = strlen(close);
    for (const char *q = p; q && (q = strstr(q, close)); q += cl)
        at = q;
    if (!at)
        return wy_err_set(err, WY_EFORMAT, "no '%s' in the written record",
                          close);
    size_t off = (size_t)(at - p);
    struct wy_buf tail = WY_BUF_INIT(RECORD_MAX);
    wy_buf_add(&tail, x->p + off, x->len - off);
    wy_buf_truncate(x, off);
    wy_buf_add(x, ins->p ? ins->p : "", ins->len);
    wy_buf_add(x, tail.p ? tail.p : "", tail.len);
    wy_buf_release(&tail);
    return wy_buf_status(x, err);
}

/*
 * Makes *rec (a display record, owned) a record in the MARC of format f:
 * kept when it is in it already, converted from the other MARC otherwise
 * (formats/xwalk_marc.h; the source's own holdings fields, 852 or CNMARC
 * 905/906, are taken out first: the cluster's holdings replace them).
 * WY_EINVAL (err names the cluster and record) when it has no MARC fields
 * (DC, MODS) or, for marcxml, no valid MARC 21 leader.
 */
static wy_code to_marc(struct wy_record **rec, const struct ufmt *f,
                       int64_t cid, int64_t display, struct wy_err *err)
{
    struct wy_record *r = *rec;
    int want = f->marc == UF_MARC21 ? WY_MARC21 : WY_UNIMARC;
    if (r->nfields == 0 || (r->kind != WY_MARC21 && r->kind != WY_UNIMARC))
        return wy_err_set(err, WY_EINVAL,
                          "cluster %" PRId64 ": display record %" PRId64
                          " has no MARC 21 or UNIMARC fields",
                          cid, display);
    if ((int)r->kind != want) {
        if (r->kind == WY_UNIMARC)
            drop_tags(r, "905", "906");
        else
            drop_tags(r, "852", NULL);
        struct wy_record *o = wy_record_new();
        if (!o)
            return wy_err_set(err, WY_ENOMEM, "no memory for a record");
        wy_code rc = want == WY_MARC21
                         ? xwalk_unimarc_to_marc21(r, o, NULL, err)
                         : xwalk_marc21_to_unimarc(r, o, NULL, err);
        if (rc) {
            wy_record_free(o);
            return wy_err_prefix(err,
                                 "cluster %" PRId64 ": display record %" PRId64,
                                 cid, display);
        }
        wy_record_free(r);
        *rec = r = o;
    }
    if (f->marc == UF_MARC21 && !oai_marc21_ok(r))
        return wy_err_set(err, WY_EINVAL,
                          "cluster %" PRId64 ": display record %" PRId64
                          " is not MARC 21 with a valid leader",
                          cid, display);
    return WY_OK;
}

/*
 * The metadata element's content for cluster cid in format f, into out.
 * WY_EINVAL when the cluster cannot be sent in f (its display record has
 * no MARC for marcxml and unimarc), WY_ENOTFOUND when it is not clustered
 * any more.
 */
static wy_code render(struct uctx *u, int64_t cid, const struct ufmt *f,
                      struct wy_buf *out, struct wy_err *err)
{
    struct cluster_info ci;
    wy_code rc = cluster_show_brief(u->cl, cid, &ci, err);
    if (rc)
        return rc;
    struct cat_record *cr = NULL;
    struct wy_record *rec = NULL;
    struct wy_buf x = WY_BUF_INIT(RECORD_MAX), ins = WY_BUF_INIT(RECORD_MAX);
    rc = cat_get_record(u->cat, ci.display, CAT_LOAD_ALL, &cr, err);
    if (rc == WY_OK && cr->deleted) /* the clusters lag the catalog */
        rc = wy_err_set(err, WY_ENOTFOUND,
                        "cluster %" PRId64 ": display record %" PRId64
                        " is deleted",
                        cid, ci.display);
    if (rc == WY_OK && f->marc) {
        rc = cat_record_model(cr, &rec, err);
    } else if (rc == WY_OK) {
        /* DC and MODS are written from the normalized view alone (as on
           /oai): parsing the MARC structure too doubles the cost */
        rec = wy_record_new();
        rc = rec ? cat_json_load(rec, NULL, cr->desc_json, err)
                 : wy_err_set(err, WY_ENOMEM, "no memory for a record");
    }
    if (rc == WY_OK && f->marc)
        rc = to_marc(&rec, f, cid, ci.display, err);
    if (rc == WY_OK && f->marc)
        rc = marc_holdings(u, rec, &ci, f->marc == UF_UNIMARC, err);
    if (rc == WY_OK && !f->marc) {
        rec->desc.nholdings = 0; /* written below, with links */
        xml_holdings(u, &ci, !strcmp(f->prefix, "mods"), &ins);
        rc = wy_buf_status(&ins, err);
    }
    if (rc == WY_OK)
        rc = handler_of(f)->write(rec, &x, err);
    if (rc == WY_OK && !f->marc)
        rc = insert_before(
            &x, !strcmp(f->prefix, "mods") ? "</mods>" : "</oai_dc:dc>", &ins,
            err);
    if (rc == WY_OK)
        rc = wy_buf_status(&x, err);
    if (rc == WY_OK) {
        oai_add_metadata_xml(out, x.p ? x.p : "", x.len, f->ns);
        rc = wy_buf_status(out, err);
    }
    wy_buf_release(&x);
    wy_buf_release(&ins);
    wy_record_free(rec);
    cat_record_free(cr);
    cluster_info_release(&ci);
    return rc;
}

static void header(struct wy_buf *b, const struct cluster_head *h)
{
    wy_buf_adds(b, h->gone ? "<header status=\"deleted\">" : "<header>");
    wy_buf_addf(b,
                "<identifier>" UNION_ID_PREFIX "%" PRId64 "</identifier>"
                "<datestamp>%s</datestamp></header>",
                h->id, h->datestamp);
}

/* One <record> (or, records 0, the header alone) into b. WY_EINVAL or
   WY_ENOTFOUND from render when the cluster cannot be sent (b untouched). */
static wy_code item(struct uctx *u, const struct cluster_head *h,
                    const struct ufmt *f, int records, struct wy_buf *b,
                    struct wy_err *err)
{
    size_t mark = b->len;
    if (records)
        wy_buf_adds(b, "<record>");
    header(b, h);
    wy_code rc = WY_OK;
    if (!h->gone && (records || f->marc)) {
        /* ListIdentifiers lists what ListRecords sends: in marcxml and
           unimarc only clusters shown by a MARC record */
        struct wy_buf m = WY_BUF_INIT(RECORD_MAX + 4096);
        rc = render(u, h->id, f, &m, err);
        if (rc == WY_OK && records) {
            wy_buf_adds(b, "<metadata>");
            wy_buf_add(b, m.p ? m.p : "", m.len);
            wy_buf_adds(b, "</metadata>");
        }
        wy_buf_release(&m);
    }
    if (rc) {
        wy_buf_truncate(b, mark);
        return rc;
    }
    wy_buf_adds(b, records ? "</record>\n" : "\n");
    return wy_buf_status(b, err);
}

/* ---- the verbs --------------------------------------------------------- */

static enum MHD_Result identify(struct uctx *u, const struct oai_request *rq,
                                int64_t now)
{
    struct svc_req *req = u->req;
    struct wy_err err = WY_ERR_INIT;
    char earliest[21] = "";
    if (u->cl && cluster_earliest(u->cl, earliest, &err) != WY_OK)
        return fail(req, &err);
    char ds[21];
    if (earliest[0])
        memcpy(ds, earliest, sizeof(ds));
    else
        oai_format_datestamp(0, ds);
    struct wy_buf b = WY_BUF_INIT(64 * 1024);
    oai_head(req, &b, rq, now);
    wy_buf_adds(&b, "<Identify>\n<repositoryName>");
    wy_buf_add_xml(&b, req->app->repo_name, strlen(req->app->repo_name));
    wy_buf_adds(&b, " 联合目录 (union catalogue: one record per work, with "
                    "the holdings of every library)</repositoryName>\n"
                    "<baseURL>");
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

static enum MHD_Result list_formats(struct uctx *u,
                                    const struct oai_request *rq, int64_t now)
{
    struct svc_req *req = u->req;
    int64_t one = 0; /* the cluster asked about, if any */
    struct wy_err err = WY_ERR_INIT;
    if (rq->identifier) {
        struct cluster_head h;
        wy_code rc = head_of(u, rq->identifier, &h, &err);
        if (rc == WY_ENOTFOUND) {
            enum MHD_Result r = oai_reply_error(
                req, rq, now, OAI_ID_DOES_NOT_EXIST, wy_err_msg(&err));
            wy_err_release(&err);
            return r;
        }
        if (rc)
            return fail(req, &err);
        if (h.gone)
            return oai_reply_error(req, rq, now, OAI_NO_METADATA_FORMATS,
                                   "the cluster is deleted: no metadata "
                                   "formats are available for it");
        one = h.id;
    }
    struct wy_buf b = WY_BUF_INIT(64 * 1024);
    oai_head(req, &b, rq, now);
    wy_buf_adds(&b, "<ListMetadataFormats>\n");
    for (const struct ufmt *f = ufmts; f->prefix; f++) {
        if (!handler_of(f))
            continue;
        if (one && f->marc) {
            /* a MARC format: only when the display record can be written
               in it (converted from the other MARC or not) */
            struct wy_buf m = WY_BUF_INIT(RECORD_MAX + 4096);
            wy_code rc = render(u, one, f, &m, &err);
            wy_buf_release(&m);
            if (rc == WY_ENOMEM) {
                wy_buf_release(&b);
                return fail(req, &err);
            }
            wy_err_release(&err);
            if (rc)
                continue;
        }
        wy_buf_addf(&b,
                    "<metadataFormat><metadataPrefix>%s</metadataPrefix>"
                    "<schema>%s</schema><metadataNamespace>%s"
                    "</metadataNamespace></metadataFormat>\n",
                    f->prefix, f->schema, f->ns);
    }
    wy_buf_adds(&b, "</ListMetadataFormats>\n</OAI-PMH>\n");
    return svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
}

static enum MHD_Result get_record(struct uctx *u, const struct oai_request *rq,
                                  int64_t now)
{
    struct svc_req *req = u->req;
    const struct ufmt *f = find_ufmt(rq->prefix);
    struct wy_err err = WY_ERR_INIT;
    struct cluster_head h;
    wy_code rc = head_of(u, rq->identifier, &h, &err);
    if (rc == WY_ENOTFOUND) {
        enum MHD_Result r = oai_reply_error(req, rq, now, OAI_ID_DOES_NOT_EXIST,
                                            wy_err_msg(&err));
        wy_err_release(&err);
        return r;
    }
    if (rc)
        return fail(req, &err);
    if (!f)
        return oai_reply_error(req, rq, now, OAI_CANNOT_DISSEMINATE_FORMAT,
                               "this metadataPrefix is not supported");
    struct wy_buf b = WY_BUF_INIT(RECORD_MAX + (64 << 10));
    oai_head(req, &b, rq, now);
    wy_buf_adds(&b, "<GetRecord>");
    rc = item(u, &h, f, 1, &b, &err);
    if (rc == WY_EINVAL || rc == WY_ENOTFOUND || rc == WY_ETOOBIG) {
        wy_buf_release(&b);
        enum MHD_Result r =
            oai_reply_error(req, rq, now,
                            rc == WY_ENOTFOUND ? OAI_ID_DOES_NOT_EXIST
                                               : OAI_CANNOT_DISSEMINATE_FORMAT,
                            wy_err_msg(&err));
        wy_err_release(&err);
        return r;
    }
    if (rc) {
        wy_buf_release(&b);
        return fail(req, &err);
    }
    wy_buf_adds(&b, "</GetRecord>\n</OAI-PMH>\n");
    return svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
}

/* A list page: the heads of a window of clusters, walked in order. */
struct page {
    struct cluster_head *v;
    size_t n, cap;
};

static wy_code take(void *ctx, const struct cluster_head *h, struct wy_err *err)
{
    struct page *p = ctx;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        void *v = realloc(p->v, cap * sizeof(*p->v));
        if (!v)
            return wy_err_set(err, WY_ENOMEM, "no memory for a list");
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = *h;
    return WY_OK;
}

/* Builds the page into b: items after the token's position, at most
   app->page_size sent; *more when the list goes on. */
static wy_code list_page(struct uctx *u, struct oai_token *tok,
                         const struct ufmt *f, int records, struct wy_buf *b,
                         size_t *sent, int *more, struct wy_err *err)
{
    size_t page_size = u->req->app->page_size;
    char from[21], until[21], after[21];
    struct cluster_query q = {.include_gone = 1};
    if (tok->from != OAI_TIME_NONE) {
        oai_format_datestamp(tok->from, from);
        q.from = from;
    }
    oai_format_datestamp(tok->until, until);
    q.until = until;
    *sent = 0;
    *more = 0;
    struct page pg = {NULL, 0, 0};
    wy_code rc = WY_OK;
    if (!u->cl)
        return WY_OK;
    /* a page never comes out empty while the list goes on (the schema
       wants one item at least): windows are read until one is sent */
    do {
        if (tok->last_id && *tok->last_id) {
            oai_format_datestamp(tok->last_ds, after);
            q.after_ds = after;
            q.after_id = strtoll(tok->last_id, NULL, 10);
        }
        size_t window = SCAN_MAX(page_size);
        q.limit = window + 1;
        pg.n = 0;
        rc = cluster_list(u->cl, &q, take, &pg, NULL, err);
        *more = 0;
        for (size_t i = 0; rc == WY_OK && i < pg.n; i++) {
            if (*sent == page_size || i == window ||
                (*sent > 0 && b->len > PAGE_SOFT)) {
                *more = 1; /* an item past the page: the list goes on */
                break;
            }
            const struct cluster_head *h = &pg.v[i];
            struct wy_err e2 = WY_ERR_INIT;
            wy_code r = item(u, h, f, records, b, &e2);
            if (r == WY_OK) {
                (*sent)++;
            } else if (r == WY_EINVAL || r == WY_ENOTFOUND || r == WY_ETOOBIG) {
                /* not in this format (or larger than RECORD_MAX, or the
                   clusters lag the catalog): left out, the position moves
                   on */
                if (r != WY_EINVAL)
                    svc_log(u->req, WY_LOG_WARN,
                            "oai/union: cluster %" PRId64 " left out: %s",
                            h->id, wy_err_msg(&e2));
            } else {
                rc = r;
                *err = e2; /* moved */
                e2 = (struct wy_err)WY_ERR_INIT;
            }
            wy_err_release(&e2);
            if (rc)
                break;
            tok->last_ds = 0;
            int day;
            oai_parse_datestamp(h->datestamp, strlen(h->datestamp), 0,
                                &tok->last_ds, &day);
            char id[24];
            snprintf(id, sizeof(id), "%" PRId64, h->id);
            free(tok->last_id);
            if (!(tok->last_id = wy_strdup(id)))
                rc = wy_err_set(err, WY_ENOMEM, "no memory for the position");
        }
    } while (rc == WY_OK && *sent == 0 && *more);
    free(pg.v);
    return rc;
}

static enum MHD_Result list(struct uctx *u, const struct oai_request *rq,
                            int64_t now)
{
    struct svc_req *req = u->req;
    struct wy_err err = WY_ERR_INIT;
    struct oai_token tok;
    memset(&tok, 0, sizeof(tok));
    int records = rq->verb == OAI_LIST_RECORDS;
    uint64_t start = 0;
    enum MHD_Result ret;
    if (rq->token) {
        wy_code rc = oai_token_decode(rq->token, strlen(rq->token), u->key,
                                      sizeof(u->key), now,
                                      req->app->token_ttl_s, &tok, &err);
        if (rc == WY_ENOMEM)
            return fail(req, &err);
        if (rc == WY_OK && tok.verb != (int)rq->verb)
            rc = wy_err_set(&err, WY_EFORMAT,
                            "the resumptionToken was issued for another verb");
        if (rc) {
            ret = oai_reply_error(req, rq, now, OAI_BAD_RESUMPTION_TOKEN,
                                  wy_err_msg(&err));
            goto out;
        }
        start = tok.cursor;
    } else {
        if (rq->set) {
            ret = oai_reply_error(req, rq, now, OAI_NO_SET_HIERARCHY,
                                  "the union catalogue has no sets");
            goto out;
        }
        tok.verb = (int)rq->verb;
        tok.from = rq->from;
        /* frozen one second in the past, as /oai does: what changes from
           now on is in the next harvest, not repeated in this one */
        tok.until = rq->until != OAI_TIME_NONE && rq->until < now - 1
                        ? rq->until
                        : now - 1;
        if (!(tok.prefix = wy_strdup(rq->prefix)) ||
            !(tok.last_id = wy_strdup(""))) {
            wy_err_set(&err, WY_ENOMEM, "no memory");
            ret = fail(req, &err);
            goto out;
        }
    }
    const struct ufmt *f = find_ufmt(tok.prefix);
    if (!f) {
        ret = oai_reply_error(req, rq, now, OAI_CANNOT_DISSEMINATE_FORMAT,
                              "this metadataPrefix is not supported");
        goto out;
    }
    if (!rq->token && u->cl) {
        char from[21], until[21];
        struct cluster_query q = {.include_gone = 1};
        if (tok.from != OAI_TIME_NONE) {
            oai_format_datestamp(tok.from, from);
            q.from = from;
        }
        oai_format_datestamp(tok.until, until);
        q.until = until;
        int64_t total = 0;
        if (cluster_count(u->cl, &q, &total, &err) != WY_OK) {
            ret = fail(req, &err);
            goto out;
        }
        tok.total = (uint64_t)total;
    }
    struct wy_buf items = WY_BUF_INIT(WY_BUF_NOLIMIT);
    size_t sent = 0;
    int more = 0;
    if (list_page(u, &tok, f, records, &items, &sent, &more, &err) != WY_OK) {
        wy_buf_release(&items);
        ret = fail(req, &err);
        goto out;
    }
    const char *el = records ? "ListRecords" : "ListIdentifiers";
    struct wy_buf b = WY_BUF_INIT(WY_BUF_NOLIMIT);
    oai_head(req, &b, rq, now);
    if (sent == 0) {
        wy_buf_release(&items);
        wy_buf_addf(&b,
                    "<error code=\"noRecordsMatch\">%s</error>\n</OAI-PMH>\n",
                    start ? "no records remain in this list"
                          : "no records match the arguments");
        ret = svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
        goto out;
    }
    wy_buf_addf(&b, "<%s>\n", el);
    wy_buf_add(&b, items.p, items.len);
    wy_buf_release(&items);
    uint64_t total = tok.total;
    if (total < start + sent)
        total = start + sent; /* clusters added meanwhile */
    if (more) {
        char exp[21];
        oai_format_datestamp(now + req->app->token_ttl_s, exp);
        tok.cursor = start + sent;
        tok.issued = now;
        wy_buf_addf(&b,
                    "<resumptionToken completeListSize=\"%" PRIu64
                    "\" cursor=\"%" PRIu64 "\" expirationDate=\"%s\">",
                    total < tok.cursor + 1 ? tok.cursor + 1 : total, start,
                    exp);
        oai_token_encode(&tok, u->key, sizeof(u->key), &b);
        wy_buf_adds(&b, "</resumptionToken>\n");
    } else if (start > 0) {
        wy_buf_addf(&b,
                    "<resumptionToken completeListSize=\"%" PRIu64
                    "\" cursor=\"%" PRIu64 "\"/>\n",
                    start + sent, start);
    }
    wy_buf_addf(&b, "</%s>\n</OAI-PMH>\n", el);
    ret = svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
out:
    wy_err_release(&err);
    oai_token_release(&tok);
    return ret;
}

enum MHD_Result oai_union(struct svc_req *req, struct wy_home *home,
                          const struct oai_request *rq, int64_t now)
{
    struct wy_err err = WY_ERR_INIT;
    struct uctx u;
    if (uctx_open(&u, req, home, &err) != WY_OK) {
        uctx_close(&u);
        return fail(req, &err);
    }
    enum MHD_Result r;
    switch (rq->verb) {
    case OAI_IDENTIFY:
        r = identify(&u, rq, now);
        break;
    case OAI_LIST_METADATA_FORMATS:
        r = list_formats(&u, rq, now);
        break;
    case OAI_LIST_SETS:
        r = rq->token ? oai_reply_error(req, rq, now, OAI_BAD_RESUMPTION_TOKEN,
                                        "ListSets issues no resumptionToken "
                                        "here: the union catalogue has no "
                                        "sets")
                      : oai_reply_error(req, rq, now, OAI_NO_SET_HIERARCHY,
                                        "the union catalogue has no sets");
        break;
    case OAI_GET_RECORD:
        r = get_record(&u, rq, now);
        break;
    case OAI_LIST_IDENTIFIERS:
    case OAI_LIST_RECORDS:
        r = list(&u, rq, now);
        break;
    default:
        r = oai_reply_error(req, NULL, now, OAI_BAD_VERB, "no verb");
    }
    uctx_close(&u);
    return r;
}
