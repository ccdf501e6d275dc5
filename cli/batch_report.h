/* cli/batch_report.h: what every command that writes a batch of records
   (import, harvest, ingest) does afterwards: the per-batch profile report
   of the records it wrote, then the clusters brought up to date. Two calls
   per command: mark before the batch, report after. */
#ifndef WY_CLI_BATCH_REPORT_H
#define WY_CLI_BATCH_REPORT_H

#include <stdint.h>

#include "repository/home.h"

/* The change-log position before a batch (0 when it cannot be read). */
int64_t cmd_batch_mark(struct cat *c);

/* Prints on stdout the profile report of the live records changed since
   mark that belong to a collection with a profile, and updates the
   clusters. Returns CMD_OK, or the status of cmd_fail(name, ...) after
   printing the error. Records with profile errors do not fail the command:
   the report says what to fix. */
int cmd_batch_report(struct wy_home *h, int64_t mark, const char *name);

#endif
