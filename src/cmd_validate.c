/*
 * cmd_validate.c - "acctbatch validate FILE...": check files against the
 * schemas and field rules without a database; exit 0 when clean, 1 when
 * problems were found.
 */
#include "app.h"
#include "cmd_import.h"

int cmd_validate(int argc, char **argv, struct app *app)
{
	return import_command(argc, argv, app, true);
}
