/* repository/lib_file.c: register files: importing and exporting the
   register as TSV. */
#include "repository/libraries_int.h"

/* Splits line at tabs into at most 4 columns (NUL-terminating them). */
static size_t split_tabs(char *line, char *col[4])
{
    size_t n = 0;
    col[n++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            *p = '\0';
            if (n == 4)
                return 5; /* too many */
            col[n++] = p + 1;
        }
    return n;
}

static wy_code import_line(struct cat *c, char *line, size_t *nlibs,
                           size_t *naliases, struct wy_err *err)
{
    char *col[4] = {NULL, NULL, NULL, NULL};
    size_t ncol = split_tabs(line, col);
    if (ncol > 4)
        return wy_err_set(err, WY_EFORMAT,
                          "more than 4 tab-separated columns (code, name, "
                          "English name, aliases)");
    if (ncol < 2)
        return wy_err_set(err, WY_EFORMAT,
                          "no name: a line is code<TAB>name[<TAB>English "
                          "name[<TAB>alias|alias...]]");
    size_t n;
    const char *code = libi_trim(col[0], &n);
    col[0][code - col[0] + (ptrdiff_t)n] = '\0';
    int created = 0;
    wy_code rc = libi_put_library(c, code, col[1], ncol > 2 ? col[2] : NULL, 1,
                                  &created, naliases, err);
    if (rc == WY_OK)
        (*nlibs)++;
    if (rc == WY_OK && ncol > 3) {
        char *p = col[3];
        for (;;) {
            char *bar = strchr(p, '|');
            if (bar)
                *bar = '\0';
            size_t an;
            libi_trim(p, &an);
            if (an) {
                int added = 0;
                rc = libi_put_alias(c, code, p, &added, err);
                *naliases += (size_t)added;
                if (rc)
                    break;
            }
            if (!bar)
                break;
            p = bar + 1;
        }
    }
    if (rc && rc != WY_ENOMEM && rc != WY_EDB)
        rc = err->code = WY_EFORMAT; /* a bad line of the file */
    return rc;
}

wy_code lib_import_tsv_mem(struct cat *c, const char *name, const void *data,
                           size_t size, size_t *nlibs, size_t *naliases,
                           struct wy_err *err)
{
    size_t dl = 0, da = 0;
    if (!nlibs)
        nlibs = &dl;
    if (!naliases)
        naliases = &da;
    *nlibs = *naliases = 0;
    /* a copy: lines are cut in place */
    char *p = wy_malloc(size + 1);
    if (!p)
        return NOMEM();
    if (size)
        memcpy(p, data, size);
    p[size] = '\0';
    char *text = p;
    size_t len = size;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* a BOM */
        text += 3;
        len -= 3;
    }
    wy_code rc = WY_OK;
    if (memchr(text, '\0', len))
        rc = wy_err_set(err, WY_EFORMAT,
                        "%s: holds a NUL byte: not a text file", name);
    if (rc == WY_OK)
        rc = cati_w_begin(c, err);
    if (rc) {
        free(p);
        return rc;
    }
    libi_forget(c);
    size_t lineno = 0;
    for (char *line = text; rc == WY_OK && line < text + len;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        char *end = nl ? nl : text + len;
        lineno++;
        if (end > line && end[-1] == '\r')
            end[-1] = '\0';
        *end = '\0';
        size_t n;
        const char *t = libi_trim(line, &n);
        if (n && *t != '#') {
            if (!libi_valid_utf8(line, strlen(line)))
                rc = wy_err_set(err, WY_EFORMAT, "not UTF-8");
            else
                rc = import_line(c, line, nlibs, naliases, err);
            if (rc)
                wy_err_prefix(err, "%s: line %zu", name, lineno);
        }
        line = end + 1;
    }
    rc = cati_w_end(c, rc, err);
    libi_forget(c);
    if (rc)
        *nlibs = *naliases = 0;
    free(p);
    return rc;
}

wy_code lib_import_tsv(struct cat *c, const char *path, size_t *nlibs,
                       size_t *naliases, struct wy_err *err)
{
    struct wy_buf file = WY_BUF_INIT(64u << 20);
    wy_code rc = wy_file_read(path, &file, err);
    if (rc == WY_OK)
        rc = lib_import_tsv_mem(c, path, file.p ? file.p : "", file.len, nlibs,
                                naliases, err);
    else if (nlibs || naliases) {
        if (nlibs)
            *nlibs = 0;
        if (naliases)
            *naliases = 0;
    }
    wy_buf_release(&file);
    return rc;
}

static void add_field(struct wy_buf *out, const char *s)
{
    for (; s && *s; s++)
        wy_buf_addc(out, *s == '\t' || *s == '\n' || *s == '|' ? ' ' : *s);
}

wy_code lib_export_tsv(struct cat *c, struct wy_buf *out, struct wy_err *err)
{
    struct lib_library *v = NULL;
    size_t n = 0;
    wy_code rc = lib_list(c, &v, &n, err);
    if (rc)
        return rc;
    wy_buf_adds(out, "# Wenyuan library register: code, name, English name, "
                     "aliases ('|')\n");
    for (size_t i = 0; i < n; i++) {
        add_field(out, v[i].code);
        wy_buf_addc(out, '\t');
        add_field(out, v[i].name);
        wy_buf_addc(out, '\t');
        add_field(out, v[i].name_en);
        int first = 1;
        for (size_t k = 0; k < v[i].naliases; k++) {
            const char *a = v[i].aliases[k];
            if (!strcmp(a, v[i].code) || !strcmp(a, v[i].name) ||
                (v[i].name_en && !strcmp(a, v[i].name_en)))
                continue;
            wy_buf_adds(out, first ? "\t" : "|");
            add_field(out, a);
            first = 0;
        }
        wy_buf_addc(out, '\n');
    }
    lib_libraries_free(v, n);
    return wy_buf_status(out, err);
}
