/* repository/ingest.c: planning and writing ingest items (see ingest.h). */
#include "repository/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <magic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/path.h"
#include "formats/dates.h"
#include "formats/format.h"
#include "formats/iso2709.h"
#include "formats/mets.h"
#include "repository/archive.h"
#include "repository/bagit.h"
#include "repository/import.h"
#include "repository/ingest_int.h"
#include "repository/sheet.h"
#include "repository/store.h"
#include "repository/walk.h"

#define NOMEM() wy_err_set(err, WY_ENOMEM, "out of memory")
#define META_MAX (64u << 20) /* a METS file of a many-volume work */
#define HEAD 8192            /* bytes libmagic and the checks look at */
#define COPY_BUF (1u << 20)
#define ID_MAX 1024

/* ---- format checks ---------------------------------------------------- */

static int ends_with(const char *s, const char *sfx)
{
    size_t n = strlen(s), m = strlen(sfx);
    return n >= m && !strcasecmp(s + n - m, sfx);
}

const char *ingest_format_check(const char *name, const unsigned char *h,
                                size_t n)
{
    if (ends_with(name, ".tif") || ends_with(name, ".tiff")) {
        /* classic TIFF (II*\0, MM\0*) and BigTIFF (II+\0, MM\0+) */
        if (n >= 4 &&
            ((!memcmp(h, "II", 2) && (h[2] == 42 || h[2] == 43) && h[3] == 0) ||
             (!memcmp(h, "MM", 2) && h[2] == 0 && (h[3] == 42 || h[3] == 43))))
            return "ok";
        return "not TIFF";
    }
    if (ends_with(name, ".jpg") || ends_with(name, ".jpeg"))
        return n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff
                   ? "ok"
                   : "not JPEG";
    if (ends_with(name, ".jp2") || ends_with(name, ".j2k")) {
        static const unsigned char sig[12] = {0,   0,   0,  12, 'j',  'P',
                                              ' ', ' ', 13, 10, 0x87, 10};
        if (n >= 12 && !memcmp(h, sig, 12))
            return "ok";
        if (n >= 4 && h[0] == 0xff && h[1] == 0x4f && h[2] == 0xff &&
            h[3] == 0x51)
            return "ok"; /* a raw JPEG 2000 codestream */
        return "not JPEG 2000";
    }
    if (ends_with(name, ".pdf")) {
        /* the header may follow up to 1024 bytes of junk (ISO 32000 7.5.2
           notes readers tolerate it) */
        size_t lim = n < 1024 ? n : 1024;
        for (size_t i = 0; i + 5 <= lim; i++)
            if (!memcmp(h + i, "%PDF-", 5))
                return "ok";
        return "not PDF";
    }
    return NULL;
}

/* ---- the plan --------------------------------------------------------- */

struct pfile {
    char *logical; /* path in the object */
    char *src;     /* file to read (folders, bags); NULL for
                      archive entries */
    uint64_t size;
};

enum kind { K_DIR, K_BAG, K_ARCHIVE };

struct item {
    enum kind kind;
    char *path;  /* the folder, bag or archive */
    char *key;   /* journal key: the real path */
    char *where; /* for messages */
    char *id;
    char *ocfl_id; /* "urn:wenyuan:" + id, percent-encoded */
    char *collection;
    struct pfile *files;
    size_t nfiles, capfiles;
    char *strip; /* archive: common top folder + "/" or NULL */
    uint64_t bytes;
    struct wy_buf meta;        /* metadata bytes (package file or dc.xml) */
    char *meta_name;           /* logical path of the metadata file */
    const char *meta_format;   /* handler name */
    struct fmt_reader *reader; /* owns rec when read from meta */
    struct wy_record *rec;     /* borrowed from reader, or own_rec */
    struct wy_record *own_rec;
    int synth; /* write meta as dc.xml into the object */
    struct bag *bag;
};

struct run {
    struct wy_home *h;
    struct store *store;
    const struct ingest_opts *o;
    struct ingest_stats *st;
    struct item *items;
    size_t nitems;
    magic_t magic;
    struct wy_progress pr;
    uint64_t total_bytes, done_bytes, done_items;
    unsigned char *buf;
    char what[64]; /* the progress line's unit, with files */
};

static void progress(struct run *run)
{
    snprintf(run->what, sizeof(run->what), "items (%llu files)",
             (unsigned long long)run->st->files);
    wy_progress_update(&run->pr, run->done_items, run->done_bytes);
}

static void item_release(struct item *it)
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

static wy_code add_pfile(struct item *it, const char *logical, const char *src,
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
    if (ends_with(logical, ".mrc") || ends_with(logical, ".marc"))
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

struct walk_ctx {
    struct run *run;
    struct item *it;
    int warned;
};

/* A folder file; names that are not UTF-8 (copied from a GBK Windows
   share) are converted like archive entry names, the file still read by
   its name on disk. */
static wy_code on_dir_file(void *ctx, const struct ingest_walk_entry *e,
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
        rc = add_pfile(w->it, name.p, e->path, (uint64_t)e->st->st_size, err);
    wy_buf_release(&name);
    return rc;
}

/* Reads the best metadata file of a folder or bag item into it->meta. */
static wy_code read_meta_file(struct item *it, struct wy_err *err)
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
static wy_code scan_archive(struct run *run, struct item *it,
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
        if (rc || (rc = add_pfile(it, e.name, NULL,
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
            if (ends_with(base, exts[i]) && strlen(base) > strlen(exts[i])) {
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
            rc = add_pfile(it, f->path + 5, f->fs_path, f->size, err);
        }
        if (rc == WY_OK)
            rc = read_meta_file(it, err);
    } else if (S_ISDIR(st.st_mode)) {
        it->kind = K_DIR;
        struct walk_ctx wc = {run, it, 0};
        rc = ingest_walk(path, on_dir_file, &wc, err);
        if (rc == WY_OK && !it->nfiles)
            rc =
                wy_err_set(err, WY_EFORMAT, "folder '%s' holds no files", path);
        if (rc == WY_OK)
            rc = read_meta_file(it, err);
    } else if (S_ISREG(st.st_mode) && ingest_archive_probe(path)) {
        it->kind = K_ARCHIVE;
        rc = scan_archive(run, it, err);
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

static wy_code plan(struct run *run, const char *const *paths, size_t n,
                    struct wy_err *err)
{
    wy_code rc = WY_OK;
    for (size_t i = 0; rc == WY_OK && i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode) &&
            ends_with(paths[i], ".csv")) {
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

/* ---- writing ---------------------------------------------------------- */

struct written {
    struct cat_file *files;
    size_t n, cap;
    uint64_t bytes;
    uint64_t stored; /* new content, counted once committed */
};

static void written_release(struct written *w)
{
    cat_files_free(w->files, w->n);
    memset(w, 0, sizeof(*w));
}

static wy_code note_file(struct run *run, struct written *w, const char *where,
                         const char *logical,
                         const struct store_file_info *info,
                         const unsigned char *head, size_t headn,
                         struct wy_err *err)
{
    if (w->n == w->cap) {
        size_t nc = w->cap ? 2 * w->cap : 16;
        struct cat_file *nf = wy_realloc(w->files, nc * sizeof(*nf));
        if (!nf)
            return NOMEM();
        w->files = nf;
        w->cap = nc;
    }
    struct cat_file *f = &w->files[w->n];
    memset(f, 0, sizeof(*f));
    w->n++;
    f->path = wy_strdup(logical);
    f->size = (int64_t)info->size;
    f->sha512 = wy_strdup(info->sha512);
    f->md5 = wy_strdup(info->md5);
    const char *mime =
        run->magic ? magic_buffer(run->magic, head, headn) : NULL;
    if (mime && !(f->mime = wy_strdup(mime)))
        return NOMEM();
    const char *chk = ingest_format_check(logical, head, headn);
    if (chk && !(f->format_check = wy_strdup(chk)))
        return NOMEM();
    if (!f->path || !f->sha512 || !f->md5)
        return NOMEM();
    if (chk && strcmp(chk, "ok"))
        wy_warn(run->o->log, "%s: '%s': %s (libmagic says %s)", where, logical,
                chk, mime ? mime : "unknown");
    w->bytes += info->size;
    run->st->files++;
    run->st->bytes += info->size;
    if (info->stored)
        w->stored += info->size;
    run->done_bytes += info->size;
    progress(run);
    return WY_OK;
}

/* A sink stands for the store in real runs and for a hashing reader in dry
   runs, so both read exactly the same bytes the same way. */
struct source {
    struct run *run;
    int fd;                   /* or -1 */
    struct ingest_archive *a; /* or NULL */
    const char *mem;          /* or NULL */
    size_t memlen, mempos;
    unsigned char head[HEAD];
    size_t headn;
};

static wy_code source_read(void *ctx, void *buf, size_t cap, size_t *got,
                           struct wy_err *err)
{
    struct source *s = ctx;
    wy_code rc = WY_OK;
    *got = 0;
    if (s->run->o->cancel && *s->run->o->cancel)
        return wy_err_set(err, WY_ESTATE, "interrupted");
    if (s->a) {
        rc = ingest_archive_read(s->a, buf, cap, got, err);
    } else if (s->mem) {
        size_t k = s->memlen - s->mempos < cap ? s->memlen - s->mempos : cap;
        memcpy(buf, s->mem + s->mempos, k);
        s->mempos += k;
        *got = k;
    } else {
        for (;;) {
            ssize_t r = read(s->fd, buf, cap);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return wy_err_set(err, WY_EIO, "read error: %s",
                                  strerror(errno));
            *got = (size_t)r;
            break;
        }
    }
    if (rc == WY_OK && s->headn < HEAD && *got) {
        size_t k = HEAD - s->headn < *got ? HEAD - s->headn : *got;
        memcpy(s->head + s->headn, buf, k);
        s->headn += k;
    }
    return rc;
}

/* Dry run: read everything, hash it as the store would. */
static wy_code dry_add(struct run *run, struct source *src,
                       struct store_file_info *info, struct wy_err *err)
{
    EVP_MD_CTX *sha = EVP_MD_CTX_new(), *md5 = EVP_MD_CTX_new();
    wy_code rc = WY_OK;
    memset(info, 0, sizeof(*info));
    if (!sha || !md5 || EVP_DigestInit_ex(sha, EVP_sha512(), NULL) != 1 ||
        EVP_DigestInit_ex(md5, EVP_md5(), NULL) != 1)
        rc = wy_err_set(err, WY_EIO, "cannot set up the digests");
    size_t got = 1;
    while (rc == WY_OK && got) {
        rc = source_read(src, run->buf, COPY_BUF, &got, err);
        if (rc == WY_OK && got) {
            EVP_DigestUpdate(sha, run->buf, got);
            EVP_DigestUpdate(md5, run->buf, got);
            info->size += got;
        }
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n;
    if (rc == WY_OK && EVP_DigestFinal_ex(sha, d, &n) == 1)
        for (unsigned i = 0; i < n && 2 * i + 1 < sizeof(info->sha512); i++)
            snprintf(info->sha512 + 2 * i, 3, "%02x", d[i]);
    if (rc == WY_OK && EVP_DigestFinal_ex(md5, d, &n) == 1)
        for (unsigned i = 0; i < n && 2 * i + 1 < sizeof(info->md5); i++)
            snprintf(info->md5 + 2 * i, 3, "%02x", d[i]);
    EVP_MD_CTX_free(sha);
    EVP_MD_CTX_free(md5);
    return rc;
}

static wy_code add_one(struct run *run, struct store_version *v,
                       struct source *src, const char *logical,
                       struct store_file_info *info, struct wy_err *err)
{
    if (!v)
        return dry_add(run, src, info, err);
    if (src->fd >= 0 && !src->a && !src->mem) {
        /* the head for libmagic without moving the offset */
        ssize_t r = pread(src->fd, src->head, HEAD, 0);
        src->headn = r > 0 ? (size_t)r : 0;
        if (run->o->cancel && *run->o->cancel)
            return wy_err_set(err, WY_ESTATE, "interrupted");
        return store_version_add_fd(v, logical, src->fd, info, err);
    }
    return store_version_add_stream(v, logical, source_read, src, info, err);
}

static wy_code add_files(struct run *run, struct item *it,
                         struct store_version *v, struct written *w,
                         struct wy_err *err)
{
    wy_code rc = WY_OK;
    struct store_file_info info;
    if (it->kind != K_ARCHIVE) {
        for (size_t i = 0; rc == WY_OK && i < it->nfiles; i++) {
            struct pfile *f = &it->files[i];
            struct source src = {.run = run, .fd = -1};
            src.fd = open(f->src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            if (src.fd < 0)
                return wy_err_set(err, WY_EIO, "%s: cannot open '%s': %s",
                                  it->where, f->src, strerror(errno));
            rc = add_one(run, v, &src, f->logical, &info, err);
            close(src.fd);
            if (rc == WY_OK && it->kind == K_BAG) {
                /* the file must still be what the manifest said */
                const struct bag_file *bf = bag_file(it->bag, i);
                if (bf->digest[BAG_SHA512] &&
                    strcmp(bf->digest[BAG_SHA512], info.sha512))
                    rc = wy_err_set(err, WY_EFIXITY,
                                    "%s: '%s' changed after the bag was "
                                    "verified",
                                    it->where, bf->path);
                else if (bf->digest[BAG_MD5] &&
                         strcmp(bf->digest[BAG_MD5], info.md5))
                    rc = wy_err_set(err, WY_EFIXITY,
                                    "%s: '%s' changed after the bag was "
                                    "verified",
                                    it->where, bf->path);
            }
            if (rc == WY_OK)
                rc = note_file(run, w, it->where, f->logical, &info, src.head,
                               src.headn, err);
            else
                wy_err_prefix(err, "%s: '%s'", it->where, f->logical);
        }
    } else {
        struct ingest_archive *a = NULL;
        rc = ingest_archive_open(&a, it->path, run->o->filename_charset, err);
        struct ingest_archive_entry e;
        size_t i = 0;
        size_t sl = it->strip ? strlen(it->strip) : 0;
        while (rc == WY_OK && (rc = ingest_archive_next(a, &e, err)) == WY_OK) {
            if (e.is_dir)
                continue;
            const char *logical = e.name + sl;
            if (i >= it->nfiles || strcmp(it->files[i].logical, logical)) {
                rc = wy_err_set(err, WY_ESTATE,
                                "archive '%s' changed while being ingested",
                                it->path);
                break;
            }
            struct source src = {.run = run, .fd = -1, .a = a};
            rc = add_one(run, v, &src, logical, &info, err);
            if (rc == WY_OK)
                rc = note_file(run, w, it->where, logical, &info, src.head,
                               src.headn, err);
            i++;
        }
        if (rc == WY_EOF)
            rc = i == it->nfiles ? WY_OK
                                 : wy_err_set(err, WY_ESTATE,
                                              "archive '%s' changed while "
                                              "being ingested",
                                              it->path);
        ingest_archive_close(a);
    }
    if (rc == WY_OK && it->synth) {
        struct source src = {
            .run = run, .fd = -1, .mem = it->meta.p, .memlen = it->meta.len};
        rc = add_one(run, v, &src, "dc.xml", &info, err);
        if (rc == WY_OK)
            rc = note_file(run, w, it->where, "dc.xml", &info, src.head,
                           src.headn, err);
    }
    return rc;
}

/* The checksums a METS fileSec gives must match what was read: a scan that
   is not the one described is refused before anything is committed. Files
   the METS names but the item lacks are reported, not refused (a METS may
   point at derivatives kept elsewhere). */
static wy_code check_mets(struct run *run, struct item *it,
                          const struct written *w, struct wy_err *err)
{
    if (!it->meta_format || strcmp(it->meta_format, "mets"))
        return WY_OK;
    struct mets_structure *ms = NULL;
    wy_code rc = mets_parse_structure(it->meta.p ? it->meta.p : "",
                                      it->meta.len, it->meta_name, &ms, err);
    if (rc)
        return wy_err_prefix(err, "%s", it->where);
    for (size_t i = 0; rc == WY_OK && i < ms->nfiles; i++) {
        const struct mets_file *mf = &ms->files[i];
        if (!mf->href || !mf->checksum || !mf->checksumtype)
            continue;
        const char *href = mf->href;
        if (!strncmp(href, "file://", 7))
            continue; /* absolute: not a path inside the item */
        if (strstr(href, "://"))
            continue;
        while (href[0] == '.' && href[1] == '/')
            href += 2;
        int sha = !strcasecmp(mf->checksumtype, "SHA-512");
        int md5 = !strcasecmp(mf->checksumtype, "MD5");
        if (!sha && !md5)
            continue;
        const struct cat_file *f = NULL;
        for (size_t k = 0; k < w->n; k++)
            if (!strcmp(w->files[k].path, href))
                f = &w->files[k];
        if (!f) {
            wy_warn(run->o->log,
                    "%s: %s lists '%s', which the item does not "
                    "hold",
                    it->where, it->meta_name, href);
            continue;
        }
        const char *have = sha ? f->sha512 : f->md5;
        if (!have || strcasecmp(have, mf->checksum))
            rc = wy_err_set(err, WY_EFIXITY,
                            "%s: '%s' does not match its %s checksum in %s "
                            "(METS %s, file %s)",
                            it->where, href, mf->checksumtype, it->meta_name,
                            mf->checksum, have ? have : "?");
    }
    mets_structure_free(ms);
    return rc;
}

/* a test hook step (ingest_opts.hook) */
static wy_code step(struct run *run, const char *name, struct wy_err *err)
{
    if (run->o->hook && run->o->hook(run->o->hook_ctx, name))
        return wy_err_set(err, WY_EIO, "ingest step '%s': injected failure",
                          name);
    return WY_OK;
}

/* Appends s, with the bytes of a name that is not UTF-8 (a GBK folder
   name) as \xNN: the inventory is JSON, which holds only UTF-8. */
static void add_utf8(struct wy_buf *b, const char *s)
{
    size_t n = strlen(s), bad;
    if (iso2709_utf8_valid((const unsigned char *)s, n, &bad)) {
        wy_buf_add(b, s, n);
        return;
    }
    for (; *s; s++)
        if ((unsigned char)*s < 0x80)
            wy_buf_addc(b, *s);
        else
            wy_buf_addf(b, "\\x%02x", (unsigned char)*s);
}

/* Writes one item whole or not at all. */
static wy_code write_item(struct run *run, struct item *it, int64_t batch,
                          struct wy_err *err)
{
    struct written w = {0};
    struct store_version *v = NULL;
    wy_code rc = WY_OK;
    if (!run->o->dry_run) {
        rc = store_version_begin(run->store, it->ocfl_id, &v, err);
        if (rc == WY_OK) {
            struct wy_buf msg = WY_BUF_INIT(8192);
            wy_buf_adds(&msg, "wenyuan ingest of '");
            add_utf8(&msg, it->path);
            wy_buf_addc(&msg, '\'');
            rc = store_version_set_meta(v, wy_buf_cstr(&msg), run->o->user,
                                        run->o->user_address, err);
            wy_buf_release(&msg);
        }
    }
    if (rc == WY_OK)
        rc = add_files(run, it, v, &w, err);
    if (rc == WY_OK)
        rc = check_mets(run, it, &w, err);
    if (rc || run->o->dry_run) {
        store_version_abort(v);
        written_release(&w);
        return rc;
    }
    int changed = store_version_changed(v);
    unsigned prev = store_version_prev(v);
    unsigned head = changed ? prev + 1 : prev;
    char hv[32];
    snprintf(hv, sizeof(hv), "v%u", head);
    struct ingest_row row = {0};
    row.local_id = it->id;
    row.collection = it->collection;
    row.rec = it->rec;
    if (it->meta_name) {
        row.orig = it->meta.p ? it->meta.p : "";
        row.orig_len = it->meta.len;
        row.orig_format = it->meta_format;
    }
    row.ocfl_id = it->ocfl_id;
    row.head = hv;
    row.files = w.files;
    row.nfiles = w.n;
    row.bytes = (int64_t)w.bytes;
    row.batch = batch;
    row.item = it->key;
    struct cat *c = run->h->cat;
    /* The intent first (committed), then the store, then the catalog rows
       with the intent's deletion in one transaction: a crash after the
       store commit leaves the intent, and ingest_recover records the
       version from it; the store never lacks a version the catalog lists. */
    int committing = 0; /* the store commit was attempted */
    if (changed) {
        /* the item is journaled pending with its intent: one commit */
        rc = cat_begin(c, err);
        if (rc == WY_OK && batch)
            rc = cat_journal_item(c, batch, it->key, CAT_ITEM_PENDING, it->id,
                                  NULL, err);
        if (rc == WY_OK)
            rc = ingesti_intent_put(c, &row, err);
        if (rc == WY_OK)
            rc = cat_commit(c, err);
        else
            cat_rollback(c);
        if (rc == WY_OK)
            rc = step(run, "intent", err);
    }
    if (rc == WY_OK)
        rc = cat_begin(c, err);
    if (rc == WY_OK)
        rc = ingesti_write_catalog(c, &row, err);
    /* also when unchanged: under the object's lock, the rows now record
       the store's head, which settles any intent an earlier run left */
    if (rc == WY_OK)
        rc = cat_intent_delete(c, it->ocfl_id, err);
    if (rc == WY_OK && changed) {
        unsigned got = 0;
        committing = 1;
        rc = store_version_commit(v, &got, err);
        v = NULL;
        if (rc == WY_OK && got != head)
            rc = wy_err_set(err, WY_ESTATE,
                            "object '%s': expected version %u, got %u",
                            it->ocfl_id, head, got);
        if (rc == WY_OK)
            rc = step(run, "stored", err);
    }
    if (rc == WY_OK)
        rc = cat_commit(c, err);
    if (rc) {
        cat_rollback(c);
        /* before the store commit the intent is surely void; after it, the
           store may hold the version and ingest_recover decides */
        if (changed && !committing) {
            struct wy_err e2 = WY_ERR_INIT;
            (void)cat_intent_delete(c, it->ocfl_id, &e2);
            wy_err_release(&e2);
        }
    } else {
        run->st->bytes_stored += changed ? w.stored : 0;
        if (!changed)
            run->st->unchanged++;
        else if (prev)
            run->st->versioned++;
        else
            run->st->added++;
    }
    store_version_abort(v);
    written_release(&w);
    return rc;
}

static wy_code batch_key(const char *const *paths, size_t n,
                         const struct ingest_opts *o, char out[65],
                         struct wy_err *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return wy_err_set(err, WY_EIO, "cannot set up SHA-256");
    }
    for (size_t i = 0; i < n; i++) {
        char *r = realpath(paths[i], NULL);
        const char *p = r ? r : paths[i];
        EVP_DigestUpdate(ctx, p, strlen(p) + 1);
        free(r);
    }
    const char *extra[] = {o->id, o->collection};
    for (size_t i = 0; i < 2; i++)
        EVP_DigestUpdate(ctx, extra[i] ? extra[i] : "",
                         extra[i] ? strlen(extra[i]) + 1 : 1);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, d, &len);
    EVP_MD_CTX_free(ctx);
    for (unsigned i = 0; i < 32 && i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    out[64] = '\0';
    return WY_OK;
}

wy_code ingest_run(struct wy_home *h, const char *const *paths, size_t n,
                   const struct ingest_opts *o, struct ingest_stats *st,
                   struct wy_err *err)
{
    memset(st, 0, sizeof(*st));
    if (!n)
        return wy_err_set(err, WY_EINVAL, "nothing to ingest");
    if (o->resume && o->dry_run)
        return wy_err_set(err, WY_EINVAL,
                          "--resume and --dry-run do not go together");
    struct run run = {0};
    run.h = h;
    run.o = o;
    run.st = st;
    double t0 = wy_now();
    wy_code rc = WY_OK;
    if (!(run.buf = wy_malloc(COPY_BUF)))
        return NOMEM();
    run.magic = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
    if (run.magic && magic_load(run.magic, NULL) != 0) {
        wy_warn(o->log, "libmagic: %s: file types not identified",
                magic_error(run.magic));
        magic_close(run.magic);
        run.magic = NULL;
    }
    rc = plan(&run, paths, n, err);
    st->items = run.nitems;
    if (rc == WY_OK && !o->dry_run)
        rc = store_open(&run.store, h->store_path, err);
    if (rc == WY_OK && !o->dry_run) {
        /* what an interrupted ingest left, before anything new */
        struct ingest_recovery rv;
        rc = ingest_recover(h->cat, run.store, o->log, &rv, err);
        if (o->hook)
            store_set_hook(run.store, o->hook, o->hook_ctx);
    }
    int64_t batch = 0;
    int resumed = 0;
    if (rc == WY_OK && !o->dry_run) {
        char key[65];
        rc = batch_key(paths, n, o, key, err);
        if (rc == WY_OK)
            rc = cat_journal_begin(h->cat, key, o->resume, &batch, &resumed,
                                   err);
        st->batch = batch;
    }
    snprintf(run.what, sizeof(run.what), "items");
    wy_progress_begin(&run.pr, o->log, run.what, run.nitems, run.total_bytes);
    for (size_t i = 0; rc == WY_OK && i < run.nitems; i++) {
        struct item *it = &run.items[i];
        if (batch && resumed) {
            enum cat_item_state s;
            rc = cat_journal_item_state(h->cat, batch, it->key, &s, err);
            if (rc == WY_OK && s == CAT_ITEM_DONE) {
                st->skipped++;
                run.done_items++;
                run.done_bytes += it->bytes;
                continue;
            }
        }
        if (rc == WY_OK)
            rc = write_item(&run, it, batch, err);
        if (rc && batch) {
            struct wy_err e2 = WY_ERR_INIT;
            (void)cat_journal_item(h->cat, batch, it->key, CAT_ITEM_FAILED,
                                   it->id, wy_err_msg(err), &e2);
            wy_err_release(&e2);
        }
        run.done_items++;
        progress(&run);
    }
    wy_progress_end(&run.pr);
    if (batch) {
        struct wy_err e2 = WY_ERR_INIT;
        const char *status = rc == WY_OK                 ? "done"
                             : (o->cancel && *o->cancel) ? "interrupted"
                                                         : "failed";
        (void)cat_journal_end(h->cat, batch, status, &e2);
        wy_err_release(&e2);
    }
    st->seconds = wy_now() - t0;
    store_close(run.store);
    for (size_t i = 0; i < run.nitems; i++)
        item_release(&run.items[i]);
    free(run.items);
    free(run.buf);
    if (run.magic)
        magic_close(run.magic);
    return rc;
}
