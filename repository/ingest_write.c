/* repository/ingest_write.c: writing one item whole or not at all: its
   files into a new OCFL version, the METS check, the catalog rows. */
#include "repository/ingest_int.h"

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
    ingesti_progress(run);
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
wy_code ingesti_write_item(struct run *run, struct item *it, int64_t batch,
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
