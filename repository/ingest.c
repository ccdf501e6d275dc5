/* repository/ingest.c: an ingest run (see ingest.h): the progress line,
   the batch key and ingest_run, which plans every item, then writes
   them one by one. */
#include "repository/ingest_int.h"

void ingesti_progress(struct run *run)
{
    snprintf(run->what, sizeof(run->what), "items (%llu files)",
             (unsigned long long)run->st->files);
    wy_progress_update(&run->pr, run->done_items, run->done_bytes);
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
    rc = ingesti_plan(&run, paths, n, err);
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
            rc = ingesti_write_item(&run, it, batch, err);
        if (rc && batch) {
            struct wy_err e2 = WY_ERR_INIT;
            (void)cat_journal_item(h->cat, batch, it->key, CAT_ITEM_FAILED,
                                   it->id, wy_err_msg(err), &e2);
            wy_err_release(&e2);
        }
        run.done_items++;
        ingesti_progress(&run);
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
        ingesti_item_release(&run.items[i]);
    free(run.items);
    free(run.buf);
    if (run.magic)
        magic_close(run.magic);
    return rc;
}
