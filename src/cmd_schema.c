/*
 * cmd_schema.c - "acctbatch schema ENTITY": print the entity's XSD.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "entity.h"
#include "xsd.h"

int cmd_schema(int argc, char **argv, struct app *app)
{
	const struct entity *e;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: acctbatch schema accounts|logins|contacts|invoices\n");
		return EXIT_DONE;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: acctbatch schema accounts|logins|contacts|invoices\n");
		return EXIT_USAGE;
	}
	e = entity_by_name(argv[1]);
	if (!e) {
		app_error(app, "unknown entity '%s' (accounts, logins, contacts, invoices)",
			  argv[1]);
		return EXIT_USAGE;
	}
	if (xsd_write(e, stdout) != 0 || fflush(stdout) != 0) {
		app_error(app, "cannot write the schema");
		return EXIT_IOERR;
	}
	return EXIT_DONE;
}
