/*
 * cmd_init.c - "acctbatch init": create the database or migrate it to the
 * current schema version (every other command does this implicitly too).
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "store.h"

int cmd_init(int argc, char **argv, struct app *app)
{
	struct store *store = NULL;
	enum store_status st;
	int status = EXIT_DONE;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: acctbatch [--db PATH] init\n");
		return EXIT_DONE;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: acctbatch [--db PATH] init\n");
		return EXIT_USAGE;
	}
	st = store_open(app->db_path, app->busy_ms, &store);
	if (st != STORE_OK) {
		status = app_store_failed(app, store, st, NULL);
	} else {
		app_note(app, "database '%s' is at schema version %d", app->db_path,
			 store_schema_version(store));
	}
	store_close(store);
	return status;
}
