/* cli/cmd_convert.c: wenyuan convert [--from F] [--to T] [IN] [OUT] */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/path.h"
#include "formats/convert.h"
#include "formats/format.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: wenyuan convert [--from F] [--to T] [IN] [OUT]\n\n"
                "Converts records from IN (default: stdin) to OUT (default: "
                "stdout).\nThe input format is detected unless --from names "
                "it; --to defaults to\nmarcxml. OUT is written whole or not "
                "at all. Bad records are reported\nand skipped; the exit "
                "status is then 1. UNIMARC/CNMARC written --to marc21\n(and "
                "MARC 21 --to unimarc) is crosswalked field by field; what "
                "has no\nequivalent is kept in 887/886 and reported "
                "(docs/MARC.md).\n\nFormats:\n");
    for (const struct fmt_handler *const *h = fmt_handlers(); *h; h++)
        fprintf(fp, "  %-8s %s%s%s\n", (*h)->name, (*h)->title,
                (*h)->open ? "" : " [write only]",
                (*h)->write ? "" : " [read only]");
}

static const struct fmt_handler *format_arg(const char *name,
                                            struct wy_err *err)
{
    const struct fmt_handler *h = fmt_find(name);
    if (!h)
        wy_err_set(err, WY_EINVAL,
                   "unknown format '%s'; see 'wenyuan "
                   "convert --help'",
                   name);
    return h;
}

WY_COMMAND(convert, "convert records between MARC, MARCXML, DC, MODS and JSON")
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct wy_err err = WY_ERR_INIT;
    const struct fmt_handler *from = NULL, *to = NULL;
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!(from = format_arg(optarg, &err)))
                return cmd_fail("convert", &err);
            break;
        case 't':
            if (!(to = format_arg(optarg, &err)))
                return cmd_fail("convert", &err);
            break;
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (argc - optind > 2) {
        usage(stderr);
        return CMD_USAGE;
    }
    if (!to)
        to = fmt_find("marcxml");
    if (!to || !to->write) {
        wy_err_set(&err, WY_EINVAL, "the '%s' format cannot be written",
                   to ? to->name : "marcxml");
        return cmd_fail("convert", &err);
    }
    const char *in = optind < argc ? argv[optind] : "-";
    const char *out = optind + 1 < argc ? argv[optind + 1] : "-";
    int infd = 0;
    const char *inname = "stdin";
    unsigned long long insize = 0;
    if (strcmp(in, "-") != 0) {
        infd = open(in, O_RDONLY | O_CLOEXEC);
        if (infd < 0) {
            wy_err_set(&err, WY_EIO, "cannot open '%s': %s", in,
                       strerror(errno));
            return cmd_fail("convert", &err);
        }
        struct stat st;
        if (fstat(infd, &st) == 0 && S_ISREG(st.st_mode))
            insize = (unsigned long long)st.st_size;
        inname = in;
    }

    /* OUT is built under a temporary name and renamed when complete */
    int outfd = 1;
    struct wy_buf tmp = WY_BUF_INIT(WY_BUF_NOLIMIT);
    if (strcmp(out, "-") != 0) {
        wy_buf_addf(&tmp, "%s.tmp", out);
        if (tmp.error) {
            wy_buf_status(&tmp, &err);
            goto fail;
        }
        /* a stale OUT.tmp (from a crash) is replaced, never followed */
        if (unlink(tmp.p) != 0 && errno != ENOENT) {
            wy_err_set(&err, WY_EIO, "cannot remove '%s': %s", tmp.p,
                       strerror(errno));
            goto fail;
        }
        outfd = open(
            tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (outfd < 0) {
            wy_err_set(&err, WY_EIO, "cannot create '%s': %s", tmp.p,
                       strerror(errno));
            goto fail;
        }
    }

    struct wy_log log;
    wy_log_init(&log, stderr, WY_LOG_INFO);
    struct fmt_reader *r = NULL;
    struct fmt_convert_stats st = {0};
    wy_code rc = fmt_reader_open_fd(&r, from, infd, inname, &err);
    if (rc == WY_OK)
        rc =
            fmt_convert(r, to, outfd, out[0] == '-' && !out[1] ? "stdout" : out,
                        insize, &log, &st, &err);
    fmt_reader_free(r);
    if (outfd != 1) {
        if (rc == WY_OK && fsync(outfd) != 0)
            rc = wy_err_set(&err, WY_EIO, "cannot write '%s': %s", tmp.p,
                            strerror(errno));
        if (close(outfd) != 0 && rc == WY_OK)
            rc = wy_err_set(&err, WY_EIO, "cannot write '%s': %s", tmp.p,
                            strerror(errno));
        outfd = 1;
        if (rc == WY_OK && rename(tmp.p, out) != 0)
            rc = wy_err_set(&err, WY_EIO, "cannot rename '%s' to '%s': %s",
                            tmp.p, out, strerror(errno));
        if (rc == WY_OK)
            rc = wy_fsync_dir_of(out, &err);
        if (rc != WY_OK)
            unlink(tmp.p);
    }
    if (rc != WY_OK)
        goto fail;
    if (infd > 0)
        close(infd);
    wy_buf_release(&tmp);
    if (st.crosswalked)
        fprintf(stderr,
                "wenyuan convert: %zu records crosswalked to %s; %s (%zu "
                "fields kept whole in %s, %zu local fields kept as they "
                "are, %zu subfields with no equivalent)\n",
                st.crosswalked, to == &marc21_handler ? "MARC 21" : "UNIMARC",
                st.lossy ? "the conversion is lossy for some records"
                         : "nothing was lost",
                st.unmapped, to == &marc21_handler ? "887" : "886", st.local,
                st.dropped);
    if (st.bad) {
        fprintf(stderr,
                "wenyuan convert: %zu records converted, %zu bad "
                "records skipped\n",
                st.good, st.bad);
        return CMD_FAIL;
    }
    return CMD_OK;
fail:
    if (outfd > 1) {
        close(outfd);
        unlink(tmp.p);
    }
    if (infd > 0)
        close(infd);
    wy_buf_release(&tmp);
    return cmd_fail("convert", &err);
}
