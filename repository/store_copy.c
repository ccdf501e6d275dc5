/* repository/store_copy.c: the one-pass copy of a file into a staged version,
 * with sha512 and md5 computed in threads. */
#define _GNU_SOURCE
#include "repository/store_int.h"

/* ------------------------------------------------------------------ */
/* the copy + hash loop: one read pass */

/*
 * The copy is a pipeline over NBUF blocks of IOBUF bytes: this thread reads
 * a block and hashes it with sha512, a second thread hashes it with md5 and
 * a third writes it, so a slow write() does not stall reading (files of
 * one block or less are done inline). A block is reused once both workers
 * are past it. One mutex and one condition variable guard the counters.
 */
struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *buf;
    size_t len[NBUF];
    uint64_t posted, md5_done, write_done;
    int quit, failed;         /* failed: the writer hit an error */
    EVP_MD_CTX *md5;
    int fd;
    const char *tmp;
    struct wy_err werr;       /* the writer's error */
};

static void *md5_worker(void *arg)
{
    struct pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->md5_done == p->posted && !p->quit)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->md5_done == p->posted)
            break;
        uint64_t k = p->md5_done;
        pthread_mutex_unlock(&p->mu);
        EVP_DigestUpdate(p->md5, p->buf + (k % NBUF) * (size_t)IOBUF,
                         p->len[k % NBUF]);
        pthread_mutex_lock(&p->mu);
        p->md5_done++;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void *write_worker(void *arg)
{
    struct pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->write_done == p->posted && !p->quit)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->write_done == p->posted)
            break;
        uint64_t k = p->write_done;
        int failed = p->failed;
        pthread_mutex_unlock(&p->mu);
        wy_code rc = WY_OK;
        if (!failed)
            rc = write_all_fd(p->fd, p->tmp,
                              p->buf + (k % NBUF) * (size_t)IOBUF,
                              p->len[k % NBUF], &p->werr);
        pthread_mutex_lock(&p->mu);
        if (rc != WY_OK)
            p->failed = 1;
        p->write_done++;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

wy_code store_copy_hash(struct store_version *v, const struct src *src,
                        int outfd, const char *tmp, char *sha, char *md5,
                        uint64_t *size, struct wy_err *err)
{
    EVP_MD_CTX *a = EVP_MD_CTX_new(), *b = EVP_MD_CTX_new();
    wy_code rc = WY_OK;
    struct pipe p;
    pthread_t th_md5, th_write;
    int threads = 0;   /* 0 inline, 2 pipeline running */
    memset(&p, 0, sizeof(p));
    p.buf = v->buf;
    p.md5 = b;
    p.fd = outfd;
    p.tmp = tmp;
    if (!a || !b || !EVP_DigestInit_ex(a, EVP_sha512(), NULL) ||
        !EVP_DigestInit_ex(b, EVP_md5(), NULL)) {
        rc = wy_err_set(err, WY_ENOMEM, "cannot set up sha512/md5");
        goto out;
    }
    *size = 0;
    for (uint64_t k = 0;; k++) {
        unsigned char *buf = v->buf + (k % NBUF) * (size_t)IOBUF;
        if (threads) {
            /* wait until both workers are past the block's last use */
            pthread_mutex_lock(&p.mu);
            while (k - p.md5_done >= NBUF || k - p.write_done >= NBUF)
                pthread_cond_wait(&p.cv, &p.mu);
            int failed = p.failed;
            pthread_mutex_unlock(&p.mu);
            if (failed)
                break;
        }
        size_t got = 0;
        rc = src->read(src->ctx, buf, IOBUF, &got, err);
        if (rc != WY_OK || got == 0)
            break;
        if (got > IOBUF)
            WY_BUG("read callback overran its buffer");
        if (!threads && got == IOBUF && k == 0 &&
            pthread_mutex_init(&p.mu, NULL) == 0) {
            if (pthread_cond_init(&p.cv, NULL) != 0)
                pthread_mutex_destroy(&p.mu);
            else if (pthread_create(&th_md5, NULL, md5_worker, &p) != 0) {
                pthread_cond_destroy(&p.cv);
                pthread_mutex_destroy(&p.mu);
            } else if (pthread_create(&th_write, NULL, write_worker, &p) !=
                       0) {
                pthread_mutex_lock(&p.mu);
                p.quit = 1;
                pthread_cond_broadcast(&p.cv);
                pthread_mutex_unlock(&p.mu);
                pthread_join(th_md5, NULL);
                pthread_cond_destroy(&p.cv);
                pthread_mutex_destroy(&p.mu);
            } else
                threads = 2;
        }
        EVP_DigestUpdate(a, buf, got);
        *size += got;
        if (threads) {
            pthread_mutex_lock(&p.mu);
            p.len[k % NBUF] = got;
            p.posted++;
            pthread_cond_broadcast(&p.cv);
            pthread_mutex_unlock(&p.mu);
        } else {
            EVP_DigestUpdate(b, buf, got);
            rc = write_all_fd(outfd, tmp, buf, got, err);
            if (rc != WY_OK)
                break;
        }
    }
    if (threads) {
        pthread_mutex_lock(&p.mu);
        p.quit = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(th_md5, NULL);
        pthread_join(th_write, NULL);
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
        if (p.failed && rc == WY_OK) {
            wy_err_move(err, &p.werr);
            rc = err->code;
        }
    }
    if (rc == WY_OK) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        EVP_DigestFinal_ex(a, md, &n);
        hex(md, n, sha);
        EVP_DigestFinal_ex(b, md, &n);
        hex(md, n, md5);
    }
out:
    wy_err_release(&p.werr);
    EVP_MD_CTX_free(a);
    EVP_MD_CTX_free(b);
    return rc;
}
