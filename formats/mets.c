/* formats/mets.c: METS descriptive metadata (the mets handler) and the file
   and page structure ingest needs. */
#include "formats/mets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/xml.h"
#include "formats/dc.h"
#include "formats/format.h"
#include "formats/mods.h"
#include "formats/xmlstream.h"

static int is_mets(const xmlNode *n, const char *local)
{
    return fmt_xml_is(n, FMT_NS_METS, local);
}

/* ---- the handler: descriptive metadata into the view ------------------- */

/* The MODS or DC content of an mdWrap's xmlData: a <mods>/<dc> element if
   there is one, else xmlData itself (DSpace puts MODS elements there bare). */
static const xmlNode *wrapped(const xmlNode *xmldata, const char *ns,
                              const char *root)
{
    for (const xmlNode *c = xmldata->children; c; c = c->next)
        if (fmt_xml_is(c, ns, root))
            return c;
    return xmldata;
}

static const xmlNode *find_md(const xmlNode *mets, const char *mdtype)
{
    for (const xmlNode *s = mets->children; s; s = s->next) {
        if (!is_mets(s, "dmdSec"))
            continue;
        for (const xmlNode *w = s->children; w; w = w->next) {
            if (!is_mets(w, "mdWrap") || !fmt_xml_attr_is(w, "MDTYPE", mdtype))
                continue;
            for (const xmlNode *x = w->children; x; x = x->next)
                if (is_mets(x, "xmlData"))
                    return x;
        }
    }
    return NULL;
}

static wy_code mets_describe_node(struct wy_record *r, const xmlNode *mets,
                                  struct wy_err *err)
{
    r->kind = WY_MARC_NONE;
    if (!r->desc.id) {
        int ok = 1;
        const char *objid = fmt_xml_attr(r, mets, "OBJID", &ok);
        if (!ok)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        r->desc.id = objid;
    }
    const xmlNode *x = find_md(mets, "MODS");
    if (x)
        return mods_describe_node(r, wrapped(x, FMT_NS_MODS, "mods"), err);
    x = find_md(mets, "DC");
    if (x) {
        const xmlNode *dc = wrapped(x, FMT_NS_OAI_DC, "dc");
        if (dc == x)
            dc = wrapped(x, FMT_NS_SRW_DC, "dc");
        return dc_describe_node(r, dc, err);
    }
    return WY_OK; /* no embedded description: the record has only an id */
}

static int match_mets(const xmlChar *ns, const xmlChar *local)
{
    return ns && local && !strcmp((const char *)local, "mets") &&
           !strcmp((const char *)ns, FMT_NS_METS);
}

static int mets_detect(const unsigned char *p, size_t n)
{
    if (!fmt_bytes_has(p, n, FMT_NS_METS))
        return 0;
    /* a METS root wins over the MARCXML, MODS and DC it may embed; METS
       inside an OAI-PMH page still bids above MODS and DC */
    return fmt_xml_root_is(p, n, "mets") ? 95 : 85;
}

static wy_code mets_open(void **state, struct fmt_input *in, struct wy_err *err)
{
    return fmt_xml_reader_open(state, in, match_mets, err);
}

static wy_code mets_next(void *state, struct wy_record *rec, struct wy_err *err)
{
    return fmt_xml_reader_next(state, rec, mets_describe_node, err);
}

const struct fmt_handler mets_handler = {
    .name = "mets",
    .title = "METS (descriptive metadata from dmdSec MODS or DC; read only)",
    .detect = mets_detect,
    .open = mets_open,
    .next = mets_next,
    .close = fmt_xml_reader_close,
};

/* ---- the structure: files and pages ------------------------------------ */

/* file IDs sorted for lookup, with the line each was declared on */
struct fid {
    const char *id;
    size_t index;
    long line;
};

struct ps {
    struct mets_structure *s;
    const char *name;
    struct fid *ids; /* sorted by id once the fileSec is read */
    size_t nids, capids;
    size_t capfiles, cappages;
    int ok;
};

static const char *attr(struct ps *p, const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    const char *d = wy_arena_strdup(p->s->arena, (const char *)v);
    xmlFree(v);
    if (!d)
        p->ok = 0;
    return d;
}

static const char *href(struct ps *p, const xmlNode *flocat)
{
    xmlChar *v = xmlGetNsProp(flocat, BAD_CAST "href", BAD_CAST FMT_NS_XLINK);
    if (!v)
        return NULL;
    const char *d = wy_arena_strdup(p->s->arena, (const char *)v);
    xmlFree(v);
    if (!d)
        p->ok = 0;
    return d;
}

static long long parse_size(const char *s)
{
    if (!s || !*s)
        return -1;
    long long v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9' || v > (1LL << 53))
            return -1;
        v = v * 10 + (*c - '0');
    }
    return v;
}

static int fid_cmp(const void *a, const void *b)
{
    const struct fid *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static long find_file(const struct ps *p, const char *id)
{
    size_t lo = 0, hi = p->nids;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->ids[mid].id, id);
        if (!c)
            return (long)p->ids[mid].index;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Sorts the file IDs (so a book of thousands of pages is not quadratic)
   and reports the first one declared twice. */
static wy_code index_files(struct ps *p, struct wy_err *err)
{
    if (!p->nids)
        return WY_OK;
    qsort(p->ids, p->nids, sizeof(*p->ids), fid_cmp);
    const struct fid *dup = NULL;
    for (size_t i = 1; i < p->nids; i++)
        if (!strcmp(p->ids[i].id, p->ids[i - 1].id) &&
            (!dup || p->ids[i].index < dup->index))
            dup = &p->ids[i];
    if (dup)
        return wy_err_set(err, WY_EFORMAT,
                          "%s: line %ld: file ID '%s' is used twice", p->name,
                          dup->line, dup->id);
    return WY_OK;
}

static wy_code file_grp(struct ps *p, const xmlNode *grp, const char *use,
                        struct wy_err *err)
{
    const char *u = attr(p, grp, "USE");
    if (u)
        use = u;
    for (const xmlNode *c = grp->children; c && p->ok; c = c->next) {
        if (is_mets(c, "fileGrp")) {
            wy_code rc = file_grp(p, c, use, err);
            if (rc != WY_OK)
                return rc;
            continue;
        }
        if (!is_mets(c, "file"))
            continue;
        struct mets_file f = {0};
        f.id = attr(p, c, "ID");
        if (!f.id)
            return p->ok ? wy_err_set(err, WY_EFORMAT,
                                      "%s: line %ld: a <file> without an ID",
                                      p->name, xmlGetLineNo(c))
                         : wy_err_set(err, WY_ENOMEM, "out of memory");
        struct fid *ids = wy_arena_grow(p->s->arena, p->ids, &p->capids,
                                        p->nids + 1, sizeof(*ids));
        if (!ids)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        p->ids = ids;
        ids[p->nids++] = (struct fid){f.id, p->s->nfiles, xmlGetLineNo(c)};
        f.mimetype = attr(p, c, "MIMETYPE");
        f.checksum = attr(p, c, "CHECKSUM");
        f.checksumtype = attr(p, c, "CHECKSUMTYPE");
        const char *own = attr(p, c, "USE");
        f.use = own ? own : use;
        f.size = parse_size(attr(p, c, "SIZE"));
        for (const xmlNode *l = c->children; l && !f.href; l = l->next)
            if (is_mets(l, "FLocat"))
                f.href = href(p, l);
        struct mets_file *a =
            wy_arena_grow(p->s->arena, p->s->files, &p->capfiles,
                          p->s->nfiles + 1, sizeof(*a));
        if (!a)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        p->s->files = a;
        a[p->s->nfiles++] = f;
    }
    return p->ok ? WY_OK : wy_err_set(err, WY_ENOMEM, "out of memory");
}

static int has_order(const xmlNode *div)
{
    return xmlHasProp(div, BAD_CAST "ORDER") != NULL;
}

static long order_of(const xmlNode *div)
{
    xmlChar *v = xmlGetNoNsProp(div, BAD_CAST "ORDER");
    if (!v)
        return 0;
    char *end;
    errno = 0;
    long o = strtol((const char *)v, &end, 10);
    if (errno || end == (char *)v || *end)
        o = 0;
    xmlFree(v);
    return o;
}

static wy_code add_page(struct ps *p, const xmlNode *div, struct wy_err *err)
{
    struct mets_page pg = {0};
    pg.id = attr(p, div, "ID");
    pg.label = attr(p, div, "ORDERLABEL");
    if (!pg.label)
        pg.label = attr(p, div, "LABEL");
    pg.order = order_of(div);
    size_t cap = 0;
    for (const xmlNode *c = div->children; c && p->ok; c = c->next) {
        if (!is_mets(c, "fptr"))
            continue;
        xmlChar *fid = xmlGetNoNsProp(c, BAD_CAST "FILEID");
        if (!fid) {
            /* an fptr may point through <area FILEID=...> instead */
            for (const xmlNode *a = c->children; a && !fid; a = a->next)
                if (is_mets(a, "area"))
                    fid = xmlGetNoNsProp(a, BAD_CAST "FILEID");
        }
        if (!fid)
            continue;
        long k = find_file(p, (const char *)fid);
        if (k < 0) {
            wy_code rc = wy_err_set(err, WY_EFORMAT,
                                    "%s: line %ld: structMap div '%s': fptr "
                                    "FILEID '%s' names no file in the fileSec",
                                    p->name, xmlGetLineNo(c),
                                    pg.id ? pg.id : "", (const char *)fid);
            xmlFree(fid);
            return rc;
        }
        xmlFree(fid);
        size_t *f = wy_arena_grow(p->s->arena, pg.files, &cap, pg.nfiles + 1,
                                  sizeof(*f));
        if (!f)
            return wy_err_set(err, WY_ENOMEM, "out of memory");
        pg.files = f;
        pg.files[pg.nfiles++] = (size_t)k;
    }
    if (!p->ok)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    if (!pg.nfiles)
        return WY_OK;
    struct mets_page *a = wy_arena_grow(p->s->arena, p->s->pages, &p->cappages,
                                        p->s->npages + 1, sizeof(*a));
    if (!a)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    p->s->pages = a;
    a[p->s->npages++] = pg;
    return WY_OK;
}

/* Deep structMaps are legal, but not a thousand levels deep. */
#define MAX_DEPTH 64

static wy_code walk_div(struct ps *p, const xmlNode *div, int depth,
                        struct wy_err *err)
{
    if (depth > MAX_DEPTH)
        return wy_err_set(err, WY_EFORMAT,
                          "%s: line %ld: structMap nested more than %d deep",
                          p->name, xmlGetLineNo(div), MAX_DEPTH);
    wy_code rc = add_page(p, div, err);
    if (rc != WY_OK)
        return rc;
    /* the child divs, sorted by ORDER when every one has it (stable) */
    size_t n = 0, all = 1;
    for (const xmlNode *c = div->children; c; c = c->next)
        if (is_mets(c, "div")) {
            n++;
            all &= has_order(c) ? 1u : 0u;
        }
    if (!n)
        return WY_OK;
    const xmlNode **kids = wy_calloc(n, sizeof(*kids));
    long *ord = wy_calloc(n, sizeof(*ord));
    if (!kids || !ord) {
        free(kids);
        free(ord);
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (const xmlNode *c = div->children; c; c = c->next)
        if (is_mets(c, "div")) {
            size_t j = k++;
            long o = all ? order_of(c) : 0;
            while (j > 0 && ord[j - 1] > o) {
                kids[j] = kids[j - 1];
                ord[j] = ord[j - 1];
                j--;
            }
            kids[j] = c;
            ord[j] = o;
        }
    for (size_t i = 0; i < n && rc == WY_OK; i++)
        rc = walk_div(p, kids[i], depth + 1, err);
    free(kids);
    free(ord);
    return rc;
}

static const xmlNode *find_mets(const xmlNode *n, int depth)
{
    for (; n && depth < MAX_DEPTH; n = n->next) {
        if (is_mets(n, "mets"))
            return n;
        if (n->type == XML_ELEMENT_NODE) {
            const xmlNode *f = find_mets(n->children, depth + 1);
            if (f)
                return f;
        }
    }
    return NULL;
}

static wy_code parse(struct ps *p, const xmlNode *mets, struct wy_err *err)
{
    struct mets_structure *s = p->s;
    s->objid = attr(p, mets, "OBJID");
    s->label = attr(p, mets, "LABEL");
    const xmlNode *smap = NULL;
    for (const xmlNode *c = mets->children; c && p->ok; c = c->next) {
        if (is_mets(c, "fileSec")) {
            for (const xmlNode *g = c->children; g; g = g->next) {
                if (!is_mets(g, "fileGrp"))
                    continue;
                wy_code rc = file_grp(p, g, NULL, err);
                if (rc != WY_OK)
                    return rc;
            }
        } else if (is_mets(c, "structMap")) {
            if (!smap || (fmt_xml_attr_is(c, "TYPE", "physical") &&
                          !fmt_xml_attr_is(smap, "TYPE", "physical")))
                smap = c;
        }
    }
    if (!p->ok)
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    wy_code rc0 = index_files(p, err);
    if (rc0 != WY_OK)
        return rc0;
    /* every structMap is checked; the pages are those of the preferred one
       (physical) when it has any, else of the first that has */
    struct mets_page *pages = NULL;
    size_t npages = 0;
    const char *type = smap ? attr(p, smap, "TYPE") : NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (const xmlNode *c = mets->children; c; c = c->next) {
            if (!is_mets(c, "structMap") || (pass == 0) != (c == smap))
                continue;
            s->pages = NULL;
            s->npages = 0;
            p->cappages = 0;
            for (const xmlNode *d = c->children; d; d = d->next) {
                if (!is_mets(d, "div"))
                    continue;
                wy_code rc = walk_div(p, d, 0, err);
                if (rc != WY_OK)
                    return rc;
            }
            if (!npages && s->npages) {
                pages = s->pages;
                npages = s->npages;
                type = attr(p, c, "TYPE");
            }
        }
    }
    s->pages = pages;
    s->npages = npages;
    s->structmap = type;
    return p->ok ? WY_OK : wy_err_set(err, WY_ENOMEM, "out of memory");
}

wy_code mets_parse_structure(const char *buf, size_t len, const char *name,
                             struct mets_structure **out, struct wy_err *err)
{
    *out = NULL;
    if (wy_xml_has_dtd(buf, len))
        return wy_err_set(err, WY_EFORMAT,
                          "%s: a <!DOCTYPE> declaration is "
                          "refused (no DTDs or entities in METS)",
                          name);
    xmlDocPtr doc;
    wy_code rc = wy_xml_doc_mem(&doc, buf, len, name, err);
    if (rc != WY_OK)
        return rc;
    struct mets_structure *s = wy_calloc(1, sizeof(*s));
    if (!s || !(s->arena = wy_arena_new())) {
        free(s);
        xmlFreeDoc(doc);
        return wy_err_set(err, WY_ENOMEM, "out of memory");
    }
    struct ps p = {s, name, NULL, 0, 0, 0, 0, 1};
    const xmlNode *mets = find_mets(xmlDocGetRootElement(doc), 0);
    if (!mets)
        rc = wy_err_set(err, WY_EFORMAT,
                        "%s: no <mets> element in the "
                        "METS namespace",
                        name);
    else
        rc = parse(&p, mets, err);
    xmlFreeDoc(doc);
    if (rc != WY_OK) {
        mets_structure_free(s);
        return rc;
    }
    *out = s;
    return WY_OK;
}

void mets_structure_free(struct mets_structure *s)
{
    if (!s)
        return;
    wy_arena_free(s->arena);
    free(s);
}
