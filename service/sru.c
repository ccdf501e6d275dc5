/* service/sru.c: SRU searchRetrieve and explain (SRU 2.0, OASIS
   searchRetrieve 1.0 part 2; SRU 1.1/1.2 of the Library of Congress for
   older clients). */
#include "service/sru.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaz/cql.h>

#include "formats/format.h"
#include "repository/catalog.h"
#include "service/app.h"
#include "service/reply.h"

#define NS_SRU2 "http://docs.oasis-open.org/ns/search-ws/sruResponse"
#define NS_DIAG2 "http://docs.oasis-open.org/ns/search-ws/diagnostic"
#define NS_SRU1 "http://www.loc.gov/zing/srw/"
#define NS_DIAG1 "http://www.loc.gov/zing/srw/diagnostic/"
#define NS_ZEEREX "http://explain.z3950.org/dtd/2.0/"

#define SRU_DEFAULT_MAX 10
#define SRU_MAX_RECORDS 100
/* the index returns pages; a window that does not start on a page
   boundary is fetched from the first hit, at most this far */
#define SRU_MAX_WINDOW 1000

/* ---- CQL to the index's query ------------------------------------------ */

enum ix { IX_TEXT, IX_ID, IX_DATE };

static const struct {
    const char *cql;   /* without the context set prefix, lowercased */
    const char *sets;  /* context sets it is allowed with */
    const char *field; /* the index's field, "" for anywhere */
    enum ix kind;
} indexes[] = {
    {"title", "dc bath rec", "title", IX_TEXT},
    {"creator", "dc", "creator", IX_TEXT},
    {"contributor", "dc", "creator", IX_TEXT},
    {"author", "dc bath", "creator", IX_TEXT},
    {"name", "bath", "creator", IX_TEXT},
    {"personalname", "bath", "creator", IX_TEXT},
    {"corporatename", "bath", "creator", IX_TEXT},
    {"subject", "dc bath", "subject", IX_TEXT},
    {"topicalsubject", "bath", "subject", IX_TEXT},
    {"publisher", "dc", "publisher", IX_TEXT},
    {"identifier", "dc rec", "id", IX_ID},
    {"isbn", "bath", "isbn", IX_ID},
    {"issn", "bath", "issn", IX_ID},
    {"standardidentifier", "bath", "id", IX_ID},
    {"date", "dc", NULL, IX_DATE},
    {"anywhere", "cql", "", IX_TEXT},
    {"serverchoice", "cql", "", IX_TEXT},
    {"any", "bath", "", IX_TEXT},
    {"keyword", "bath", "", IX_TEXT},
};

struct conv {
    struct idx_query *q;
    struct sru_diag *d;
    int from, to; /* from dc.date clauses */
};

static int diag(struct sru_diag *d, int code, const char *details)
{
    d->code = code;
    free(d->details);
    d->details = details ? strdup(details) : NULL;
    return code;
}

/* The index entry of a CQL index ("dc.title", "title", "cql.serverChoice"),
   or -1. */
static int find_index(const char *name)
{
    char set[32] = "", base[64];
    const char *dot = strchr(name, '.');
    if (dot) {
        size_t k = (size_t)(dot - name);
        if (k >= sizeof(set))
            return -1;
        for (size_t i = 0; i < k; i++)
            set[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32
                                                             : name[i]);
        set[k] = '\0';
        name = dot + 1;
    }
    size_t n = strlen(name);
    if (n >= sizeof(base))
        return -1;
    for (size_t i = 0; i <= n; i++)
        base[i] =
            (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
        if (strcmp(indexes[i].cql, base))
            continue;
        if (!*set)
            return (int)i;
        const char *p = strstr(indexes[i].sets, set);
        size_t k = strlen(set);
        if (p && (p[k] == ' ' || p[k] == '\0'))
            return (int)i;
    }
    return -1;
}

/* Appends the words of term, cleaned of the index's query syntax
   (quotes, brackets, field colons; ASCII lowercased so that AND/OR/NOT in
   a term stay words); returns how many. */
static size_t words(const char *term, const char *field, const char *join,
                    int phrase, struct wy_buf *out)
{
    size_t n = 0;
    const char *p = term;
    if (phrase && field && *field)
        wy_buf_addf(out, "%s:", field);
    if (phrase)
        wy_buf_addc(out, '"');
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        struct wy_buf w = WY_BUF_INIT(4096);
        for (; *p && *p != ' ' && *p != '\t'; p++) {
            char c = *p;
            if (c == '"' || c == '(' || c == ')' || c == ':' || c == '\\' ||
                ((c == '+' || c == '-') && !w.len))
                continue;
            if (c == '*' && (phrase || p[1] == '*'))
                continue;
            wy_buf_addc(&w, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
        }
        if (!w.len || w.error) {
            wy_buf_release(&w);
            continue;
        }
        if (n)
            wy_buf_adds(out, phrase ? " " : join);
        if (!phrase && field && *field)
            wy_buf_addf(out, "%s:", field);
        wy_buf_add(out, w.p, w.len);
        wy_buf_release(&w);
        n++;
    }
    if (phrase)
        wy_buf_addc(out, '"');
    return n;
}

static int parse_year(const char *s, int *y)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < -3000 || v > 3000)
        return 0;
    *y = (int)v;
    return 1;
}

static int date_clause(struct conv *cv, const struct cql_node *n)
{
    const char *rel = n->u.st.relation, *t = n->u.st.term;
    int a, b;
    if (!strcmp(rel, "within")) {
        char lo[16], hi[16];
        const char *sp = strchr(t, ' ');
        if (!sp || (size_t)(sp - t) >= sizeof(lo) ||
            strlen(sp + 1) >= sizeof(hi))
            return diag(cv->d, 36, t); /* term in invalid format */
        memcpy(lo, t, (size_t)(sp - t));
        lo[sp - t] = '\0';
        memcpy(hi, sp + 1, strlen(sp + 1) + 1);
        if (!parse_year(lo, &a) || !parse_year(hi, &b) || a > b)
            return diag(cv->d, 36, t);
    } else {
        int y;
        if (!parse_year(t, &y))
            return diag(cv->d, 36, t);
        a = WY_YEAR_NONE;
        b = WY_YEAR_NONE;
        if (!strcmp(rel, "=") || !strcmp(rel, "==") || !strcmp(rel, "scr"))
            a = b = y;
        else if (!strcmp(rel, ">"))
            a = y + 1;
        else if (!strcmp(rel, ">="))
            a = y;
        else if (!strcmp(rel, "<"))
            b = y - 1;
        else if (!strcmp(rel, "<="))
            b = y;
        else
            return diag(cv->d, 19, rel);
    }
    if (a != WY_YEAR_NONE && (cv->from == WY_YEAR_NONE || a > cv->from))
        cv->from = a;
    if (b != WY_YEAR_NONE && (cv->to == WY_YEAR_NONE || b < cv->to))
        cv->to = b;
    return 0;
}

/* Appends the query of node n; top: every ancestor is an AND (a date
   clause can only be a filter there). */
static int convert(struct conv *cv, const struct cql_node *n, int top,
                   struct wy_buf *out)
{
    if (n->which == CQL_NODE_ST) {
        if (n->u.st.modifiers)
            return diag(cv->d, 20, n->u.st.modifiers->u.st.index);
        int ix = find_index(n->u.st.index ? n->u.st.index : "serverChoice");
        if (ix < 0)
            return diag(cv->d, 16, n->u.st.index);
        if (indexes[ix].kind == IX_DATE) {
            if (!top)
                return diag(cv->d, 48, "dc.date inside or/not");
            return date_clause(cv, n);
        }
        const char *rel = n->u.st.relation ? n->u.st.relation : "=";
        const char *field = indexes[ix].field;
        size_t before = out->len, k = 0;
        wy_buf_addc(out, '(');
        /* YAZ reads "a b c" after an unknown word as extra terms */
        struct wy_buf all = WY_BUF_INIT(SVC_PARAM_VAL_MAX * 4);
        wy_buf_adds(&all, n->u.st.term);
        for (const struct cql_node *e = n->u.st.extra_terms; e;
             e = e->u.st.extra_terms) {
            if (e->which != CQL_NODE_ST || !e->u.st.term)
                break;
            wy_buf_addc(&all, ' ');
            wy_buf_adds(&all, e->u.st.term);
        }
        const char *term = wy_buf_cstr(&all);
        int rc = 0;
        if (indexes[ix].kind == IX_ID) {
            if (strcmp(rel, "=") && strcmp(rel, "==") && strcmp(rel, "exact") &&
                strcmp(rel, "scr"))
                rc = diag(cv->d, 19, rel);
            else
                k = words(term, field, " AND ", 0, out);
        } else if (!strcmp(rel, "=") || !strcmp(rel, "scr") ||
                   !strcmp(rel, "all")) {
            k = words(term, field, " AND ", 0, out);
        } else if (!strcmp(rel, "any")) {
            k = words(term, field, " OR ", 0, out);
        } else if (!strcmp(rel, "adj") || !strcmp(rel, "==") ||
                   !strcmp(rel, "exact")) {
            k = words(term, field, " ", 1, out);
        } else {
            rc = diag(cv->d, 19, rel);
        }
        if (!rc && !k) {
            /* "" or "*": every record, as cql.allRecords would */
            wy_buf_truncate(out, before);
            if (strcmp(term, "*") && *term)
                rc = diag(cv->d, 27, term);
        } else if (!rc) {
            wy_buf_addc(out, ')');
        }
        wy_buf_release(&all);
        return rc;
    }
    if (n->which == CQL_NODE_BOOL) {
        const char *op = n->u.boolean.value;
        if (n->u.boolean.modifiers)
            return diag(cv->d, 46, op);
        int is_and = !strcasecmp(op, "and"), is_or = !strcasecmp(op, "or"),
            is_not = !strcasecmp(op, "not");
        if (!is_and && !is_or && !is_not)
            return diag(cv->d, 37, op);
        struct wy_buf l = WY_BUF_INIT(SVC_PARAM_VAL_MAX * 8);
        struct wy_buf r = WY_BUF_INIT(SVC_PARAM_VAL_MAX * 8);
        int rc = convert(cv, n->u.boolean.left, top && !is_or, &l);
        if (!rc)
            rc = convert(cv, n->u.boolean.right, top && is_and, &r);
        if (!rc && (is_or || is_not) && (!l.len || !r.len) &&
            !(is_not && !r.len))
            rc = diag(cv->d, 48, "an empty side of or/not");
        if (!rc) {
            if (!l.len && !r.len)
                ;
            else if (!r.len)
                wy_buf_add(out, l.p, l.len);
            else if (!l.len)
                wy_buf_add(out, r.p, r.len);
            else
                wy_buf_addf(out, "(%s %s %s)", wy_buf_cstr(&l),
                            is_and  ? "AND"
                            : is_or ? "OR"
                                    : "AND NOT",
                            wy_buf_cstr(&r));
        }
        wy_buf_release(&l);
        wy_buf_release(&r);
        return rc;
    }
    if (n->which == CQL_NODE_SORT) {
        const char *ix = n->u.sort.index;
        const char *base = strchr(ix, '.') ? strchr(ix, '.') + 1 : ix;
        int desc = 0;
        for (const struct cql_node *m = n->u.sort.modifiers; m;
             m = m->u.st.modifiers) {
            const char *mi = m->which == CQL_NODE_ST ? m->u.st.index : NULL;
            if (mi && (!strcasecmp(mi, "sort.descending") ||
                       !strcasecmp(mi, "descending")))
                desc = 1;
            else if (!mi || (strcasecmp(mi, "sort.ascending") &&
                             strcasecmp(mi, "ascending")))
                return diag(cv->d, 80, mi ? mi : "modifier");
            if (m->which != CQL_NODE_ST)
                break;
        }
        if (n->u.sort.next)
            return diag(cv->d, 80, "more than one sort key");
        if (!strcasecmp(base, "date"))
            cv->q->sort = desc ? IDX_SORT_DATE_DESC : IDX_SORT_DATE;
        else if (!strcasecmp(base, "title") && !desc)
            cv->q->sort = IDX_SORT_TITLE;
        else
            return diag(cv->d, 80, ix);
        return n->u.sort.search ? convert(cv, n->u.sort.search, top, out) : 0;
    }
    return diag(cv->d, 48, "unknown CQL node");
}

int sru_cql_to_query(const char *cql, struct idx_query *q, char **text,
                     struct sru_diag *d)
{
    *text = NULL;
    CQL_parser cp = cql_parser_create();
    if (!cp)
        return diag(d, 1, "out of memory");
    int rc = 0;
    if (cql_parser_string(cp, cql) != 0) {
        rc = diag(d, 10, cql);
    } else {
        struct conv cv = {q, d, WY_YEAR_NONE, WY_YEAR_NONE};
        struct wy_buf out = WY_BUF_INIT(SVC_PARAM_VAL_MAX * 16);
        rc = convert(&cv, cql_parser_result(cp), 1, &out);
        if (!rc && out.error)
            rc = diag(d, 1, "query too long");
        if (!rc && cv.from != WY_YEAR_NONE && cv.to != WY_YEAR_NONE &&
            cv.from > cv.to)
            cv.to = cv.from - 1; /* empty: nothing matches */
        if (!rc) {
            q->from_year = cv.from;
            q->to_year = cv.to;
            *text = wy_buf_take(&out, NULL);
            if (!*text)
                *text = strdup("");
            if (!*text)
                rc = diag(d, 1, "out of memory");
        }
        wy_buf_release(&out);
    }
    cql_parser_destroy(cp);
    return rc;
}

/* ---- the protocol ------------------------------------------------------ */

static const struct {
    const char *name, *uri, *handler;
} schemas[] = {
    {"marcxml", "info:srw/schema/1/marcxml-v1.1", "marcxml"},
    {"dc", "info:srw/schema/1/dc-v1.1", "dc"},
    {"mods", "info:srw/schema/1/mods-v3.6", "mods"},
};
#define NSCHEMAS (sizeof(schemas) / sizeof(schemas[0]))

static int find_schema(const char *s)
{
    if (!s || !*s)
        return 0; /* marcxml by default */
    for (size_t i = 0; i < NSCHEMAS; i++)
        if (!strcasecmp(s, schemas[i].name) || !strcmp(s, schemas[i].uri))
            return (int)i;
    if (!strcmp(s, "info:srw/schema/1/mods-v3.x") ||
        !strcmp(s, "http://www.loc.gov/mods/v3"))
        return 2;
    if (!strcmp(s, "http://www.loc.gov/MARC21/slim"))
        return 0;
    return -1;
}

struct sru_out {
    int v2;        /* SRU 2.0 names and elements */
    const char *p; /* element prefix: "sru" or "zs" */
    struct wy_buf b;
};

static void diag_xml(struct sru_out *o, int code, const char *details,
                     const char *msg)
{
    wy_buf_addf(&o->b,
                "<diag:diagnostic xmlns:diag=\"%s\"><diag:uri>"
                "info:srw/diagnostic/1/%d</diag:uri>",
                o->v2 ? NS_DIAG2 : NS_DIAG1, code);
    if (details && *details) {
        wy_buf_adds(&o->b, "<diag:details>");
        wy_buf_add_xml(&o->b, details, strlen(details));
        wy_buf_adds(&o->b, "</diag:details>");
    }
    if (msg) {
        wy_buf_adds(&o->b, "<diag:message>");
        wy_buf_add_xml(&o->b, msg, strlen(msg));
        wy_buf_adds(&o->b, "</diag:message>");
    }
    wy_buf_adds(&o->b, "</diag:diagnostic>");
}

static const char *diag_text(int code)
{
    switch (code) {
    case 1:
        return "General system error";
    case 4:
        return "Unsupported operation";
    case 5:
        return "Unsupported version";
    case 6:
        return "Unsupported parameter value";
    case 7:
        return "Mandatory parameter not supplied";
    case 10:
        return "Query syntax error";
    case 16:
        return "Unsupported index";
    case 19:
        return "Unsupported relation";
    case 20:
        return "Unsupported relation modifier";
    case 27:
        return "Empty term unsupported";
    case 36:
        return "Term in invalid format for index or relation";
    case 37:
        return "Unsupported boolean operator";
    case 46:
        return "Unsupported boolean modifier";
    case 48:
        return "Query feature unsupported";
    case 61:
        return "First record position out of range";
    case 64:
        return "Record temporarily unavailable";
    case 66:
        return "Unknown schema for retrieval";
    case 67:
        return "Record not available in this schema";
    case 71:
        return "Unsupported record packing";
    case 80:
        return "Sort not supported";
    default:
        return "Diagnostic";
    }
}

static void open_response(struct sru_out *o, const char *what)
{
    wy_buf_addf(&o->b,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<%s:%sResponse xmlns:%s=\"%s\">"
                "<%s:version>%s</%s:version>",
                o->p, what, o->p, o->v2 ? NS_SRU2 : NS_SRU1, o->p,
                o->v2 ? "2.0" : "1.2", o->p);
}

static enum MHD_Result finish(struct svc_req *req, struct sru_out *o,
                              const char *what, int code, const char *details)
{
    if (code) {
        wy_buf_addf(&o->b, "<%s:diagnostics>", o->p);
        diag_xml(o, code, details, diag_text(code));
        wy_buf_addf(&o->b, "</%s:diagnostics>", o->p);
    }
    wy_buf_addf(&o->b, "</%s:%sResponse>\n", o->p, what);
    enum MHD_Result r = svc_reply_wybuf(req, 200, SVC_CT_XML, &o->b);
    wy_buf_release(&o->b);
    return r;
}

static enum MHD_Result explain(struct svc_req *req, struct sru_out *o,
                               int packing_string)
{
    open_response(o, "explain");
    const char *host = svc_header(req, "Host");
    struct wy_buf z = WY_BUF_INIT(64 * 1024);
    wy_buf_addf(&z,
                "<explain xmlns=\"%s\"><serverInfo protocol=\"SRU\" "
                "version=\"%s\"><host>",
                NS_ZEEREX, o->v2 ? "2.0" : "1.2");
    char hostname[256] = "localhost";
    unsigned port = 80;
    if (host) {
        const char *colon = strrchr(host, ':');
        size_t n = colon ? (size_t)(colon - host) : strlen(host);
        if (n && n < sizeof(hostname)) {
            memcpy(hostname, host, n);
            hostname[n] = '\0';
        }
        if (colon)
            port = (unsigned)strtoul(colon + 1, NULL, 10);
    }
    wy_buf_add_xml(&z, hostname, strlen(hostname));
    wy_buf_addf(&z,
                "</host><port>%u</port><database>sru</database>"
                "</serverInfo>",
                port);
    wy_buf_adds(
        &z,
        "<databaseInfo><title lang=\"en\" primary=\"true\">Wenyuan union "
        "catalogue</title><title lang=\"zh\">文渊联合目录</title>"
        "<description lang=\"en\">Catalogue records of the member libraries "
        "and special collections (古籍, 地方文献)</description></databaseInfo>"
        "<indexInfo>"
        "<set identifier=\"info:srw/cql-context-set/1/cql-v1.2\" name=\"cql\"/>"
        "<set identifier=\"info:srw/cql-context-set/1/dc-v1.1\" name=\"dc\"/>"
        "<set identifier=\"http://zing.z3950.org/cql/bath/2.0/\" "
        "name=\"bath\"/>");
    static const char *const shown[][3] = {
        {"title", "dc", "title"},
        {"creator", "dc", "creator"},
        {"subject", "dc", "subject"},
        {"date", "dc", "date"},
        {"identifier", "dc", "identifier"},
        {"publisher", "dc", "publisher"},
        {"anywhere", "cql", "anywhere"},
        {"serverChoice", "cql", "serverChoice"},
        {"title", "bath", "title"},
        {"name", "bath", "name"},
        {"subject", "bath", "subject"},
        {"isbn", "bath", "isbn"},
        {"issn", "bath", "issn"},
        {"any", "bath", "any"},
    };
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
        wy_buf_addf(&z,
                    "<index><title>%s</title><map><name set=\"%s\">%s"
                    "</name></map></index>",
                    shown[i][0], shown[i][1], shown[i][2]);
    wy_buf_adds(&z, "</indexInfo><schemaInfo>");
    for (size_t i = 0; i < NSCHEMAS; i++)
        wy_buf_addf(&z,
                    "<schema identifier=\"%s\" name=\"%s\"%s><title>%s"
                    "</title></schema>",
                    schemas[i].uri, schemas[i].name,
                    i == 0 ? " sort=\"false\"" : "", schemas[i].name);
    wy_buf_addf(&z,
                "</schemaInfo><configInfo>"
                "<default type=\"numberOfRecords\">%d</default>"
                "<setting type=\"maximumRecords\">%d</setting>"
                "<supports type=\"sort\">dc.date dc.title</supports>"
                "</configInfo></explain>",
                SRU_DEFAULT_MAX, SRU_MAX_RECORDS);
    wy_buf_addf(&o->b,
                "<%s:record><%s:recordSchema>http://explain.z3950.org/"
                "dtd/2.0/</%s:recordSchema>",
                o->p, o->p, o->p);
    if (o->v2)
        wy_buf_addf(&o->b, "<%s:recordXMLEscaping>%s</%s:recordXMLEscaping>",
                    o->p, packing_string ? "string" : "xml", o->p);
    else
        wy_buf_addf(&o->b, "<%s:recordPacking>%s</%s:recordPacking>", o->p,
                    packing_string ? "string" : "xml", o->p);
    wy_buf_addf(&o->b, "<%s:recordData>", o->p);
    if (packing_string)
        wy_buf_add_xml(&o->b, wy_buf_cstr(&z), z.len);
    else
        wy_buf_add(&o->b, wy_buf_cstr(&z), z.len);
    wy_buf_addf(&o->b, "</%s:recordData></%s:record>", o->p, o->p);
    wy_buf_release(&z);
    return finish(req, o, "explain", 0, NULL);
}

/* One record in schema s into out (without an XML declaration); 0, or the
   diagnostic of a surrogate record. */
static int record_xml(struct cat *c, const char *id, int s, struct wy_buf *out)
{
    char *end;
    errno = 0;
    long long rid = strtoll(id, &end, 10);
    if (errno || *end || rid <= 0)
        return 64;
    struct wy_err err = WY_ERR_INIT;
    struct cat_record *cr = NULL;
    struct wy_record *rec = NULL;
    int code = 0;
    if (cat_get_record(c, rid, CAT_LOAD_ALL, &cr, &err) || cr->deleted ||
        cat_record_model(cr, &rec, &err))
        code = 64;
    const struct fmt_handler *h = code ? NULL : fmt_find(schemas[s].handler);
    if (!code && (!h || !h->write))
        code = 67;
    struct wy_buf tmp = WY_BUF_INIT(16u << 20);
    if (!code && h->write(rec, &tmp, &err))
        code = 67;
    if (!code) {
        const char *p = wy_buf_cstr(&tmp);
        if (!strncmp(p, "<?xml", 5) && strstr(p, "?>"))
            p = strstr(p, "?>") + 2;
        while (*p == '\n')
            p++;
        if (s == 0 && !strncmp(p, "<record>", 8)) {
            wy_buf_adds(out,
                        "<record xmlns=\"http://www.loc.gov/MARC21/slim\">");
            p += 8;
        }
        wy_buf_adds(out, p);
    }
    wy_buf_release(&tmp);
    wy_record_free(rec);
    cat_record_free(cr);
    wy_err_release(&err);
    return code;
}

static int read_count(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static enum MHD_Result search(struct svc_req *req, struct sru_out *o,
                              const char *query, int packing_string)
{
    const char *what = "searchRetrieve";
    const struct svc_params *ps = &req->params;
    const char *v;
    long start = 1, max = SRU_DEFAULT_MAX;
    open_response(o, what);
    if ((v = svc_params_get(ps, "startRecord")) &&
        !read_count(v, 1, 1000000000L, &start))
        return finish(req, o, what, 6, "startRecord");
    if ((v = svc_params_get(ps, "maximumRecords")) &&
        !read_count(v, 0, 1000000000L, &max))
        return finish(req, o, what, 6, "maximumRecords");
    if (max > SRU_MAX_RECORDS)
        max = SRU_MAX_RECORDS;
    int s = find_schema(svc_params_get(ps, "recordSchema"));
    if (s < 0)
        return finish(req, o, what, 66, svc_params_get(ps, "recordSchema"));
    struct idx_query q = IDX_QUERY_INIT;
    struct sru_diag d = {0, NULL};
    char *text = NULL;
    if (sru_cql_to_query(query, &q, &text, &d)) {
        enum MHD_Result r = finish(req, o, what, d.code, d.details);
        free(d.details);
        return r;
    }
    /* the index pages; a window off a page boundary is read from hit 1 */
    size_t skip = 0;
    if (max == 0) {
        q.page = 1;
        q.page_size = 1;
    } else if ((start - 1) % max == 0) {
        q.page = (size_t)((start - 1) / max + 1);
        q.page_size = (size_t)max;
    } else if (start - 1 + max <= SRU_MAX_WINDOW) {
        q.page = 1;
        q.page_size = (size_t)(start - 1 + max);
        skip = (size_t)(start - 1);
    } else {
        free(text);
        return finish(req, o, what, 61,
                      "startRecord past 1000 must be "
                      "1 + a multiple of maximumRecords");
    }
    q.q = text;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf path = WY_BUF_INIT(4096);
    idx_home_path(req->app->home, &path);
    struct idx *x = NULL;
    struct idx_result *res = NULL;
    wy_code rc = idx_open(&x, wy_buf_cstr(&path), IDX_READ, &err);
    if (rc == WY_OK)
        rc = idx_search(x, &q, &res, &err);
    free(text);
    if (rc) {
        int code = rc == WY_EINVAL ? 10 : 1;
        enum MHD_Result r = finish(req, o, what, code, wy_err_msg(&err));
        wy_err_release(&err);
        wy_buf_release(&path);
        idx_close(x, &err);
        wy_err_release(&err);
        return r;
    }
    uint64_t total = res->total;
    wy_buf_addf(&o->b, "<%s:numberOfRecords>%llu</%s:numberOfRecords>", o->p,
                (unsigned long long)total, o->p);
    int diag_code = 0;
    if (max > 0 && total > 0 && (uint64_t)start > total)
        diag_code = 61;
    size_t shown = 0;
    if (!diag_code && max > 0 && res->nhits > skip) {
        wy_buf_reset(&path);
        wy_buf_adds(&path, req->app->home);
        wy_buf_adds(&path, "/catalog.db");
        struct cat *c = NULL;
        if (cat_open(&c, wy_buf_cstr(&path), CAT_READONLY, &err)) {
            diag_code = 1;
        } else {
            wy_buf_addf(&o->b, "<%s:records>", o->p);
            struct wy_buf rec = WY_BUF_INIT(16u << 20);
            for (size_t i = skip; i < res->nhits && shown < (size_t)max; i++) {
                wy_buf_reset(&rec);
                int code = record_xml(c, res->hits[i].id, s, &rec);
                wy_buf_addf(&o->b,
                            "<%s:record><%s:recordSchema>%s"
                            "</%s:recordSchema>",
                            o->p, o->p,
                            code ? "info:srw/schema/1/diagnostics-v1.1"
                                 : schemas[s].uri,
                            o->p);
                if (o->v2)
                    wy_buf_addf(&o->b,
                                "<%s:recordXMLEscaping>%s"
                                "</%s:recordXMLEscaping>",
                                o->p, packing_string ? "string" : "xml", o->p);
                else
                    wy_buf_addf(&o->b,
                                "<%s:recordPacking>%s"
                                "</%s:recordPacking>",
                                o->p, packing_string ? "string" : "xml", o->p);
                wy_buf_addf(&o->b, "<%s:recordData>", o->p);
                if (code) {
                    struct sru_out sub = {o->v2, o->p, WY_BUF_INIT(64 * 1024)};
                    diag_xml(&sub, code, res->hits[i].id, diag_text(code));
                    wy_buf_add(&rec, sub.b.p, sub.b.len);
                    wy_buf_release(&sub.b);
                }
                if (packing_string)
                    wy_buf_add_xml(&o->b, wy_buf_cstr(&rec), rec.len);
                else
                    wy_buf_add(&o->b, wy_buf_cstr(&rec), rec.len);
                wy_buf_addf(&o->b,
                            "</%s:recordData><%s:recordPosition>%zu"
                            "</%s:recordPosition></%s:record>",
                            o->p, o->p, (size_t)start + shown, o->p, o->p);
                shown++;
            }
            wy_buf_release(&rec);
            wy_buf_addf(&o->b, "</%s:records>", o->p);
            cat_close(c);
        }
    }
    if (!diag_code && shown && (uint64_t)start + shown <= total)
        wy_buf_addf(&o->b,
                    "<%s:nextRecordPosition>%llu</%s:nextRecordPosition>", o->p,
                    (unsigned long long)(start + (long)shown), o->p);
    idx_result_free(res);
    enum MHD_Result r = finish(req, o, what, diag_code,
                               diag_code == 1 ? wy_err_msg(&err) : NULL);
    wy_err_release(&err);
    idx_close(x, &err);
    wy_err_release(&err);
    wy_buf_release(&path);
    return r;
}

enum MHD_Result svc_sru(struct svc_req *req)
{
    const struct svc_params *ps = &req->params;
    const char *version = svc_params_get(ps, "version");
    const char *op = svc_params_get(ps, "operation");
    const char *query = svc_params_get(ps, "query");
    struct sru_out o = {1, "sru", WY_BUF_INIT(64u << 20)};
    int bad_version = 0;
    if (version && (!strcmp(version, "1.1") || !strcmp(version, "1.2"))) {
        o.v2 = 0;
        o.p = "zs";
    } else if (version && strcmp(version, "2.0")) {
        bad_version = 1;
    }
    /* 2.0: recordXMLEscaping; 1.x: recordPacking (xml|string) */
    const char *esc =
        svc_params_get(ps, o.v2 ? "recordXMLEscaping" : "recordPacking");
    int packing_string = esc && !strcmp(esc, "string");
    int bad_packing = esc && strcmp(esc, "string") && strcmp(esc, "xml");
    if (o.v2) {
        const char *pk = svc_params_get(ps, "recordPacking");
        if (pk && strcmp(pk, "packed") && strcmp(pk, "unpacked"))
            bad_packing = 1;
    }
    if (!op)
        op = query ? "searchRetrieve" : "explain"; /* SRU 2.0 */
    if (req->params_err.code != WY_OK) {
        open_response(&o, "explain");
        return finish(req, &o, "explain", 6, wy_err_msg(&req->params_err));
    }
    if (!strcmp(op, "explain")) {
        if (bad_version) {
            open_response(&o, "explain");
            return finish(req, &o, "explain", 5, version);
        }
        return explain(req, &o, packing_string);
    }
    if (!strcmp(op, "searchRetrieve")) {
        if (bad_version || bad_packing || !query) {
            open_response(&o, "searchRetrieve");
            return finish(req, &o, "searchRetrieve",
                          bad_version   ? 5
                          : bad_packing ? 71
                                        : 7,
                          bad_version   ? version
                          : bad_packing ? esc
                                        : "query");
        }
        return search(req, &o, query, packing_string);
    }
    open_response(&o, "explain");
    return finish(req, &o, "explain", 4, op);
}
