/* repository/ingest_plan.c: the plan: items from paths or a sheet, their
   identifiers, their descriptive records, checked before anything is
   written. */
#include "repository/ingest_int.h"

/* The identifier trimmed of blanks, checked, copied. */
static wy_code set_id(struct item *it, const char *id, struct wy_err *err)
{
    while (*id == ' ' || *id == '\t')
        id++;
    size_t n = strlen(id);
    while (n && strchr(" \t\r\n", id[n - 1]))
        n--;
    if (!n)
        return wy_err_set(err, WY_EFORMAT, "%s: the identifier is empty",
                          it->where);
    if (n > ID_MAX)
        return wy_err_set(err, WY_EFORMAT,
                          "%s: the identifier is longer than %d bytes",
                          it->where, ID_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            return wy_err_set(err, WY_EFORMAT,
                              "%s: the identifier holds a control character",
                              it->where);
    free(it->id);
    it->id = wy_strndup(id, n);
    return it->id ? WY_OK : NOMEM();
}

wy_code ingest_ocfl_id(const char *id, char **out, struct wy_err *err)
{
    struct wy_buf b = WY_BUF_INIT(4 * ID_MAX + 64);
    wy_buf_adds(&b, INGEST_OCFL_PREFIX);
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        /* RFC 8141 NSS: pchar and "/"; everything else percent-encoded */
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~!$&'()*+,;=:@/", *p))
            wy_buf_addc(&b, (char)*p);
        else
            wy_buf_addf(&b, "%%%02X", *p);
    }
    wy_code rc = wy_buf_status(&b, err);
    *out = rc ? NULL : wy_buf_take(&b, NULL);
    wy_buf_release(&b);
    if (rc == WY_OK && !*out)
        rc = NOMEM();
    return rc;
}

/* The folder or file name without archive extensions. */
static wy_code name_id(struct item *it, struct wy_err *err)
{
    const char *p = it->path;
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    size_t s = n;
    while (s && p[s - 1] != '/')
        s--;
    char *base = wy_strndup(p + s, n - s);
    if (!base)
        return NOMEM();
    if (it->kind == K_ARCHIVE) {
        static const char *const exts[] = {".tar.gz",  ".tar.bz2", ".tar.xz",
                                           ".tar.zst", ".tgz",     ".tar",
                                           ".zip",     ".7z",      ".cpio"};
        for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
            if (ingesti_ends_with(base, exts[i]) &&
                strlen(base) > strlen(exts[i])) {
                base[strlen(base) - strlen(exts[i])] = '\0';
                break;
            }
    }
    wy_code rc = set_id(it, base, err);
    free(base);
    return rc;
}

/* A sheet row's values (NULL when the item is not from a sheet). */
struct rowvals {
    const char *id, *collection, *title, *creator, *date;
};

/* Reads the metadata record, or builds one from the sheet row. */
static wy_code describe(struct run *run, struct item *it,
                        const struct rowvals *row, struct wy_err *err)
{
    wy_code rc = WY_OK;
    if (it->meta_name) {
        rc =
            fmt_reader_open_mem(&it->reader, NULL, it->meta.p ? it->meta.p : "",
                                it->meta.len, it->meta_name, err);
        if (rc == WY_OK)
            rc = fmt_reader_next(it->reader, &it->rec, err);
        if (rc == WY_EOF)
            rc = wy_err_set(err, WY_EFORMAT, "%s: holds no record",
                            it->meta_name);
        if (rc)
            return wy_err_prefix(err, "%s", it->where);
        it->meta_format = fmt_reader_handler(it->reader)->name;
        return WY_OK;
    }
    /* no metadata file: the sheet row, else the bare name */
    if (!(it->own_rec = wy_record_new()))
        return NOMEM();
    struct wy_record *r = it->own_rec;
    it->rec = r;
    r->kind = WY_MARC_NONE;
    if (row && (row->title || row->creator || row->date)) {
        int ok = 1;
        if (row->title)
            ok &= wy_desc_add_title(r, row->title, strlen(row->title));
        if (row->creator) {
            struct wy_name nm = {0};
            nm.name = row->creator;
            nm.personal = 1;
            ok &= wy_desc_add_creator(r, &nm);
        }
        if (row->date) {
            ok &= wy_desc_set(r, &r->desc.date, row->date, strlen(row->date));
            fmt_date_years(row->date, &r->desc.year_from, &r->desc.year_to);
        }
        ok &= wy_desc_set(r, &r->desc.type, "Text", 4);
        if (!ok)
            return NOMEM();
        it->synth = 1;
    }
    (void)run;
    return rc;
}

static wy_code finish_item(struct run *run, struct item *it,
                           const struct rowvals *row, struct wy_err *err)
{
    wy_code rc = describe(run, it, row, err);
    if (rc)
        return rc;
    /* the identifier: --id, the sheet, the record, bag-info, the name */
    const char *rid = it->rec ? cat_record_identifier(it->rec) : NULL;
    const char *ext = it->bag ? bag_info(it->bag, "External-Identifier") : NULL;
    if (run->o->id)
        rc = set_id(it, run->o->id, err);
    else if (row && row->id)
        rc = set_id(it, row->id, err);
    else if (rid && *rid)
        rc = set_id(it, rid, err);
    else if (ext && *ext)
        rc = set_id(it, ext, err);
    else
        rc = name_id(it, err);
    if (rc == WY_OK)
        rc = ingest_ocfl_id(it->id, &it->ocfl_id, err);
    if (rc)
        return rc;
    struct wy_record *r = it->rec;
    if (!r->desc.id && !wy_desc_set(r, &r->desc.id, it->id, strlen(it->id)))
        return NOMEM();
    if (!r->desc.ntitles) {
        /* a bag's description, else the identifier, names the item */
        const char *t =
            it->bag ? bag_info(it->bag, "External-Description") : NULL;
        if (!t)
            t = it->id;
        if (!wy_desc_add_title(r, t, strlen(t)))
            return NOMEM();
    }
    if (it->synth) {
        /* the sheet's metadata travels with the object, as Dublin Core */
        wy_buf_reset(&it->meta);
        if ((rc = fmt_write_one(&dc_handler, r, &it->meta, err)))
            return wy_err_prefix(err, "%s", it->where);
        for (size_t i = 0; i < it->nfiles; i++)
            if (!strcasecmp(it->files[i].logical, "dc.xml"))
                return wy_err_set(err, WY_EFORMAT,
                                  "%s: a file 'dc.xml' is in the way of the "
                                  "sheet's metadata",
                                  it->where);
        if (!(it->meta_name = wy_strdup("dc.xml")))
            return NOMEM();
        it->meta_format = "dc";
        it->bytes += it->meta.len;
    }
    const char *coll =
        row && row->collection ? row->collection : run->o->collection;
    if (coll) {
        struct cat_collection col;
        struct wy_err e2 = WY_ERR_INIT;
        rc = cat_collection_get(run->h->cat, coll, &col, &e2);
        if (rc == WY_ENOTFOUND) {
            wy_err_release(&e2);
            return wy_err_set(err, WY_EINVAL, "%s: unknown collection '%s'",
                              it->where, coll);
        }
        if (rc) {
            wy_err_move(err, &e2);
            return rc;
        }
        cat_collection_release(&col);
        if (!(it->collection = wy_strdup(coll)))
            return NOMEM();
    }
    return WY_OK;
}

static wy_code plan_one(struct run *run, struct item *it, const char *path,
                        const struct rowvals *row, struct wy_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return wy_err_set(err, errno == ENOENT ? WY_ENOTFOUND : WY_EIO,
                          "%s: cannot find '%s': %s", it->where, path,
                          strerror(errno));
    char *real = realpath(path, NULL);
    if (!real)
        return wy_err_set(err, WY_EIO, "%s: cannot resolve '%s': %s", it->where,
                          path, strerror(errno));
    it->key = wy_strdup(real);
    free(real);
    if (!it->key || !(it->path = wy_strdup(path)))
        return NOMEM();
    wy_code rc;
    if (S_ISDIR(st.st_mode) && bag_is_bag(path)) {
        it->kind = K_BAG;
        rc = bag_open(&it->bag, path, run->o->log, err);
        for (size_t i = 0; rc == WY_OK && i < bag_nfiles(it->bag); i++) {
            const struct bag_file *f = bag_file(it->bag, i);
            rc = ingesti_add_pfile(it, f->path + 5, f->fs_path, f->size, err);
        }
        if (rc == WY_OK)
            rc = ingesti_read_meta_file(it, err);
    } else if (S_ISDIR(st.st_mode)) {
        it->kind = K_DIR;
        struct walk_ctx wc = {run, it, 0};
        rc = ingest_walk(path, ingesti_on_dir_file, &wc, err);
        if (rc == WY_OK && !it->nfiles)
            rc =
                wy_err_set(err, WY_EFORMAT, "folder '%s' holds no files", path);
        if (rc == WY_OK)
            rc = ingesti_read_meta_file(it, err);
    } else if (S_ISREG(st.st_mode) && ingest_archive_probe(path)) {
        it->kind = K_ARCHIVE;
        rc = ingesti_scan_archive(run, it, err);
        if (rc == WY_OK && !it->nfiles)
            rc = wy_err_set(err, WY_EFORMAT, "archive '%s' holds no files",
                            path);
    } else {
        rc = wy_err_set(err, WY_EFORMAT,
                        "'%s' is neither a folder, a bag, an archive nor a "
                        "CSV sheet",
                        path);
    }
    if (rc == WY_OK)
        rc = finish_item(run, it, row, err);
    if (rc && it->where && strcmp(it->where, path) &&
        !strstr(wy_err_msg(err), it->where))
        wy_err_prefix(err, "%s", it->where);
    return rc;
}

static wy_code new_item(struct run *run, struct item **out, const char *where,
                        struct wy_err *err)
{
    struct item *n = wy_realloc(run->items, (run->nitems + 1) * sizeof(*n));
    if (!n)
        return NOMEM();
    run->items = n;
    struct item *it = &n[run->nitems++];
    memset(it, 0, sizeof(*it));
    wy_buf_init(&it->meta, META_MAX);
    if (!(it->where = wy_strdup(where)))
        return NOMEM();
    *out = it;
    return WY_OK;
}

static wy_code plan_sheet(struct run *run, const char *path, struct wy_err *err)
{
    struct sheet *s = NULL;
    wy_code rc = sheet_open_file(&s, path, run->o->sheet_charset, err);
    if (rc)
        return rc;
    if (strcasecmp(sheet_charset(s), "UTF-8") && !run->o->sheet_charset)
        wy_warn(run->o->log, "%s: not UTF-8; read as %s", path,
                sheet_charset(s));
    /* rows name paths relative to the sheet's folder */
    char *dir = wy_strdup(path);
    if (!dir) {
        sheet_free(s);
        return NOMEM();
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = '\0';
    else
        dir[0] = '\0';
    struct sheet_item si;
    while ((rc = sheet_next_item(s, &si, err)) == WY_OK) {
        struct wy_buf where = WY_BUF_INIT(WY_BUF_NOLIMIT);
        struct wy_buf p = WY_BUF_INIT(WY_BUF_NOLIMIT);
        wy_buf_addf(&where, "%s: line %zu", path, si.line);
        if (si.path[0] != '/')
            wy_buf_adds(&p, dir);
        wy_buf_adds(&p, si.path);
        struct item *it = NULL;
        rc = wy_buf_status(&where, err);
        if (rc == WY_OK)
            rc = wy_buf_status(&p, err);
        if (rc == WY_OK)
            rc = new_item(run, &it, where.p, err);
        if (rc == WY_OK) {
            struct rowvals row = {si.identifier, si.collection, si.title,
                                  si.creator, si.date};
            rc = plan_one(run, it, p.p, &row, err);
        }
        wy_buf_release(&where);
        wy_buf_release(&p);
        if (rc)
            break;
    }
    free(dir);
    sheet_free(s);
    return rc == WY_EOF ? WY_OK : rc;
}

static int cmp_item_id(const void *a, const void *b)
{
    const struct item *const *x = a, *const *y = b;
    return strcmp((*x)->id, (*y)->id);
}

static wy_code check_unique(struct run *run, struct wy_err *err)
{
    if (run->nitems < 2)
        return WY_OK;
    struct item **v = wy_malloc(run->nitems * sizeof(*v));
    if (!v)
        return NOMEM();
    for (size_t i = 0; i < run->nitems; i++)
        v[i] = &run->items[i];
    qsort(v, run->nitems, sizeof(*v), cmp_item_id);
    wy_code rc = WY_OK;
    for (size_t i = 1; i < run->nitems; i++)
        if (!strcmp(v[i]->id, v[i - 1]->id)) {
            rc = wy_err_set(err, WY_EINVAL,
                            "%s and %s: both have the identifier '%s'",
                            v[i - 1]->where, v[i]->where, v[i]->id);
            break;
        }
    free(v);
    return rc;
}

wy_code ingesti_plan(struct run *run, const char *const *paths, size_t n,
                     struct wy_err *err)
{
    wy_code rc = WY_OK;
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode) &&
            ingesti_ends_with(paths[i], ".csv")) {
            rc = plan_sheet(run, paths[i], err);
            continue;
        }
        struct item *it;
        rc = new_item(run, &it, paths[i], err);
        if (rc == WY_OK)
            rc = plan_one(run, it, paths[i], NULL, err);
    }
    if (rc == WY_OK && run->o->id && run->nitems != 1)
        rc = wy_err_set(err, WY_EINVAL,
                        "--id names one item, but %zu items were given",
                        run->nitems);
    if (rc == WY_OK)
        rc = check_unique(run, err);
    for (size_t i = 0; i < run->nitems; i++)
        run->total_bytes += run->items[i].bytes;
    return rc;
}
