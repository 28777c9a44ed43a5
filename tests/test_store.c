/*
 * test_store.c - the SQLite store: schema and migration, the tables in step
 * with the entity tables, row round trips, the journal (pre-update hook, chunks), batches and
 * rollback. Uses a fresh database file per test (a second connection reads
 * what the store wrote).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "image.h"
#include "revert.h"
#include "store.h"
#include "store_history.h"
#include "store_lists.h"

#include "testlib.h"

/*
 * The store's progress handler asks stop_signal() every 1000 SQLite VM
 * instructions: wrapped here (-Wl,--wrap=stop_signal), the calls count the
 * work a store call did, the same on every machine and every run.
 */
static long vm_work;

int __wrap_stop_signal(void);
int __wrap_stop_signal(void)
{
	vm_work++;
	return 0;
}

struct fixture {
	char path[64];	     /* database file */
	struct store *store; /* open store */
	sqlite3 *peek;	     /* second connection for assertions */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/test_store_XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	assert_int_equal(store_open(f->path, 1000, &f->store), STORE_OK);
	assert_int_equal(sqlite3_open(f->path, &f->peek), SQLITE_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	sqlite3_close(f->peek);
	test_remove_database(f->path);
	free(f);
	return 0;
}

/* The single text value of SQL on the second connection ("" for none). */
static char *scalar(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	char *out;

	assert_int_equal(sqlite3_prepare_v2(f->peek, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	else
		out = strdup("");
	sqlite3_finalize(st);
	return out;
}

static void assert_scalar(struct fixture *f, const char *sql, const char *want)
{
	char *got = scalar(f, sql);
	assert_string_equal(got, want);
	free(got);
}

static void set(struct row *r, const struct entity *e, const char *field, const char *v)
{
	int i = entity_field_index(e, field, strlen(field));
	assert_true(i >= 0);
	assert_int_equal(row_set(r, i, v, strlen(v)), 0);
}

static void account_row(struct row *r, const char *id)
{
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);

	memset(r, 0, sizeof(*r));
	set(r, e, "account_id", id);
	set(r, e, "name", "Name");
	set(r, e, "email", "Holder@Example.org");
	set(r, e, "country", "DE");
	set(r, e, "status", "active");
	set(r, e, "created_at", "2026-01-01T00:00:00Z");
	set(r, e, "updated_at", "2026-01-01T00:00:00Z");
}

/* A contact of ACCOUNT with EMAIL, every required field set. */
static void contact_row(struct row *r, const char *account, const char *email)
{
	const struct entity *c = entity_get(ENTITY_CONTACTS);

	set(r, c, "account_id", account);
	set(r, c, "first_name", "F");
	set(r, c, "last_name", "L");
	set(r, c, "email", email);
	set(r, c, "country", "SE");
	set(r, c, "standard_invoices", "1");
	set(r, c, "summary_invoices", "0");
	set(r, c, "important_notices", "0");
	set(r, c, "created_at", "x");
	set(r, c, "updated_at", "x");
}

static void test_a_new_database_is_at_the_current_schema_version_in_wal_mode(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_schema_version(f->store), STORE_SCHEMA_VERSION);
	assert_scalar(f, "PRAGMA journal_mode", "wal");
	assert_scalar(f,
		      "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE "
		      "type='table' AND sql LIKE '%STRICT%' ORDER BY name)",
		      "accounts,batches,contacts,export_jobs,invoices,journal_chunks,"
		      "journal_keys,list_builds,logins");
}

static void test_table_columns_match_the_entity_tables(void **state)
{
	struct fixture *f = *state;

	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		char want[1024] = "", sql[256];
		for (size_t i = 0; i < e->nfields; i++) {
			if (!field_stored(&e->fields[i]))
				continue;
			strcat(want, want[0] ? "," : "");
			strcat(want, e->fields[i].name);
		}
		strcat(want, ",inserted_by");
		snprintf(sql, sizeof(sql),
			 "SELECT group_concat(name) FROM (SELECT name FROM pragma_table_info('%s') "
			 "ORDER BY cid)",
			 e->plural);
		/* the same set: compare sorted lists */
		char *got = scalar(f, sql);
		char sorted_sql[2048];
		snprintf(sorted_sql, sizeof(sorted_sql),
			 "WITH RECURSIVE split(w, rest) AS (SELECT '', '%s' || ',' UNION ALL "
			 "SELECT substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, "
			 "',') + 1) "
			 "FROM split WHERE rest <> '') SELECT group_concat(w) FROM (SELECT w FROM "
			 "split "
			 "WHERE w <> '' ORDER BY w)",
			 want);
		char *want_sorted = scalar(f, sorted_sql);
		snprintf(sorted_sql, sizeof(sorted_sql),
			 "SELECT group_concat(name) FROM (SELECT name FROM pragma_table_info('%s') "
			 "ORDER BY name)",
			 e->plural);
		char *got_sorted = scalar(f, sorted_sql);
		assert_string_equal(got_sorted, want_sorted);
		free(got);
		free(want_sorted);
		free(got_sorted);
	}
}

/*
 * The rules the tables enforce follow the entity tables: a boolean column
 * holds 0 or 1, an enumeration one of its values, a required field is NOT
 * NULL. A field added to entity.c without its column rule fails here.
 */
static void test_the_column_rules_follow_the_entity_tables(void **state)
{
	struct fixture *f = *state;

	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		char sql[256], want[512];
		char *ddl;
		snprintf(sql, sizeof(sql),
			 "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = '%s'",
			 e->plural);
		ddl = scalar(f, sql);
		for (size_t i = 0; i < e->nfields; i++) {
			const struct field *fd = &e->fields[i];
			size_t n = 0;
			char *notnull;
			if (!field_stored(fd))
				continue;
			if (fd->type == FT_BOOL) {
				snprintf(want, sizeof(want), "CHECK (%s IN (0,1))", fd->name);
				assert_non_null(strstr(ddl, want));
			}
			if (fd->type == FT_ENUM) {
				n = (size_t)snprintf(want, sizeof(want), "CHECK (%s IN (",
						     fd->name);
				for (int v = 0; fd->values[v]; v++)
					n += (size_t)snprintf(want + n, sizeof(want) - n, "%s'%s'",
							      v ? "," : "", fd->values[v]);
				snprintf(want + n, sizeof(want) - n, "))");
				assert_non_null(strstr(ddl, want));
			}
			snprintf(
				sql, sizeof(sql),
				"SELECT \"notnull\" FROM pragma_table_info('%s') WHERE name = '%s'",
				e->plural, fd->name);
			notnull = scalar(f, sql);
			/* required, defaulted and tool-kept fields always have a value,
			 * and so does a password's hash (the password rules) */
			assert_string_equal(notnull, (fd->flags & (F_REQUIRED | F_TOOL)) ||
								     fd->default_value ||
								     fd->role == ROLE_HASH
							     ? "1"
							     : "0");
			free(notnull);
		}
		free(ddl);
	}
}

static void test_every_change_is_journaled_with_before_and_after_images(void **state)
{
	struct fixture *f = *state;
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);
	struct row r, found;

	memset(&found, 0, sizeof(found));
	int64_t batch;

	account_row(&r, "A-1");
	assert_int_equal(
		store_begin_batch(f->store, "import", "test", "2026-11-26T00:00:00Z", &batch),
		STORE_OK);
	assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
	set(&r, e, "name", "Renamed");
	assert_int_equal(store_update(f->store, e, &r), STORE_OK);
	assert_int_equal(store_find(f->store, e, &r, &found), 1);
	assert_string_equal(found.v[1], "Renamed");
	assert_int_equal(store_delete(f->store, e, &r), STORE_OK);
	assert_int_equal(store_find(f->store, e, &r, &found), 0);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "2026-11-26T00:00:01Z", true),
			 STORE_OK);
	/* every entry has an id, in the order made */
	assert_scalar(
		f,
		"SELECT group_concat(op) || ' ' || count(id) FROM (SELECT op, id FROM journal "
		"WHERE batch_id = 1 ORDER BY id)",
		"insert,update,delete 3");
	/* the insert is derived from the row: as inserted, not as it was last */
	assert_scalar(f,
		      "SELECT key || ' ' || json_extract(after, '$.name') || ' ' || "
		      "json_extract(after, '$.inserted_by') FROM journal WHERE op = 'insert' AND "
		      "before IS NULL",
		      "A-1 Name 1");
	assert_scalar(f,
		      "SELECT json_extract(before, '$.name') || '>' || json_extract(after, "
		      "'$.name') FROM journal WHERE op = 'update'",
		      "Name>Renamed");
	assert_scalar(f,
		      "SELECT key || ' ' || account_id FROM journal WHERE op = 'delete' AND after "
		      "IS NULL",
		      "A-1 A-1");
	assert_scalar(f, "SELECT outcome || ' ' || ended_at FROM batches WHERE id = 1",
		      "committed 2026-11-26T00:00:01Z");
	/* a chunk holds entries of one kind: the compact insert, its key
	 * alone, then the update and the delete */
	assert_scalar(f, "SELECT journal_from || '-' || journal_to FROM batches WHERE id = 1",
		      "1-2");
	assert_scalar(f,
		      "SELECT group_concat(coalesce(entity, 'full') || ':' || changes, ' ') FROM "
		      "(SELECT entity, CASE WHEN entity IS NULL THEN json_array_length(changes) "
		      "ELSE changes END AS changes FROM journal_chunks ORDER BY id)",
		      "accounts:[\"A-1\"] full:2");
	/* the chunk holds each image as an array of the table's columns in
	 * order (schema 7); the view shows it as an object by column name */
	assert_scalar(
		f,
		"SELECT json_type(changes, '$[0][4]') || ' ' || json_type(changes, '$[0][5]') "
		"|| ' ' || json_array_length(changes, '$[0][5]') || ' ' || (SELECT count(*) "
		"FROM pragma_table_info('accounts')) || ' ' || (changes ->> '$[0][5][1]') "
		"FROM journal_chunks WHERE entity IS NULL",
		"array array 15 15 Renamed");
	assert_scalar(f,
		      "SELECT (SELECT group_concat(key) FROM json_each(before)) = (SELECT "
		      "group_concat(name) FROM pragma_table_info('accounts')) FROM journal_logged "
		      "WHERE op = 'update'",
		      "1");
	row_release(&r);
	row_release(&found);
	row_release(&found);
}

/* A batch that inserts account ID and renames it: an insert and an update. */
static int64_t insert_and_rename(struct fixture *f, const char *id)
{
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);
	struct row r;
	int64_t batch;

	account_row(&r, id);
	assert_int_equal(
		store_begin_batch(f->store, "import", "test", "2026-11-26T00:00:00Z", &batch),
		STORE_OK);
	assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
	set(&r, e, "name", "Renamed");
	assert_int_equal(store_update(f->store, e, &r), STORE_OK);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "2026-11-26T00:00:01Z", true),
			 STORE_OK);
	row_release(&r);
	return batch;
}

/* store_each_change hands the update over as written, with the columns. */
static int keep_update(void *ctx, const struct change_info *c)
{
	json_t **images = ctx;

	if (strcmp(c->op, "update") != 0)
		return 0;
	assert_int_equal(c->before[0], '[');
	assert_int_equal(c->after[0], '[');
	images[0] = image_parse(c->before, c->columns, c->ncolumns);
	images[1] = image_parse(c->after, c->columns, c->ncolumns);
	return 0;
}

/* The arrays store_each_change hands over read as the view's objects. */
static void test_changes_come_as_written_with_their_columns(void **state)
{
	struct fixture *f = *state;
	json_t *got[2] = {NULL, NULL};
	int64_t batch;
	char *before, *after;
	json_t *want[2];

	batch = insert_and_rename(f, "A-8");
	assert_int_equal(store_each_change(f->store, batch, keep_update, got), STORE_OK);
	before = scalar(f, "SELECT before FROM journal WHERE op = 'update'");
	after = scalar(f, "SELECT after FROM journal WHERE op = 'update'");
	want[0] = json_loads(before, 0, NULL);
	want[1] = json_loads(after, 0, NULL);
	for (int k = 0; k < 2; k++) {
		assert_non_null(got[k]);
		assert_non_null(want[k]);
		assert_true(json_equal(got[k], want[k]));
		json_decref(got[k]);
		json_decref(want[k]);
	}
	/* an array of another length than the columns is refused */
	assert_null(image_parse("[1,2]", (const char *const[]){"a", "b", "c"}, 3));
	free(before);
	free(after);
}

/* A batch journaled before schema 7 holds its images as objects: they read
 * the same as the arrays written now. */
static void test_images_written_as_objects_read_the_same(void **state)
{
	struct fixture *f = *state;
	char *now, *old;

	insert_and_rename(f, "A-9");
	now = scalar(f, "SELECT before || after FROM journal WHERE op = 'update'");
	assert_int_equal(sqlite3_exec(f->peek,
				      "UPDATE journal_chunks SET changes = json_set(changes, "
				      "'$[0][4]', json((SELECT before FROM journal_logged)), "
				      "'$[0][5]', json((SELECT after FROM journal_logged))) "
				      "WHERE entity IS NULL",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_scalar(
		f, "SELECT json_type(changes, '$[0][4]') FROM journal_chunks WHERE entity IS NULL",
		"object");
	old = scalar(f, "SELECT before || after FROM journal WHERE op = 'update'");
	assert_string_equal(old, now);
	free(now);
	free(old);
}

/* A list of changes as text, "op key,...", in a buffer of 16 KiB. */
#define LIST_SIZE (1 << 14)

/* Appends "op key" of each change to the list CTX. */
static int list_change(void *ctx, const struct change_info *c)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, LIST_SIZE - n, "%s%s %s", n ? "," : "", c->op, c->key);
	return 0;
}

/* A batch's changes come in the order it made them, inserts among them. */
static void test_a_batch_lists_its_changes_in_the_order_made(void **state)
{
	struct fixture *f = *state;
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);
	struct row r;
	int64_t batch;
	char got[LIST_SIZE] = "";

	insert_and_rename(f, "A-1");
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	account_row(&r, "A-3");
	assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
	row_release(&r);
	account_row(&r, "A-1");
	set(&r, e, "name", "Again");
	assert_int_equal(store_update(f->store, e, &r), STORE_OK);
	row_release(&r);
	account_row(&r, "A-2");
	assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
	assert_int_equal(store_delete(f->store, e, &r), STORE_OK);
	row_release(&r);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	assert_int_equal(store_each_change(f->store, batch, list_change, got), STORE_OK);
	assert_string_equal(got, "insert A-3,update A-1,insert A-2,delete A-2");
	assert_scalar(f,
		      "SELECT group_concat(op || ' ' || key) FROM (SELECT op, key FROM journal "
		      "WHERE batch_id = 2 ORDER BY id)",
		      "insert A-3,update A-1,insert A-2,delete A-2");
	/* the deleted row's insert shows it as inserted, from the delete's image */
	assert_scalar(f, "SELECT after ->> 'name' FROM journal WHERE key = 'A-2' AND op = 'insert'",
		      "Name");
}

/* Close F's store and turn its database back into schema 7's journal: each
 * batch's compact inserts one list in journal_inserts, no entity column. */
static void downgrade_to_7(struct fixture *f)
{
	store_close(f->store);
	f->store = NULL;
	assert_int_equal(
		sqlite3_exec(
			f->peek,
			"DROP VIEW journal; DROP VIEW journal_logged; CREATE TABLE journal_inserts("
			"id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, entity TEXT NOT NULL, "
			"keys TEXT NOT NULL) STRICT; INSERT INTO journal_inserts(batch_id, entity, "
			"keys) SELECT 1, 'accounts', json_group_array(value) FROM (SELECT k.value "
			"FROM journal_chunks AS c, json_each(c.changes) AS k WHERE c.entity = "
			"'accounts' ORDER BY c.id, k.key); DELETE FROM journal_chunks WHERE entity "
			"IS NOT NULL; DROP INDEX journal_chunks_batch; ALTER TABLE journal_chunks "
			"DROP COLUMN entity; CREATE INDEX journal_chunks_batch ON "
			"journal_chunks(batch_id); PRAGMA user_version = 7",
			NULL, NULL, NULL),
		SQLITE_OK);
}

/* After migration 8 a database whose only chunks were insert lists writes
 * chunk 0 next: a batch's chunk range still says so. */
static void test_the_first_chunk_after_the_migration_may_be_chunk_0(void **state)
{
	struct fixture *f = *state;
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);
	struct row r;
	int64_t batch;
	char got[LIST_SIZE] = "";

	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	account_row(&r, "A-1");
	assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
	row_release(&r);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	downgrade_to_7(f);
	assert_int_equal(store_open(f->path, 1000, &f->store), STORE_OK);
	assert_scalar(f, "SELECT group_concat(id) FROM journal_chunks", "-1");
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	account_row(&r, "A-2");
	assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
	row_release(&r);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	assert_scalar(f, "SELECT journal_from || '-' || journal_to FROM batches WHERE id = 2",
		      "0-0");
	assert_int_equal(store_each_change(f->store, 2, list_change, got), STORE_OK);
	assert_string_equal(got, "insert A-2");
}

/* Schema 7 kept a batch's inserted keys in journal_inserts, one list per
 * entity (of any length after migration 6): they become chunks of at most
 * 256 keys, ids below zero, in their order, and read as before. */
static void test_insert_lists_of_schema_7_become_chunks_in_their_order(void **state)
{
	struct fixture *f = *state;
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);
	struct row r;
	int64_t batch;
	char id[32], *got = calloc(1, LIST_SIZE), want[64];

	assert_non_null(got);
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	for (int i = 599; i >= 0; i--) {
		snprintf(id, sizeof(id), "A-%04d", i);
		account_row(&r, id);
		assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
		row_release(&r);
	}
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	account_row(&r, "A-0001");
	set(&r, e, "name", "Renamed");
	assert_int_equal(store_update(f->store, e, &r), STORE_OK);
	row_release(&r);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	/* the journal as schema 7 kept it: one list of 600 keys */
	downgrade_to_7(f);
	assert_scalar(f, "SELECT json_array_length(keys) FROM journal_inserts", "600");
	assert_int_equal(store_open(f->path, 1000, &f->store), STORE_OK);
	assert_int_equal(store_schema_version(f->store), STORE_SCHEMA_VERSION);
	assert_scalar(f,
		      "SELECT group_concat(id || ':' || json_array_length(changes)) FROM (SELECT "
		      "id, changes FROM journal_chunks WHERE entity = 'accounts' ORDER BY id)",
		      "-3:256,-2:256,-1:88");
	assert_int_equal(store_each_change(f->store, 1, list_change, got), STORE_OK);
	assert_int_equal(strlen(got), 600 * strlen("insert A-0000") + 599);
	assert_memory_equal(got, "insert A-0599,insert A-0598,", 28);
	snprintf(want, sizeof(want), "%s", got + strlen(got) - 27);
	assert_string_equal(want, "insert A-0001,insert A-0000");
	assert_scalar(f,
		      "SELECT count(DISTINCT id) || ' ' || (SELECT after ->> 'name' FROM journal "
		      "WHERE key = 'A-0001' AND op = 'insert') FROM journal WHERE batch_id = 1",
		      "600 Name");
	free(got);
}

static void test_a_rolled_back_batch_leaves_nothing_behind(void **state)
{
	struct fixture *f = *state;
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);
	struct row r;
	int64_t batch;
	long counts[ENTITY_COUNT][3];

	account_row(&r, "A-2");
	assert_int_equal(
		store_begin_batch(f->store, "import", "test", "2026-11-26T00:00:00Z", &batch),
		STORE_OK);
	assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
	assert_int_equal(store_batch_counts(f->store, batch, counts), STORE_OK);
	assert_int_equal(counts[ENTITY_ACCOUNTS][0], 1);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "x", false), STORE_OK);
	assert_scalar(f, "SELECT count(*) FROM accounts", "0");
	assert_scalar(f, "SELECT count(*) FROM journal", "0");
	assert_scalar(f, "SELECT count(*) FROM batches", "0");
	row_release(&r);
}

static void test_contacts_key_on_the_lower_cased_email(void **state)
{
	struct fixture *f = *state;
	const struct entity *a = entity_get(ENTITY_ACCOUNTS), *c = entity_get(ENTITY_CONTACTS);
	struct row acct, r, key, found;

	memset(&r, 0, sizeof(r));
	memset(&key, 0, sizeof(key));
	memset(&found, 0, sizeof(found));
	int64_t batch;
	long usage[ENTITY_COUNT];

	account_row(&acct, "A-3");
	contact_row(&r, "A-3", "Anna.Lind@Example.ORG");
	set(&key, c, "account_id", "A-3");
	set(&key, c, "email", "anna.lind@example.org");
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	assert_int_equal(store_insert(f->store, a, &acct), STORE_OK);
	assert_int_equal(store_insert(f->store, c, &r), STORE_OK);
	assert_int_equal(store_find(f->store, c, &key, &found), 1);
	assert_string_equal(found.v[3], "Anna.Lind@Example.ORG");
	assert_int_equal(store_account_usage(f->store, "A-3", usage), STORE_OK);
	assert_int_equal(usage[ENTITY_CONTACTS], 1);
	assert_int_equal(usage[ENTITY_ACCOUNTS] + usage[ENTITY_LOGINS] + usage[ENTITY_INVOICES], 0);
	assert_int_equal(store_account_exists(f->store, "A-3"), 1);
	assert_int_equal(store_account_exists(f->store, "a-3"), 0);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	assert_scalar(f, "SELECT key FROM journal WHERE entity = 'contacts'",
		      "[\"A-3\",\"anna.lind@example.org\"]");
	row_release(&acct);
	row_release(&r);
	row_release(&key);
	row_release(&found);
}

static void test_a_contact_of_a_missing_account_fails_the_commit(void **state)
{
	struct fixture *f = *state;
	const struct entity *c = entity_get(ENTITY_CONTACTS);
	struct row r;

	memset(&r, 0, sizeof(r));
	int64_t batch;

	contact_row(&r, "NOPE", "a@b.example");
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	/* foreign keys are checked at commit (deferred), which then fails whole */
	assert_int_equal(store_insert(f->store, c, &r), STORE_OK);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_ERROR);
	assert_non_null(strstr(store_errmsg(f->store), "FOREIGN KEY"));
	assert_scalar(f, "SELECT count(*) FROM contacts", "0");
	assert_scalar(f, "SELECT count(*) FROM batches", "0");
	row_release(&r);
}

static void test_a_database_from_a_newer_acctbatch_is_refused(void **state)
{
	struct fixture *f = *state;
	struct store *other = NULL;

	assert_int_equal(sqlite3_exec(f->peek, "PRAGMA user_version = 99", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(store_open(f->path, 100, &other), STORE_ERROR);
	assert_non_null(strstr(store_errmsg(other), "newer"));
	store_close(other);
}

static void test_a_large_batch_is_journaled_in_chunks_and_a_rollback_leaves_none(void **state)
{
	struct fixture *f = *state;
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);
	struct row r;
	int64_t batch;
	long counts[ENTITY_COUNT][3];
	char id[32];

	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	for (int i = 0; i < 600; i++) {
		snprintf(id, sizeof(id), "A-%04d", i);
		account_row(&r, id);
		assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
		row_release(&r);
	}
	assert_int_equal(store_batch_counts(f->store, batch, counts), STORE_OK);
	assert_int_equal(counts[ENTITY_ACCOUNTS][0], 600);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	/* an insert costs the journal its key alone: each row names its batch */
	assert_scalar(f,
		      "SELECT count(*) || ' ' || group_concat(json_array_length(changes)) FROM "
		      "journal_chunks WHERE entity = 'accounts'",
		      "3 256,256,88");
	assert_scalar(f, "SELECT count(*) FROM journal_chunks WHERE entity IS NULL", "0");
	assert_scalar(
		f, "SELECT count(*) || ' ' || count(DISTINCT id) FROM journal WHERE batch_id = 1",
		"600 600");
	assert_scalar(f, "SELECT count(*) FROM accounts WHERE inserted_by = 1", "600");
	/* 600 updates are logged in three chunks */
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	for (int i = 0; i < 600; i++) {
		snprintf(id, sizeof(id), "A-%04d", i);
		account_row(&r, id);
		set(&r, e, "name", "Renamed");
		assert_int_equal(store_update(f->store, e, &r), STORE_OK);
		row_release(&r);
	}
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	/* a rolled-back batch's buffered changes never reach a later batch */
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	account_row(&r, "A-0000");
	set(&r, e, "name", "Rolled back");
	assert_int_equal(store_update(f->store, e, &r), STORE_OK);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", false), STORE_OK);
	row_release(&r);
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	account_row(&r, "C-1");
	assert_int_equal(store_insert(f->store, e, &r), STORE_OK);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	row_release(&r);
	assert_scalar(
		f, "SELECT count(*) || ' ' || count(DISTINCT id) FROM journal WHERE batch_id = 2",
		"600 600");
	assert_scalar(f, "SELECT journal_from || '-' || journal_to FROM batches WHERE id = 2",
		      "4-6");
	assert_scalar(f, "SELECT group_concat(key || ':' || op) FROM journal WHERE batch_id = 3",
		      "C-1:insert");
	assert_scalar(f, "SELECT count(*) FROM journal WHERE after ->> 'name' = 'Rolled back'",
		      "0");
	/* the view keeps the order of the changes */
	assert_scalar(f, "SELECT key FROM journal WHERE batch_id = 2 ORDER BY id LIMIT 1",
		      "A-0000");
	assert_scalar(f, "SELECT key FROM journal WHERE batch_id = 2 ORDER BY id DESC LIMIT 1",
		      "A-0599");
	/* every insert of batch 1 still shows the row as inserted */
	assert_scalar(f,
		      "SELECT count(*) FROM journal WHERE batch_id = 1 AND op = 'insert' AND "
		      "after ->> 'name' = 'Name'",
		      "600");
}

static void test_a_cascade_of_many_rows_keeps_journal_ids_unique(void **state)
{
	struct fixture *f = *state;
	const struct entity *a = entity_get(ENTITY_ACCOUNTS), *c = entity_get(ENTITY_CONTACTS);
	struct row acct, r;
	int64_t batch;
	char email[64];

	memset(&r, 0, sizeof(r));
	account_row(&acct, "CASCADE-1");
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	assert_int_equal(store_insert(f->store, a, &acct), STORE_OK);
	contact_row(&r, "CASCADE-1", "c0@x.example");
	for (int i = 0; i < 1300; i++) {
		snprintf(email, sizeof(email), "c%d@x.example", i);
		set(&r, c, "email", email);
		assert_int_equal(store_insert(f->store, c, &r), STORE_OK);
	}
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	/* one DELETE statement removes 1,300 rows: the journal still splits them */
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	assert_int_equal(store_delete_children(f->store, "CASCADE-1"), STORE_OK);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	assert_scalar(f, "SELECT count(*) || ' ' || count(DISTINCT id) FROM journal", "2601 2601");
	/* the deleted rows' inserts are still there, derived from their last images */
	assert_scalar(f, "SELECT count(*) FROM journal WHERE batch_id = 1 AND op = 'insert'",
		      "1301");
	assert_scalar(f, "SELECT max(json_array_length(changes)) FROM journal_chunks", "256");
	assert_scalar(f, "SELECT count(*) FROM journal WHERE batch_id = 2 AND op = 'delete'",
		      "1300");
	row_release(&acct);
	row_release(&r);
}

/* Accounts A-0..A-(N-1) in one batch, with one contact each; returns the batch. */
static int64_t fill(struct fixture *f, int n)
{
	struct row r;
	int64_t batch;
	char id[32], email[64];

	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "A-%06d", i);
		snprintf(email, sizeof(email), "c%d@example.org", i);
		account_row(&r, id);
		assert_int_equal(store_insert(f->store, entity_get(ENTITY_ACCOUNTS), &r), STORE_OK);
		row_release(&r);
		memset(&r, 0, sizeof(r));
		contact_row(&r, id, email);
		assert_int_equal(store_insert(f->store, entity_get(ENTITY_CONTACTS), &r), STORE_OK);
		row_release(&r);
	}
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	return batch;
}

static int count_change(void *ctx, const struct change_info *c)
{
	(void)c;
	++*(long *)ctx;
	return 0;
}

/* The VM work of listing the changes of a batch that updated one account,
 * on a database of N accounts and N contacts. */
static long work_of_one_change_history(int n)
{
	struct fixture *f;
	struct row r;
	int64_t batch;
	long changes = 0, work;

	setup((void **)&f);
	fill(f, n);
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	account_row(&r, "A-000001");
	set(&r, entity_get(ENTITY_ACCOUNTS), "name", "Renamed");
	assert_int_equal(store_update(f->store, entity_get(ENTITY_ACCOUNTS), &r), STORE_OK);
	row_release(&r);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	vm_work = 0;
	assert_int_equal(store_each_change(f->store, batch, count_change, &changes), STORE_OK);
	work = vm_work;
	assert_int_equal(changes, 1);
	teardown((void **)&f);
	return work;
}

static void test_the_history_of_a_one_change_batch_costs_the_same_on_a_larger_database(void **state)
{
	long small = work_of_one_change_history(500), large = work_of_one_change_history(8000);

	(void)state;
	/* it read every table and the whole journal: 16 times the rows was
	 * about 16 times the work */
	if (large > small + 2)
		fail_msg("listing one change took %ld units on 8,000 rows, %ld on 500", large,
			 small);
}

/* The VM work of a second revert of a batch of N rows that a first revert undid (refused). */
static long work_of_a_refused_revert(int n, long *conflicts)
{
	struct fixture *f;
	struct revert_opts o;
	struct revert_result res;
	int64_t batch;
	long work;

	setup((void **)&f);
	batch = fill(f, n);
	memset(&o, 0, sizeof(o));
	o.batch = batch;
	o.command = "t";
	o.now = "t";
	revert_batch(f->store, &o, &res);
	assert_int_equal(res.outcome, REVERT_COMMITTED);
	vm_work = 0;
	revert_batch(f->store, &o, &res);
	work = vm_work;
	assert_int_equal(res.outcome, REVERT_CONFLICT);
	*conflicts = res.conflicts;
	teardown((void **)&f);
	return work;
}

static void test_a_refused_second_revert_costs_in_proportion_to_the_batch(void **state)
{
	long c1, c4, w1 = work_of_a_refused_revert(1000, &c1),
		     w4 = work_of_a_refused_revert(4000, &c4);

	(void)state;
	assert_int_equal(c1, 2000);
	assert_int_equal(c4, 8000);
	/* every later journal row was compared with every planned row: four
	 * times the rows was sixteen times the work */
	if (w4 > 6 * w1)
		fail_msg("a refused revert of 4 times the rows took %.1f times the work",
			 (double)w4 / (double)w1);
}

static void test_a_newer_database_is_left_byte_for_byte(void **state)
{
	struct fixture *f = *state;
	struct store *other = NULL;
	sqlite3 *db;
	char path[80], before[200], after[200];
	FILE *p;

	snprintf(path, sizeof(path), "%s.newer", f->path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA journal_mode = DELETE; CREATE TABLE t(x); "
				      "PRAGMA user_version = 99",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	snprintf(before, sizeof(before), "sha256sum < %s", path);
	p = popen(before, "r");
	assert_non_null(fgets(before, sizeof(before), p));
	pclose(p);
	assert_int_equal(store_open(path, 100, &other), STORE_ERROR);
	assert_non_null(strstr(store_errmsg(other), "newer"));
	store_close(other);
	snprintf(after, sizeof(after), "sha256sum < %s", path);
	p = popen(after, "r");
	assert_non_null(fgets(after, sizeof(after), p));
	pclose(p);
	/* switching it to WAL first changed its header */
	assert_string_equal(before, after);
	test_remove_database(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_a_new_database_is_at_the_current_schema_version_in_wal_mode, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_the_column_rules_follow_the_entity_tables,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_columns_match_the_entity_tables, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_every_change_is_journaled_with_before_and_after_images, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_images_written_as_objects_read_the_same, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_changes_come_as_written_with_their_columns,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_batch_lists_its_changes_in_the_order_made,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_insert_lists_of_schema_7_become_chunks_in_their_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_the_first_chunk_after_the_migration_may_be_chunk_0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_rolled_back_batch_leaves_nothing_behind,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts_key_on_the_lower_cased_email, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_a_contact_of_a_missing_account_fails_the_commit, setup, teardown),
		cmocka_unit_test(
			test_the_history_of_a_one_change_batch_costs_the_same_on_a_larger_database),
		cmocka_unit_test(test_a_refused_second_revert_costs_in_proportion_to_the_batch),
		cmocka_unit_test_setup_teardown(test_a_newer_database_is_left_byte_for_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_database_from_a_newer_acctbatch_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_large_batch_is_journaled_in_chunks_and_a_rollback_leaves_none, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_a_cascade_of_many_rows_keeps_journal_ids_unique, setup, teardown),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
