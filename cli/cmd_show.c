/* cli/cmd_show.c: wenyuan show [--from F] [FILE] */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/buf.h"
#include "formats/format.h"
#include "formats/line.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: wenyuan show [--from F] [--marc-only] [FILE]\n\n"
                "Prints each record of FILE (default: stdin) as yaz-marcdump's "
                "line format\n(leader, '001 value', '245 10 $a ... $c ...') "
                "followed by its normalized\ndescription. The format is "
                "detected unless --from names it. Bad records\nare reported "
                "on stderr and skipped; the exit status is then 1.\n");
}

WY_COMMAND(show, "print records readably (MARC fields and description)")
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},
        {"marc-only", no_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct wy_err err = WY_ERR_INIT;
    const struct fmt_handler *from = NULL;
    int marc_only = 0;
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:mh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = fmt_find(optarg);
            if (!from) {
                wy_err_set(&err, WY_EINVAL, "unknown format '%s'", optarg);
                return cmd_fail("show", &err);
            }
            break;
        case 'm':
            marc_only = 1;
            break;
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (argc - optind > 1) {
        usage(stderr);
        return CMD_USAGE;
    }
    const char *in = optind < argc ? argv[optind] : "-";
    int fd = 0;
    if (strcmp(in, "-") != 0) {
        fd = open(in, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            wy_err_set(&err, WY_EIO, "cannot open '%s': %s", in,
                       strerror(errno));
            return cmd_fail("show", &err);
        }
    }
    struct fmt_reader *r = NULL;
    wy_code rc = fmt_reader_open_fd(&r, from, fd, fd ? in : "stdin", &err);
    size_t bad = 0;
    struct wy_buf out = WY_BUF_INIT(WY_BUF_NOLIMIT);
    while (rc == WY_OK) {
        struct wy_record *rec;
        rc = fmt_reader_next(r, &rec, &err);
        if (rc == WY_EFORMAT) {
            fprintf(stderr, "error: %s\n", wy_err_msg(&err));
            wy_err_release(&err);
            bad++;
            rc = WY_OK;
            continue;
        }
        if (rc != WY_OK)
            break;
        wy_buf_reset(&out);
        line_write_marc(rec, &out);
        if (!marc_only)
            line_write_desc(rec, &out);
        wy_buf_addc(&out, '\n');
        rc = wy_buf_status(&out, &err);
        if (rc == WY_OK && fwrite(out.p, 1, out.len, stdout) != out.len)
            rc = wy_err_set(&err, WY_EIO, "cannot write to stdout: %s",
                            strerror(errno));
    }
    wy_buf_release(&out);
    fmt_reader_free(r);
    if (fd > 0)
        close(fd);
    if (rc == WY_EOF && fflush(stdout) != 0)
        rc = wy_err_set(&err, WY_EIO, "cannot write to stdout: %s",
                        strerror(errno));
    if (rc != WY_EOF)
        return cmd_fail("show", &err);
    return bad ? CMD_FAIL : CMD_OK;
}
