/* cli/batch_report.c: the per-batch report after import/harvest/ingest. */
#include "cli/batch_report.h"

#include <stdio.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "repository/cluster.h"
#include "repository/profile_report.h"

int64_t cmd_batch_mark(struct cat *c)
{
    struct wy_err err = WY_ERR_INIT;
    int64_t seq = 0;
    if (cat_last_seq(c, &seq, &err) != WY_OK)
        seq = 0;
    wy_err_release(&err);
    return seq;
}

int cmd_batch_report(struct wy_home *h, int64_t mark, const char *name)
{
    struct cat *c = h->cat;
    struct wy_err err = WY_ERR_INIT;
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    size_t checked = 0, bad = 0;
    wy_code rc = prof_report_changes(c, mark, &out, &checked, &bad, &err);
    fputs(wy_buf_cstr(&out), stdout);
    wy_buf_release(&out);
    if (rc)
        return cmd_fail(name, &err);
    struct cluster *cl = NULL;
    size_t done = 0;
    rc = cluster_open(&cl, h->catalog_path, &err);
    if (rc == WY_OK)
        rc = cluster_sync(cl, c, &done, &err);
    int64_t nclusters = 0, nrecords = 0, shared = 0;
    if (rc == WY_OK)
        rc = cluster_stats(cl, &nclusters, &nrecords, &shared, &err);
    cluster_close(cl);
    if (rc) {
        wy_err_prefix(&err, "updating the clusters");
        return cmd_fail(name, &err);
    }
    if (done)
        printf("clusters: %zu changes clustered; %lld records in %lld "
               "clusters, %lld held by more than one record\n",
               done, (long long)nrecords, (long long)nclusters,
               (long long)shared);
    return CMD_OK;
}
