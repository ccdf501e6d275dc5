/* service/oai_common.c: what the OAI-PMH repositories /oai and /oai/union
   share (see oai_common.h). */
#include "service/oai_common.h"

#include <string.h>

#include "service/app.h"
#include "service/reply.h"

#define OAI_NS "http://www.openarchives.org/OAI/2.0/"

/* ---- the envelope ------------------------------------------------------ */

int oai_is_union(const struct svc_req *req)
{
    return req->url && !strcmp(req->url, "/oai/union");
}

void oai_site_url(struct svc_req *req, struct wy_buf *b)
{
    if (req->app->base_url) {
        const char *u = req->app->base_url;
        size_t n = strlen(u);
        while (n && u[n - 1] == '/')
            n--;
        wy_buf_add(b, u, n);
    } else {
        const char *host = svc_header(req, MHD_HTTP_HEADER_HOST);
        wy_buf_adds(b, "http://");
        wy_buf_adds(b, host ? host : "localhost");
    }
}

void oai_base_url(struct svc_req *req, struct wy_buf *b)
{
    struct wy_buf site = WY_BUF_INIT(64 * 1024);
    oai_site_url(req, &site);
    wy_buf_add_xml(b, site.p ? site.p : "", site.len);
    wy_buf_release(&site);
    wy_buf_adds(b, oai_is_union(req) ? "/oai/union" : "/oai");
}

static void attr(struct wy_buf *b, const char *name, const char *v)
{
    if (!v)
        return;
    wy_buf_addf(b, " %s=\"", name);
    wy_buf_add_xml(b, v, strlen(v));
    wy_buf_addc(b, '"');
}

/* The head up to the verb's element; rq NULL: the request element carries
   no attributes (badVerb, badArgument: section 3.2). */
void oai_head(struct svc_req *req, struct wy_buf *b,
              const struct oai_request *rq, int64_t now)
{
    char ds[21];
    oai_format_datestamp(now, ds);
    wy_buf_adds(b,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<OAI-PMH xmlns=\"" OAI_NS "\" "
                "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                "xsi:schemaLocation=\"" OAI_NS " " OAI_NS "OAI-PMH.xsd\">\n");
    wy_buf_addf(b, "<responseDate>%s</responseDate>\n<request", ds);
    if (rq) {
        attr(b, "verb", oai_verb_name(rq->verb));
        attr(b, "identifier", rq->identifier);
        attr(b, "metadataPrefix", rq->prefix);
        attr(b, "from", rq->from_s);
        attr(b, "until", rq->until_s);
        attr(b, "set", rq->set);
        attr(b, "resumptionToken", rq->token);
    }
    wy_buf_addc(b, '>');
    oai_base_url(req, b);
    wy_buf_adds(b, "</request>\n");
}

enum MHD_Result oai_reply_error(struct svc_req *req,
                                const struct oai_request *rq, int64_t now,
                                enum oai_error e, const char *msg)
{
    struct wy_buf b = WY_BUF_INIT(64 * 1024);
    int echo = e != OAI_BAD_VERB && e != OAI_BAD_ARGUMENT;
    oai_head(req, &b, echo ? rq : NULL, now);
    wy_buf_addf(&b, "<error code=\"%s\">", oai_error_name(e));
    wy_buf_add_xml(&b, msg, strlen(msg));
    wy_buf_adds(&b, "</error>\n</OAI-PMH>\n");
    return svc_reply_wybuf(req, 200, SVC_CT_XML, &b);
}

/* ---- metadata --------------------------------------------------------- */

/* Copies a writer's output into b as one element with its namespace:
   an XML declaration is dropped, and a root start tag without the format's
   namespace gets it (MARCXML writes <record> for a <collection>). */
void oai_add_metadata_xml(struct wy_buf *b, const char *x, size_t n,
                          const char *ns)
{
    const char *p = x, *end = x + n;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
        if (end - p >= 2 && p[0] == '<' && (p[1] == '?' || p[1] == '!')) {
            const char *gt = memchr(p, '>', (size_t)(end - p));
            if (!gt)
                return;
            p = gt + 1;
            continue;
        }
        break;
    }
    if (p >= end || *p != '<')
        return;
    const char *name = p + 1, *ne = name;
    while (ne < end && *ne != ' ' && *ne != '>' && *ne != '/' && *ne != '\n' &&
           *ne != '\t' && *ne != '\r')
        ne++;
    const char *gt = memchr(p, '>', (size_t)(end - p));
    if (!gt)
        return;
    const char *colon = memchr(name, ':', (size_t)(ne - name));
    struct wy_buf want = WY_BUF_INIT(128);
    if (colon)
        wy_buf_addf(&want, "xmlns:%.*s=", (int)(colon - name), name);
    else
        wy_buf_adds(&want, "xmlns=");
    int has_ns = 0;
    for (const char *q = ne; q + want.len <= gt; q++)
        if (!memcmp(q, want.p, want.len)) {
            has_ns = 1;
            break;
        }
    wy_buf_add(b, p, (size_t)(ne - p));
    if (!has_ns) {
        wy_buf_addc(b, ' ');
        wy_buf_add(b, want.p, want.len);
        wy_buf_addf(b, "\"%s\"", ns);
    }
    wy_buf_add(b, ne, (size_t)(end - ne));
    wy_buf_release(&want);
}

/* MARCXML is MARC 21 slim: a UNIMARC/CNMARC record, or a leader the
   schema's pattern refuses ('-' fill characters), cannot be sent as it
   (MARC21slim.xsd, leaderDataType). */
int oai_marc21_ok(const struct wy_record *rec)
{
    if (rec->kind != WY_MARC21 || rec->nfields == 0)
        return 0;
    const char *l = rec->leader;
    for (int i = 0; i < 24; i++) {
        char c = l[i];
        int digit = c >= '0' && c <= '9', blank = c == ' ';
        int alnum = digit || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        int ok;
        if (i < 5 || (i >= 12 && i < 17))
            ok = digit || blank;
        else if (i == 6)
            ok = alnum;
        else if (i == 10 || i == 11)
            ok = c == '2' || blank;
        else if (i >= 20)
            ok = 1;
        else
            ok = alnum || blank;
        if (!ok)
            return 0;
    }
    return !memcmp(l + 20, "4500", 4) || !memcmp(l + 20, "    ", 4);
}
