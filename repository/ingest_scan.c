/* repository/ingest_scan.c: an item's contents: its files from a folder,
   bag or archive, and the metadata file among them. */
#include "repository/ingest_int.h"

void ingesti_item_release(struct item *it)
{
    free(it->path);
    free(it->key);
    free(it->where);
    free(it->id);
    free(it->ocfl_id);
    free(it->collection);
    for (size_t i = 0; i < it->nfiles; i++) {
        free(it->files[i].logical);
        free(it->files[i].src);
    }
    free(it->files);
    free(it->strip);
    wy_buf_release(&it->meta);
    free(it->meta_name);
    fmt_reader_free(it->reader);
    wy_record_free(it->own_rec);
    bag_free(it->bag);
}

wy_code ingesti_add_pfile(struct item *it, const char *logical, const char *src,
                          uint64_t size, struct wy_err *err)
{
    if (it->nfiles == it->capfiles) {
        size_t nc = it->capfiles ? 2 * it->capfiles : 16;
        struct pfile *n = wy_realloc(it->files, nc * sizeof(*n));
        if (!n)
            return NOMEM();
        it->files = n;
        it->capfiles = nc;
    }
    struct pfile *f = &it->files[it->nfiles];
    f->logical = wy_strdup(logical);
    f->src = src ? wy_strdup(src) : NULL;
    f->size = size;
    if (!f->logical || (src && !f->src)) {
        free(f->logical);
        free(f->src);
        return NOMEM();
    }
    it->nfiles++;
    it->bytes += size;
    return WY_OK;
}

static const char *const meta_names[] = {
    "mets.xml", "mods.xml",   "marcxml.xml",  "marc.xml",
    "dc.xml",   "record.xml", "metadata.xml",
};

/* Rank of a metadata file name (lower is better), or -1. Only files at the
   top of the item count. */
static int meta_rank(const char *logical)
{
    if (strchr(logical, '/'))
        return -1;
    for (size_t i = 0; i < sizeof(meta_names) / sizeof(meta_names[0]); i++)
        if (!strcasecmp(logical, meta_names[i]))
            return (int)i;
    if (ingesti_ends_with(logical, ".mrc") ||
        ingesti_ends_with(logical, ".marc"))
        return (int)(sizeof(meta_names) / sizeof(meta_names[0]));
    return -1;
}

static int meta_candidate(const char *name)
{
    /* archives are scanned before the top folder is known: allow one */
    const char *slash = strchr(name, '/');
    if (slash && strchr(slash + 1, '/'))
        return 0;
    return meta_rank(slash ? slash + 1 : name) >= 0;
}

/* A folder file; names that are not UTF-8 (copied from a GBK Windows
   share) are converted like archive entry names, the file still read by
   its name on disk. */
wy_code ingesti_on_dir_file(void *ctx, const struct ingest_walk_entry *e,
                            struct wy_err *err)
{
    struct walk_ctx *w = ctx;
    struct wy_buf name = WY_BUF_INIT(64 * 1024);
    const char *cs;
    wy_code rc = WY_OK;
    if (!ingest_name_utf8(e->rel, w->run->o->filename_charset, &name, &cs))
        rc =
            wy_err_set(err, WY_EFORMAT,
                       "'%s': name is neither UTF-8 nor %s: name its charset "
                       "with --filename-charset",
                       e->path,
                       w->run->o->filename_charset ? w->run->o->filename_charset
                                                   : "GB18030");
    if (rc == WY_OK)
        rc = wy_buf_status(&name, err);
    if (rc == WY_OK && cs && !w->run->o->filename_charset && !w->warned++)
        wy_warn(w->run->o->log,
                "%s: file names are not UTF-8; read them as %s "
                "(name the charset with --filename-charset)",
                w->it->path, cs);
    if (rc == WY_OK)
        rc = ingesti_add_pfile(w->it, name.p, e->path, (uint64_t)e->st->st_size,
                               err);
    wy_buf_release(&name);
    return rc;
}

/* Reads the best metadata file of a folder or bag item into it->meta. */
wy_code ingesti_read_meta_file(struct item *it, struct wy_err *err)
{
    int best = -1;
    size_t bi = 0;
    for (size_t i = 0; i < it->nfiles; i++) {
        int r = meta_rank(it->files[i].logical);
        if (r >= 0 && (best < 0 || r < best)) {
            best = r;
            bi = i;
        }
    }
    if (best < 0)
        return WY_OK;
    if (!(it->meta_name = wy_strdup(it->files[bi].logical)))
        return NOMEM();
    return wy_file_read(it->files[bi].src, &it->meta, err);
}

/* Common top folder of every archive file ("x/"), or NULL. */
static wy_code find_strip(struct item *it, struct wy_err *err)
{
    if (!it->nfiles)
        return WY_OK;
    const char *first = it->files[0].logical;
    const char *slash = strchr(first, '/');
    if (!slash)
        return WY_OK;
    size_t n = (size_t)(slash - first) + 1;
    for (size_t i = 1; i < it->nfiles; i++)
        if (strncmp(it->files[i].logical, first, n))
            return WY_OK;
    if (!(it->strip = wy_strndup(first, n)))
        return NOMEM();
    for (size_t i = 0; i < it->nfiles; i++)
        memmove(it->files[i].logical, it->files[i].logical + n,
                strlen(it->files[i].logical + n) + 1);
    return WY_OK;
}

/* Pass 1 over an archive: lists and checks every entry, keeps the
   metadata files' bytes. */
wy_code ingesti_scan_archive(struct run *run, struct item *it,
                             struct wy_err *err)
{
    struct ingest_archive *a = NULL;
    wy_code rc =
        ingest_archive_open(&a, it->path, run->o->filename_charset, err);
    if (rc)
        return rc;
    struct ingest_archive_entry e;
    struct wy_buf best = WY_BUF_INIT(META_MAX);
    int best_rank = -1;
    char *best_name = NULL;
    int warned = 0;
    while ((rc = ingest_archive_next(a, &e, err)) == WY_OK) {
        if (e.charset && !run->o->filename_charset && !warned++)
            wy_warn(run->o->log,
                    "%s: entry names are not UTF-8; read them "
                    "as %s (name the charset with --filename-charset)",
                    it->path, e.charset);
        if (e.is_dir)
            continue;
        for (size_t i = 0; i < it->nfiles; i++)
            if (!strcmp(it->files[i].logical, e.name)) {
                rc = wy_err_set(err, WY_EFORMAT,
                                "archive '%s': entry %zu '%s' appears twice",
                                it->path, e.index, e.name);
                break;
            }
        if (rc ||
            (rc = ingesti_add_pfile(it, e.name, NULL,
                                    e.size > 0 ? (uint64_t)e.size : 0, err)))
            break;
        if (!meta_candidate(e.name))
            continue;
        const char *slash = strchr(e.name, '/');
        int rank = meta_rank(slash ? slash + 1 : e.name);
        if (best_rank >= 0 && rank >= best_rank)
            continue;
        wy_buf_reset(&best);
        size_t got;
        do {
            char *dst = wy_buf_reserve(&best, 65536);
            if (!dst) {
                rc = wy_buf_status(&best, err);
                wy_err_prefix(err, "archive '%s': entry '%s'", it->path,
                              e.name);
                break;
            }
            rc = ingest_archive_read(a, dst, 65536, &got, err);
            if (rc == WY_OK)
                wy_buf_commit(&best, got);
        } while (rc == WY_OK && got);
        if (rc)
            break;
        free(best_name);
        if (!(best_name = wy_strdup(e.name))) {
            rc = NOMEM();
            break;
        }
        best_rank = rank;
    }
    ingest_archive_close(a);
    if (rc == WY_EOF)
        rc = WY_OK;
    if (rc == WY_OK)
        rc = find_strip(it, err);
    for (size_t i = 0; rc == WY_OK && i < it->nfiles; i++)
        if (!strcmp(it->files[i].logical, "bagit.txt"))
            rc = wy_err_set(err, WY_EFORMAT,
                            "archive '%s' holds a BagIt bag: unpack it and "
                            "ingest the folder, so the bag is verified before "
                            "anything is stored",
                            it->path);
    if (rc == WY_OK && best_name) {
        const char *nm = best_name;
        size_t sl = it->strip ? strlen(it->strip) : 0;
        if (sl && !strncmp(nm, it->strip, sl))
            nm += sl;
        if (!strchr(nm, '/')) {
            /* a top-level metadata file after stripping */
            if (!(it->meta_name = wy_strdup(nm)))
                rc = NOMEM();
            else
                wy_buf_add(&it->meta, best.p ? best.p : "", best.len);
        }
    }
    free(best_name);
    wy_buf_release(&best);
    if (rc == WY_OK)
        rc = wy_buf_status(&it->meta, err);
    return rc;
}
