/* repository/ingest_format.c: format checks: whether a file's first
   bytes agree with its name (ingest_format_check). */
#include "repository/ingest_int.h"

int ingesti_ends_with(const char *s, const char *sfx)
{
    size_t n = strlen(s), m = strlen(sfx);
    return n >= m && !strcasecmp(s + n - m, sfx);
}

const char *ingest_format_check(const char *name, const unsigned char *h,
                                size_t n)
{
    if (ingesti_ends_with(name, ".tif") || ingesti_ends_with(name, ".tiff")) {
        /* classic TIFF (II*\0, MM\0*) and BigTIFF (II+\0, MM\0+) */
        if (n >= 4 &&
            ((!memcmp(h, "II", 2) && (h[2] == 42 || h[2] == 43) && h[3] == 0) ||
             (!memcmp(h, "MM", 2) && h[2] == 0 && (h[3] == 42 || h[3] == 43))))
            return "ok";
        return "not TIFF";
    }
    if (ingesti_ends_with(name, ".jpg") || ingesti_ends_with(name, ".jpeg"))
        return n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff
                   ? "ok"
                   : "not JPEG";
    if (ingesti_ends_with(name, ".jp2") || ingesti_ends_with(name, ".j2k")) {
        static const unsigned char sig[12] = {0,   0,   0,  12, 'j',  'P',
                                              ' ', ' ', 13, 10, 0x87, 10};
        if (n >= 12 && !memcmp(h, sig, 12))
            return "ok";
        if (n >= 4 && h[0] == 0xff && h[1] == 0x4f && h[2] == 0xff &&
            h[3] == 0x51)
            return "ok"; /* a raw JPEG 2000 codestream */
        return "not JPEG 2000";
    }
    if (ingesti_ends_with(name, ".pdf")) {
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
