/*
 * cmd_import.h - the option parsing and orchestration that import and
 * validate share (one pipeline, two commands).
 */
#ifndef ACCTBATCH_CMD_IMPORT_H
#define ACCTBATCH_CMD_IMPORT_H

#include <stdbool.h>

#include "app.h"

/*
 * import_command: run import (VALIDATE false) or validate (true) with the
 * command's ARGC/ARGV (argv[0] is the command name). Returns the exit status.
 */
int import_command(int argc, char **argv, struct app *app, bool validate);

#endif
