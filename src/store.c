/*
 * store.c - the SQLite implementation of store.h.
 *
 * Every statement is prepared once per run and bound with parameters; no
 * SQL text is ever built from data. Entity statements are built from the
 * field tables (column names only). The schema is created by numbered
 * migrations recorded in PRAGMA user_version. Every change this connection
 * makes to an entity table reaches the journal through SQLite's pre-update
 * hook (journal.c), so no store call can change a row unjournaled.
 */
#include "store.h"
#include "store_history.h"
#include "store_lists.h"

#include "journal.h"
#include "outfile.h"
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * The entities in dependency order, as SQL, frozen in migration 6 (a
 * migration is history: it must not follow later tables); the readers use
 * entity_order_sql, made from the entity enumeration.
 */
#define ENTITY_ORDER                                                                               \
	"CASE entity WHEN 'accounts' THEN 0 WHEN 'logins' THEN 1 WHEN 'contacts' THEN 2 ELSE 3 "   \
	"END"

/* "CASE entity WHEN 'accounts' THEN 0 ... END": the entities in dependency order, into BUF. */
static void entity_order_sql(char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "CASE entity");

	for (int id = 0; id < ENTITY_COUNT; id++)
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, " WHEN '%s' THEN %d",
				      entity_get(id)->plural, id);
	snprintf(buf + n, n < size ? size - n : 0, " END");
}

enum stmt_kind { ST_FIND, ST_INSERT, ST_UPDATE, ST_DELETE, ST_EACH_KEY, ST_KIND_COUNT };

struct store {
	sqlite3 *db;					 /* the connection */
	char errmsg[512];				 /* last error */
	sqlite3_stmt *stmt[ENTITY_COUNT][ST_KIND_COUNT]; /* per entity, lazily prepared */
	sqlite3_stmt *account_exists;			 /* SELECT 1 FROM accounts */
	sqlite3_stmt *usage;				 /* dependents of an account */
	bool in_tx;					 /* a transaction is open */
	int64_t batch;					 /* the batch in progress, 0 if none */
	struct journal *journal;			 /* the change journal (pre-update hook) */
	int busy_ms;					 /* how long to wait for a lock */
	int64_t plan_batch;				 /* the batch store_revert_plan planned */
	struct timespec busy_since;			 /* when the current wait began */
	char *fresh;   /* store_create: the temporary name the new database is built under */
	char *publish; /* store_create: the name it gets on store_publish */
	int fresh_fd;  /* store_create: keeps the temporary file ours; -1 if none */
};

/* Migration 1: the four entities, batches and the journal (chunks and view). */
static const char migration_1[] =
	"CREATE TABLE accounts(\n"
	"  account_id TEXT PRIMARY KEY NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  email TEXT NOT NULL,\n"
	"  full_name TEXT,\n"
	"  phone TEXT,\n"
	"  street TEXT,\n"
	"  city TEXT,\n"
	"  region TEXT,\n"
	"  postal_code TEXT,\n"
	"  country TEXT NOT NULL,\n"
	"  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN "
	"('active','suspended','closed')),\n"
	"  subscriptions TEXT,\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL\n"
	") STRICT, WITHOUT ROWID;\n"
	"CREATE TABLE logins(\n"
	"  email_norm TEXT PRIMARY KEY NOT NULL,\n"
	"  account_id TEXT NOT NULL REFERENCES accounts(account_id),\n"
	"  email TEXT NOT NULL,\n"
	"  full_name TEXT NOT NULL,\n"
	"  password_hash TEXT NOT NULL,\n"
	"  activate_licenses INTEGER NOT NULL CHECK (activate_licenses IN (0,1)),\n"
	"  make_purchases INTEGER NOT NULL CHECK (make_purchases IN (0,1)),\n"
	"  view_pay_invoices INTEGER NOT NULL CHECK (view_pay_invoices IN (0,1)),\n"
	"  invoice_created_alerts INTEGER NOT NULL CHECK (invoice_created_alerts IN (0,1)),\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  CHECK (activate_licenses + make_purchases + view_pay_invoices > 0)\n"
	") STRICT, WITHOUT ROWID;\n"
	"CREATE INDEX logins_account ON logins(account_id);\n"
	"CREATE TABLE contacts(\n"
	"  account_id TEXT NOT NULL REFERENCES accounts(account_id),\n"
	"  email_norm TEXT NOT NULL,\n"
	"  first_name TEXT NOT NULL,\n"
	"  last_name TEXT NOT NULL,\n"
	"  email TEXT NOT NULL,\n"
	"  country TEXT NOT NULL,\n"
	"  standard_invoices INTEGER NOT NULL CHECK (standard_invoices IN (0,1)),\n"
	"  summary_invoices INTEGER NOT NULL CHECK (summary_invoices IN (0,1)),\n"
	"  important_notices INTEGER NOT NULL CHECK (important_notices IN (0,1)),\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  PRIMARY KEY (account_id, email_norm)\n"
	") STRICT, WITHOUT ROWID;\n"
	"CREATE TABLE invoices(\n"
	"  invoice_number TEXT PRIMARY KEY NOT NULL,\n"
	"  account_id TEXT NOT NULL REFERENCES accounts(account_id),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('standard','summary')),\n"
	"  issued_on TEXT NOT NULL,\n"
	"  due_on TEXT NOT NULL CHECK (due_on >= issued_on),\n"
	"  currency TEXT NOT NULL,\n"
	"  total INTEGER NOT NULL CHECK (total >= 0),\n"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','paid','void')),\n"
	"  description TEXT,\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL\n"
	") STRICT, WITHOUT ROWID;\n"
	"CREATE INDEX invoices_account ON invoices(account_id);\n"
	"CREATE INDEX invoices_issued ON invoices(issued_on);\n"
	"CREATE TABLE batches(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  kind TEXT NOT NULL,\n"
	"  started_at TEXT NOT NULL,\n"
	"  ended_at TEXT,\n"
	"  command TEXT NOT NULL,\n"
	"  inputs TEXT NOT NULL DEFAULT '[]',\n"
	"  counts TEXT NOT NULL DEFAULT '{}',\n"
	"  outcome TEXT NOT NULL DEFAULT 'running',\n"
	"  reverts INTEGER REFERENCES batches(id),\n"
	"  journal_from INTEGER,\n"
	"  journal_to INTEGER\n"
	") STRICT;\n"
	"CREATE TABLE journal_chunks(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  batch_id INTEGER,\n"
	"  changes TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE VIEW journal(id, batch_id, entity, key, account_id, op, before, after) AS\n"
	"  SELECT c.id * 1000 + j.key, c.batch_id, j.value ->> 0, j.value ->> 1,\n"
	"         j.value ->> 2, j.value ->> 3,\n"
	"         CASE WHEN json_type(j.value, '$[4]') = 'null' THEN NULL ELSE j.value -> 4 END,\n"
	"         CASE WHEN json_type(j.value, '$[5]') = 'null' THEN NULL ELSE j.value -> 5 END\n"
	"  FROM journal_chunks AS c, json_each(c.changes) AS j;\n";
/*
 * Migration 2: rows remember the batch that inserted them (inserted_by), and
 * an insert made by a batch is no longer copied into journal_chunks: the
 * journal view (journal_view_5, below, made after this) derives it from the
 * row itself. Its "after" image is the row as inserted: the "before" image
 * of the first later change of that row, or the row as it is now.
 * journal_logged is what the chunks hold.
 */
static const char migration_2[] =
	"ALTER TABLE accounts ADD COLUMN inserted_by INTEGER;\n"
	"ALTER TABLE logins ADD COLUMN inserted_by INTEGER;\n"
	"ALTER TABLE contacts ADD COLUMN inserted_by INTEGER;\n"
	"ALTER TABLE invoices ADD COLUMN inserted_by INTEGER;\n"
	"DROP VIEW journal;\n"
	"CREATE VIEW journal_logged(id, batch_id, entity, key, account_id, op, before, after) AS\n"
	"  SELECT c.id * 1000 + j.key, c.batch_id, j.value ->> 0, j.value ->> 1,\n"
	"         j.value ->> 2, j.value ->> 3,\n"
	"         CASE WHEN json_type(j.value, '$[4]') = 'null' THEN NULL ELSE j.value -> 4 END,\n"
	"         CASE WHEN json_type(j.value, '$[5]') = 'null' THEN NULL ELSE j.value -> 5 END\n"
	"  FROM journal_chunks AS c, json_each(c.changes) AS j;\n";

/*
 * History: the journal view of schemas 2 to 5 (made by migration 2, again
 * by 5), the logged changes and the inserts derived from the rows that
 * name their batch, with the columns of those schemas. Migration 6 reads
 * it once to list each batch's inserts; migration 8 replaces it with the
 * views made from the entity tables (journal_views_sql).
 */
static const char journal_view_5[] =
	"CREATE VIEW journal(id, batch_id, entity, key, account_id, op, before, after) AS\n"
	"  SELECT id, batch_id, entity, key, account_id, op, before, after FROM journal_logged\n"
	"  UNION ALL\n"
	"  SELECT NULL, inserted_by, entity, key, account_id, 'insert', NULL, image FROM (\n"
	"    SELECT *, row_number() OVER (PARTITION BY entity, key, inserted_by\n"
	"                                 ORDER BY pos NULLS LAST) AS nth FROM (\n"
	"      SELECT entity, key, account_id, before ->> 'inserted_by' AS inserted_by,\n"
	"             before AS image, id AS pos\n"
	"      FROM journal_logged WHERE before ->> 'inserted_by' IS NOT NULL\n"
	"      UNION ALL\n"
	"      SELECT 'accounts', account_id, account_id, inserted_by, json_object(\n"
	"        'account_id', account_id, 'name', name, 'email', email,\n"
	"        'full_name', full_name, 'phone', phone, 'street', street,\n"
	"        'city', city, 'region', region, 'postal_code', postal_code,\n"
	"        'country', country, 'status', status, 'subscriptions', subscriptions,\n"
	"        'created_at', created_at, 'updated_at', updated_at, 'inserted_by', inserted_by\n"
	"      ), NULL FROM accounts WHERE inserted_by IS NOT NULL\n"
	"      UNION ALL\n"
	"      SELECT 'logins', lower(email), account_id, inserted_by, json_object(\n"
	"        'account_id', account_id, 'email', email, 'full_name', full_name,\n"
	"        'password_hash', password_hash, 'activate_licenses', activate_licenses,\n"
	"        'make_purchases', make_purchases, 'view_pay_invoices', view_pay_invoices,\n"
	"        'invoice_created_alerts', invoice_created_alerts, 'created_at', created_at,\n"
	"        'updated_at', updated_at, 'inserted_by', inserted_by\n"
	"      ), NULL FROM logins WHERE inserted_by IS NOT NULL\n"
	"      UNION ALL\n"
	"      SELECT 'contacts', json_array(account_id, lower(email)), account_id, inserted_by,\n"
	"             json_object(\n"
	"        'account_id', account_id, 'first_name', first_name, 'last_name', last_name,\n"
	"        'email', email, 'country', country, 'standard_invoices', standard_invoices,\n"
	"        'summary_invoices', summary_invoices, 'important_notices', important_notices,\n"
	"        'created_at', created_at, 'updated_at', updated_at, 'inserted_by', inserted_by\n"
	"      ), NULL FROM contacts WHERE inserted_by IS NOT NULL\n"
	"      UNION ALL\n"
	"      SELECT 'invoices', invoice_number, account_id, inserted_by, json_object(\n"
	"        'invoice_number', invoice_number, 'account_id', account_id, 'kind', kind,\n"
	"        'issued_on', issued_on, 'due_on', due_on, 'currency', currency,\n"
	"        'total', total, 'status', status, 'description', description,\n"
	"        'created_at', created_at, 'updated_at', updated_at, 'inserted_by', inserted_by\n"
	"      ), NULL FROM invoices WHERE inserted_by IS NOT NULL\n"
	"    )\n"
	"  ) WHERE nth = 1;\n";

/*
 * Migration 5: logins and contacts lose the column email_norm. The email
 * column compares with SQLite's NOCASE collation instead, which folds ASCII
 * letters as email_norm did, so keys, uniqueness and order stay the same;
 * rows are a sixth smaller, and so is every page a large import writes.
 * The tables are copied aside and made again, not renamed: ALTER TABLE ...
 * RENAME would also open the temporary database, and later batches could
 * then no longer set temp_store. The journal view is made again afterwards.
 */
static const char migration_5[] =
	"DROP VIEW IF EXISTS journal;\n" /* none yet when migration 2 ran just before */
	"CREATE TABLE old_logins AS SELECT * FROM logins;\n"
	"DROP TABLE logins;\n"
	"CREATE TABLE logins(\n"
	"  account_id TEXT NOT NULL REFERENCES accounts(account_id),\n"
	"  email TEXT NOT NULL COLLATE NOCASE,\n"
	"  full_name TEXT NOT NULL,\n"
	"  password_hash TEXT NOT NULL,\n"
	"  activate_licenses INTEGER NOT NULL CHECK (activate_licenses IN (0,1)),\n"
	"  make_purchases INTEGER NOT NULL CHECK (make_purchases IN (0,1)),\n"
	"  view_pay_invoices INTEGER NOT NULL CHECK (view_pay_invoices IN (0,1)),\n"
	"  invoice_created_alerts INTEGER NOT NULL CHECK (invoice_created_alerts IN (0,1)),\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  inserted_by INTEGER,\n"
	"  PRIMARY KEY (email),\n"
	"  CHECK (activate_licenses + make_purchases + view_pay_invoices > 0)\n"
	") STRICT, WITHOUT ROWID;\n"
	"INSERT INTO logins SELECT account_id, email, full_name, password_hash,\n"
	"  activate_licenses, make_purchases, view_pay_invoices, invoice_created_alerts,\n"
	"  created_at, updated_at, inserted_by FROM old_logins;\n"
	"DROP TABLE old_logins;\n"
	"CREATE INDEX logins_account ON logins(account_id);\n"
	"CREATE TABLE old_contacts AS SELECT * FROM contacts;\n"
	"DROP TABLE contacts;\n"
	"CREATE TABLE contacts(\n"
	"  account_id TEXT NOT NULL REFERENCES accounts(account_id),\n"
	"  first_name TEXT NOT NULL,\n"
	"  last_name TEXT NOT NULL,\n"
	"  email TEXT NOT NULL COLLATE NOCASE,\n"
	"  country TEXT NOT NULL,\n"
	"  standard_invoices INTEGER NOT NULL CHECK (standard_invoices IN (0,1)),\n"
	"  summary_invoices INTEGER NOT NULL CHECK (summary_invoices IN (0,1)),\n"
	"  important_notices INTEGER NOT NULL CHECK (important_notices IN (0,1)),\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  inserted_by INTEGER,\n"
	"  PRIMARY KEY (account_id, email)\n"
	") STRICT, WITHOUT ROWID;\n"
	"INSERT INTO contacts SELECT account_id, first_name, last_name, email, country,\n"
	"  standard_invoices, summary_invoices, important_notices, created_at, updated_at,\n"
	"  inserted_by FROM old_contacts;\n"
	"DROP TABLE old_contacts;\n";

/*
 * Migration 3: export jobs and their watermarks (export --since-last). A job
 * remembers, per entity and kind of export (rows or the change feed), the
 * last batch its last complete export included.
 */
static const char migration_3[] = "CREATE TABLE export_jobs(\n"
				  "  name TEXT NOT NULL,\n"
				  "  entity TEXT NOT NULL,\n"
				  "  changes INTEGER NOT NULL CHECK (changes IN (0,1)),\n"
				  "  last_batch INTEGER NOT NULL,\n"
				  "  exported_at TEXT NOT NULL,\n"
				  "  PRIMARY KEY (name, entity, changes)\n"
				  ") STRICT;\n";

/*
 * Migration 4: mailing-list builds (lists). Each build is a batch of kind
 * "lists" that changes no entity; this row says what it built: the archive
 * as named, its SHA-256 (lists verify looks it up), the as-of time, the
 * newest data batch it read, and its kinds, parameters and counts as JSON.
 */
static const char migration_4[] = "CREATE TABLE list_builds(\n"
				  "  batch_id INTEGER PRIMARY KEY REFERENCES batches(id),\n"
				  "  archive TEXT NOT NULL,\n"
				  "  sha256 TEXT NOT NULL,\n"
				  "  as_of TEXT NOT NULL,\n"
				  "  data_batch INTEGER NOT NULL,\n"
				  "  kinds TEXT NOT NULL,\n"
				  "  params TEXT NOT NULL,\n"
				  "  counts TEXT NOT NULL\n"
				  ") STRICT;\n"
				  "CREATE INDEX list_builds_sha256 ON list_builds(sha256);\n";

/*
 * Migration 6: what history and revert need of one batch is found through
 * indexes, in time proportional to the batch, not to the database: the
 * chunks of a batch (batch_id), the keys of the rows a batch inserted
 * (journal_inserts, one JSON array of keys per entity and up to 256 rows,
 * in insertion order: appended, so an import pays little for it), and
 * each logged change by its row (journal_keys, written by journal.c with
 * every chunk). The inserts and changes journaled so far are indexed here
 * once.
 */
static const char migration_6[] =
	"CREATE INDEX journal_chunks_batch ON journal_chunks(batch_id);\n"
	"CREATE TABLE journal_inserts(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  batch_id INTEGER NOT NULL,\n"
	"  entity TEXT NOT NULL,\n"
	"  keys TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE INDEX journal_inserts_batch ON journal_inserts(batch_id);\n"
	"CREATE TABLE journal_keys(\n"
	"  entity TEXT NOT NULL,\n"
	"  key TEXT NOT NULL,\n"
	"  change_id INTEGER NOT NULL,\n"
	"  batch_id INTEGER,\n"
	"  op TEXT NOT NULL,\n"
	"  inserted_by INTEGER,\n"
	"  PRIMARY KEY (entity, key, change_id)\n"
	") STRICT, WITHOUT ROWID;\n"
	"INSERT INTO journal_keys SELECT entity, key, id, batch_id, op, before ->> 'inserted_by'\n"
	"  FROM journal_logged;\n"
	"INSERT INTO journal_inserts(batch_id, entity, keys)\n"
	"  SELECT batch_id, entity, json_group_array(CASE WHEN key LIKE '[%'\n"
	"    THEN json(key) ELSE key END) FROM (SELECT batch_id, entity, key FROM journal\n"
	"    WHERE id IS NULL ORDER BY batch_id, " ENTITY_ORDER ", key)\n"
	"  GROUP BY batch_id, entity ORDER BY batch_id, " ENTITY_ORDER ";\n";

/*
 * Migration 8: one journal stream. Every entry, a compact insert included,
 * is in journal_chunks (journal.h): a chunk's entity says which kind it
 * holds (NULL: full entries; an entity: the keys of rows it inserted), and
 * its id orders it in its batch. Each list of journal_inserts becomes
 * chunks of at most 256 keys with ids below zero, in its order (an old
 * batch keeps showing its inserts first); the views are made from the
 * entity tables (journal_views_sql). Schema 7 only made journal_logged
 * again from the tables, which this does too.
 */
static const char migration_8[] =
	"DROP VIEW IF EXISTS journal;\n"
	"DROP VIEW IF EXISTS journal_logged;\n"
	"ALTER TABLE journal_chunks ADD COLUMN entity TEXT;\n"
	"DROP INDEX journal_chunks_batch;\n"
	"CREATE INDEX journal_chunks_batch ON journal_chunks(batch_id, entity);\n";

/* Append the insert list's chunk being built in BUF (N keys) with id *ID. */
static int put_insert_chunk(sqlite3_stmt *put, int64_t *id, int64_t batch, const char *entity,
			    char *buf, size_t *len, int *n)
{
	int rc;

	if (*n == 0)
		return SQLITE_OK;
	buf[(*len)++] = ']';
	sqlite3_bind_int64(put, 1, (*id)++);
	sqlite3_bind_int64(put, 2, batch);
	sqlite3_bind_text(put, 3, entity, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(put, 4, buf, (int)*len, SQLITE_STATIC);
	rc = sqlite3_step(put);
	sqlite3_reset(put);
	*len = 0;
	*n = 0;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Migration 8's move of journal_inserts into journal_chunks, one pass over the keys. */
static int move_insert_lists(struct store *s)
{
	sqlite3_stmt *keys = NULL, *put = NULL;
	char *buf = NULL, entity[64] = "";
	size_t len = 0, cap = 0;
	int64_t id = 0, list = 0, batch = 0;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(s->db,
				"SELECT -coalesce(sum((json_array_length(keys) + 255) / 256), 0) "
				"FROM journal_inserts",
				-1, &keys, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(keys) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(s->db);
	if (rc == SQLITE_OK)
		id = sqlite3_column_int64(keys, 0);
	sqlite3_finalize(keys);
	keys = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			s->db,
			"SELECT i.id, i.batch_id, i.entity, CASE k.type WHEN 'array' THEN "
			"json(k.value) ELSE json_quote(k.value) END FROM journal_inserts AS i, "
			"json_each(i.keys) AS k ORDER BY i.id, k.key",
			-1, &keys, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db,
					"INSERT INTO journal_chunks(id, batch_id, entity, changes) "
					"VALUES (?1, ?2, ?3, ?4)",
					-1, &put, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(keys)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(keys, 3);
		size_t klen = (size_t)sqlite3_column_bytes(keys, 3);
		rc = SQLITE_OK;
		if (n == 256 || (n && sqlite3_column_int64(keys, 0) != list))
			rc = put_insert_chunk(put, &id, batch, entity, buf, &len, &n);
		if (rc != SQLITE_OK)
			break;
		list = sqlite3_column_int64(keys, 0);
		batch = sqlite3_column_int64(keys, 1);
		snprintf(entity, sizeof(entity), "%s", (const char *)sqlite3_column_text(keys, 2));
		if (len + klen + 2 > cap) {
			char *nb = realloc(buf, (cap = (len + klen + 2) * 2));
			if (!nb) {
				rc = SQLITE_NOMEM;
				break;
			}
			buf = nb;
		}
		buf[len++] = n++ ? ',' : '[';
		memcpy(buf + len, key, klen);
		len += klen;
	}
	if (rc == SQLITE_DONE)
		rc = put_insert_chunk(put, &id, batch, entity, buf, &len, &n);
	sqlite3_finalize(keys);
	sqlite3_finalize(put);
	free(buf);
	return rc;
}

static int migrate_8(struct store *s)
{
	char *views = NULL;
	int rc = sqlite3_exec(s->db, migration_8, NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		rc = move_insert_lists(s);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "DROP TABLE journal_inserts", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = (views = journal_views_sql(s->db)) ? SQLITE_OK : SQLITE_NOMEM;
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, views, NULL, NULL, NULL);
	free(views);
	return rc;
}

/*
 * The journal is written in chunks of up to 256 entries (journal.c) and read
 * through the journal view, one row per change in order. The chunks a batch
 * writes are one id range (batches are serialised): batches.journal_from/_to;
 * the insert lists of a batch from before schema 8 are chunks with ids below
 * zero, outside it.
 */

/*
 * SQLite's busy handler: wait up to busy_ms for another run's lock, in
 * steps of 10 ms, and not at all once a stop signal came. 0 gives up.
 */
static int wait_while_busy(void *ctx, int count)
{
	struct store *s = ctx;
	struct timespec now, step = {0, 10 * 1000 * 1000};
	double waited;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0)
		s->busy_since = now;
	waited = (double)(now.tv_sec - s->busy_since.tv_sec) * 1000.0 +
		 (double)(now.tv_nsec - s->busy_since.tv_nsec) / 1e6;
	if (stop_signal() || waited >= s->busy_ms)
		return 0;
	nanosleep(&step, NULL);
	return 1;
}

/* SQLite's progress handler: non-zero interrupts the statement. */
static int stop_requested_cb(void *ctx)
{
	(void)ctx;
	return stop_signal() != 0;
}

static int set_error(struct store *s, const char *what)
{
	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what,
		 s->db ? sqlite3_errmsg(s->db) : "out of memory");
	return STORE_ERROR;
}

static enum store_status status_of(struct store *s, int rc, const char *what)
{
	if (stop_signal()) { /* whatever failed, the stop is what happened */
		snprintf(s->errmsg, sizeof(s->errmsg), "stopped by signal %d", stop_signal());
		return STORE_ERROR;
	}
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "database is locked by another run; try again later");
		return STORE_BUSY;
	}
	set_error(s, what);
	return STORE_ERROR;
}

/*
 * The end of a loop over a statement's rows that a callback may stop:
 * finalize ST; STORE_ERROR when the callback stopped it (its caller has
 * the message), else STORE_OK when the rows ran out (RC is SQLITE_DONE),
 * else the failure as WHAT.
 */
static enum store_status end_rows(struct store *s, sqlite3_stmt *st, int rc, int stopped,
				  const char *what)
{
	sqlite3_finalize(st);
	if (stopped)
		return STORE_ERROR;
	return rc == SQLITE_DONE ? STORE_OK : status_of(s, rc, what);
}

static enum store_status migrate(struct store *s)
{
	int version = store_schema_version(s);
	char sql[64];
	int rc;

	if (version > STORE_SCHEMA_VERSION) {
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "database schema version %d is newer than this acctbatch (%d)", version,
			 STORE_SCHEMA_VERSION);
		return STORE_ERROR;
	}
	if (version == STORE_SCHEMA_VERSION)
		return STORE_OK;
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot begin migration");
	version = store_schema_version(s); /* another run may have migrated meanwhile */
	if ((version < 1 && sqlite3_exec(s->db, migration_1, NULL, NULL, NULL) != SQLITE_OK) ||
	    (version < 2 && sqlite3_exec(s->db, migration_2, NULL, NULL, NULL) != SQLITE_OK) ||
	    (version < 3 && sqlite3_exec(s->db, migration_3, NULL, NULL, NULL) != SQLITE_OK) ||
	    (version < 4 && sqlite3_exec(s->db, migration_4, NULL, NULL, NULL) != SQLITE_OK) ||
	    (version < 5 && (sqlite3_exec(s->db, migration_5, NULL, NULL, NULL) != SQLITE_OK ||
			     sqlite3_exec(s->db, journal_view_5, NULL, NULL, NULL) != SQLITE_OK)) ||
	    (version < 6 && sqlite3_exec(s->db, migration_6, NULL, NULL, NULL) != SQLITE_OK) ||
	    (version < 8 && migrate_8(s) != SQLITE_OK)) {
		set_error(s, version < 1 ? "cannot create the database schema"
					 : "cannot upgrade the database schema");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return STORE_ERROR;
	}
	/* the version is a literal in PRAGMA syntax; it comes from the build */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    (rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		enum store_status st = status_of(s, rc, "cannot commit migration");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return st;
	}
	return STORE_OK;
}

int store_schema_version(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

enum store_status store_open(const char *path, int busy_ms, struct store **out)
{
	struct store *s = calloc(1, sizeof(*s));
	enum store_status st;
	int rc;

	*out = s;
	if (!s)
		return STORE_ERROR;
	/* no allocation statistics: they cost a mutex per malloc (fails harmlessly
	 * once SQLite is initialised, as on a second open) */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* a new database holds personal data: create it readable by its owner only */
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(s->errmsg, sizeof(s->errmsg), "cannot open database '%s': %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		return STORE_CANTOPEN;
	}
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_LOOKASIDE, NULL, 1200, 1000);
	s->busy_ms = busy_ms;
	sqlite3_busy_handler(s->db, wait_while_busy, s);
	/* a stop signal ends even one long statement (a sort, a large delete) */
	sqlite3_progress_handler(s->db, 1000, stop_requested_cb, NULL);
	/* statement journals stay in memory; the page cache is a fixed 16 MiB
	 * (a larger one did not make a 200,000-row import faster). A new
	 * database gets 8 KiB pages: a bulk import writes half as many pages
	 * and WAL frames as with 4 KiB (5% faster for 1,000,000 contacts); an
	 * existing database keeps its page size. */
	if ((rc = sqlite3_exec(s->db,
			       "PRAGMA page_size = 8192; "
			       "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
			       "PRAGMA cache_size = -16384",
			       NULL, NULL, NULL)) != SQLITE_OK) {
		st = status_of(s, rc, "cannot open database");
		if (st == STORE_ERROR)
			snprintf(s->errmsg, sizeof(s->errmsg), "cannot open database '%s': %s",
				 path, sqlite3_errmsg(s->db));
		return st == STORE_ERROR ? STORE_CANTOPEN : st;
	}
	/* a newer acctbatch's database is refused before anything changes in
	 * it: switching its journal mode would already write to the file */
	if (store_schema_version(s) > STORE_SCHEMA_VERSION)
		return migrate(s);
	rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		st = status_of(s, rc, "cannot open database");
		if (st == STORE_ERROR)
			snprintf(s->errmsg, sizeof(s->errmsg), "cannot open database '%s': %s",
				 path, sqlite3_errmsg(s->db));
		return st == STORE_ERROR ? STORE_CANTOPEN : st;
	}
	st = migrate(s);
	if (st != STORE_OK)
		return st;
	s->journal = journal_new(s->db);
	if (!s->journal) {
		snprintf(s->errmsg, sizeof(s->errmsg), "cannot set up the journal: %s",
			 sqlite3_errmsg(s->db));
		return STORE_ERROR;
	}
	return STORE_OK;
}

enum store_status store_create(const char *path, int busy_ms, struct store **out)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path + (slash == path))) : strdup("");
	char *fresh = NULL, *publish = strdup(path);
	int fd = dir && publish ? outfile_temp_create(dir, slash ? slash + 1 : path, "new-", &fresh)
				: -1;
	int e = errno;
	enum store_status st;

	free(dir);
	if (fd < 0) {
		struct store *s = calloc(1, sizeof(*s));
		free(publish);
		*out = s;
		if (s)
			snprintf(s->errmsg, sizeof(s->errmsg), "cannot create database '%s': %s",
				 path, strerror(e));
		return STORE_CANTOPEN;
	}
	st = store_open(fresh, busy_ms, out);
	if (*out) {
		(*out)->fresh = fresh;
		(*out)->publish = publish;
		(*out)->fresh_fd = fd;
	} else {
		outfile_remove_database(fresh);
		free(fresh);
		free(publish);
		close(fd);
	}
	return st;
}

/*
 * Finalise S's statements, drop the journal, roll back a batch under way
 * and close the connection. Returns sqlite3_close's result; S->db stays
 * set (for its message) until the caller is done with it.
 */
static int end_connection(struct store *s)
{
	for (int e = 0; e < ENTITY_COUNT; e++)
		for (int k = 0; k < ST_KIND_COUNT; k++) {
			sqlite3_finalize(s->stmt[e][k]);
			s->stmt[e][k] = NULL;
		}
	sqlite3_finalize(s->account_exists);
	sqlite3_finalize(s->usage);
	s->account_exists = s->usage = NULL;
	journal_free(s->journal);
	s->journal = NULL;
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = false;
	return sqlite3_close(s->db);
}

/* Close the connection and free S; a database not published is removed. */
static void close_store(struct store *s)
{
	end_connection(s);
	if (s->fresh) {
		/* only now: closing any descriptor of the file drops the
		 * process's SQLite locks on it */
		outfile_remove_database(s->fresh);
		close(s->fresh_fd);
	}
	free(s->fresh);
	free(s->publish);
	free(s);
}

void store_close(struct store *s)
{
	if (s)
		close_store(s);
}

enum store_status store_open_or_create(const char *path, int busy_ms, struct store **out)
{
	struct stat lsb;

	if (access(path, F_OK) != 0 && errno == ENOENT && lstat(path, &lsb) != 0)
		return store_create(path, busy_ms, out);
	return store_open(path, busy_ms, out);
}

enum store_status store_publish(struct store *s)
{
	enum store_status st = STORE_OK;

	if (!s->fresh || !s->db)
		return STORE_OK; /* an existing database, or published already */
	/* closed first: the WAL is folded in, so the file alone is the database */
	if (end_connection(s) != SQLITE_OK) {
		snprintf(s->errmsg, sizeof(s->errmsg), "cannot close database '%s': %s", s->publish,
			 sqlite3_errmsg(s->db));
		st = STORE_ERROR;
	} else if (link(s->fresh, s->publish) != 0) {
		/* link() never replaces: PATH appeared meanwhile (another run created it) */
		int e = errno;
		if (e == EEXIST)
			snprintf(s->errmsg, sizeof(s->errmsg),
				 "database '%s' was created by another run meanwhile; nothing "
				 "written, try again",
				 s->publish);
		else
			snprintf(s->errmsg, sizeof(s->errmsg), "cannot create database '%s': %s",
				 s->publish, strerror(e));
		st = e == EEXIST ? STORE_BUSY : STORE_ERROR;
	}
	s->db = NULL;
	return st;
}

const char *store_errmsg(const struct store *s)
{
	return s ? s->errmsg : "out of memory";
}

int store_error(const struct store *s, enum store_status st, const char *suffix, struct error *err)
{
	return error_set(err, st == STORE_BUSY ? ERROR_BUSY : ERROR_IO, "%s%s", store_errmsg(s),
			 suffix ? suffix : "");
}

bool field_stored(const struct field *f)
{
	return !(f->flags & F_INPUT);
}

static bool is_integer_field(const struct field *f)
{
	return f->type == FT_BOOL || f->type == FT_AMOUNT;
}

static void append(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n < size) {
		memcpy(buf + *len, s, n + 1);
		*len += n;
	}
}

/* "a = ? AND b = ?" for the key columns, numbering from FIRST (an email
 * column compares ignoring ASCII case: its collation is NOCASE). */
static void key_where(const struct entity *e, char *buf, size_t size, size_t *len, int first)
{
	char part[96];

	for (int k = 0; k < 2 && e->key[k] >= 0; k++) {
		snprintf(part, sizeof(part), "%s%s = ?%d", k ? " AND " : "",
			 e->fields[e->key[k]].name, first + k);
		append(buf, size, len, part);
	}
}

/* "SELECT col, ... FROM table" for the stored fields of E, in field order (read_row's order). */
static void select_from(const struct entity *e, char *buf, size_t size, size_t *len)
{
	int n = 0;

	append(buf, size, len, "SELECT ");
	for (size_t i = 0; i < e->nfields; i++) {
		if (!field_stored(&e->fields[i]))
			continue;
		append(buf, size, len, n++ ? ", " : "");
		append(buf, size, len, e->fields[i].name);
	}
	append(buf, size, len, " FROM ");
	append(buf, size, len, e->plural);
}

static sqlite3_stmt *prepare(struct store *s, const struct entity *e, enum stmt_kind kind)
{
	char sql[2048], part[96];
	size_t len = 0;
	int n = 0;

	if (s->stmt[e->id][kind])
		return s->stmt[e->id][kind];
	sql[0] = '\0';
	switch (kind) {
	case ST_FIND:
	case ST_EACH_KEY:
		select_from(e, sql, sizeof(sql), &len);
		if (kind == ST_FIND) {
			append(sql, sizeof(sql), &len, " WHERE ");
			key_where(e, sql, sizeof(sql), &len, 1);
		} else {
			append(sql, sizeof(sql), &len, " WHERE ");
			append(sql, sizeof(sql), &len, e->fields[e->account_field].name);
			append(sql, sizeof(sql), &len, " = ?1");
		}
		break;
	case ST_INSERT:
		append(sql, sizeof(sql), &len, "INSERT OR ROLLBACK INTO ");
		append(sql, sizeof(sql), &len, e->plural);
		append(sql, sizeof(sql), &len, "(");
		for (size_t i = 0; i < e->nfields; i++) {
			if (!field_stored(&e->fields[i]))
				continue;
			append(sql, sizeof(sql), &len, n++ ? ", " : "");
			append(sql, sizeof(sql), &len, e->fields[i].name);
		}
		append(sql, sizeof(sql), &len, ", inserted_by) VALUES (");
		for (int i = 0; i < n + 1; i++) {
			snprintf(part, sizeof(part), "%s?%d", i ? ", " : "", i + 1);
			append(sql, sizeof(sql), &len, part);
		}
		append(sql, sizeof(sql), &len, ")");
		break;
	case ST_UPDATE:
		append(sql, sizeof(sql), &len, "UPDATE OR ROLLBACK ");
		append(sql, sizeof(sql), &len, e->plural);
		append(sql, sizeof(sql), &len, " SET ");
		for (size_t i = 0; i < e->nfields; i++) {
			if (!field_stored(&e->fields[i]))
				continue;
			snprintf(part, sizeof(part), "%s%s = ?%d", n ? ", " : "", e->fields[i].name,
				 n + 1);
			n++;
			append(sql, sizeof(sql), &len, part);
		}
		append(sql, sizeof(sql), &len, " WHERE ");
		key_where(e, sql, sizeof(sql), &len, n + 1);
		break;
	case ST_DELETE:
		append(sql, sizeof(sql), &len, "DELETE FROM ");
		append(sql, sizeof(sql), &len, e->plural);
		append(sql, sizeof(sql), &len, " WHERE ");
		key_where(e, sql, sizeof(sql), &len, 1);
		break;
	case ST_KIND_COUNT:
		return NULL;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[e->id][kind],
			       NULL) != SQLITE_OK) {
		set_error(s, "cannot prepare statement");
		return NULL;
	}
	return s->stmt[e->id][kind];
}

static int bind_value(sqlite3_stmt *st, int idx, const struct field *f, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, idx);
	if (is_integer_field(f))
		return sqlite3_bind_int64(st, idx, strtoll(v, NULL, 10));
	return sqlite3_bind_text(st, idx, v, -1, SQLITE_STATIC); /* v outlives the step */
}

/* Bind the key values of KEY from parameter FIRST on. */
static int bind_key(sqlite3_stmt *st, const struct entity *e, const struct row *key, int first)
{
	for (int k = 0; k < 2 && e->key[k] >= 0; k++) {
		int fi = e->key[k];
		const char *v = key->v[fi];
		int rc;

		if (!v)
			return SQLITE_MISUSE;
		rc = sqlite3_bind_text(st, first + k, v, -1, SQLITE_STATIC);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* OUT from the stored-field columns of ST, which start at column FIRST. */
static int read_row_at(sqlite3_stmt *st, int first, const struct entity *e, struct row *out)
{
	int col = first;

	row_clear(out);
	for (size_t i = 0; i < e->nfields; i++) {
		const unsigned char *t;
		if (!field_stored(&e->fields[i]))
			continue;
		t = sqlite3_column_text(st, col);
		if (t && row_set(out, (int)i, (const char *)t,
				 (size_t)sqlite3_column_bytes(st, col)) != 0)
			return -1;
		col++;
	}
	return 0;
}

static int read_row(sqlite3_stmt *st, const struct entity *e, struct row *out)
{
	return read_row_at(st, 0, e, out);
}

int store_find(struct store *s, const struct entity *e, const struct row *key, struct row *out)
{
	sqlite3_stmt *st = prepare(s, e, ST_FIND);
	int rc, found = 0;

	if (!st)
		return STORE_ERROR;
	if ((rc = bind_key(st, e, key, 1)) != SQLITE_OK) {
		sqlite3_reset(st);
		return status_of(s, rc, "cannot look up row");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		found = read_row(st, e, out) == 0 ? 1 : STORE_ERROR;
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return status_of(s, rc, "cannot look up row");
	return found;
}

/* Write the journal's waiting changes when a chunk is full. */
static enum store_status flush_journal(struct store *s, bool all)
{
	int rc = journal_flush(s->journal, all);

	return rc == SQLITE_OK ? STORE_OK : status_of(s, rc, "cannot write the journal");
}

static enum store_status run(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return status_of(s, rc, what);
	return flush_journal(s, false);
}

enum store_status store_insert(struct store *s, const struct entity *e, const struct row *r)
{
	sqlite3_stmt *st = prepare(s, e, ST_INSERT);
	int n = 0, rc = SQLITE_OK;

	if (!st)
		return STORE_ERROR;
	for (size_t i = 0; i < e->nfields && rc == SQLITE_OK; i++)
		if (field_stored(&e->fields[i]))
			rc = bind_value(st, ++n, &e->fields[i], r->v[i]);
	/* a row inserted inside a batch names it: its journal entry is then its key alone */
	if (rc == SQLITE_OK)
		rc = s->batch ? sqlite3_bind_int64(st, n + 1, s->batch)
			      : sqlite3_bind_null(st, n + 1);
	if (rc != SQLITE_OK) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return status_of(s, rc, "cannot insert row");
	}
	if (!s->batch)
		return run(s, st, "cannot insert row");
	/* This INSERT changes this one row only (no OR REPLACE, no triggers) and
	 * the row names its batch: its entry is compact, its key alone, handed
	 * to the journal here. The hook is off for the statement, which saves
	 * SQLite unpacking every new row for it. */
	journal_pause(s->journal, true);
	rc = sqlite3_step(st);
	journal_pause(s->journal, false);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return status_of(s, rc, "cannot insert row");
	{
		const char *part[2] = {r->v[e->key[0]], e->key[1] >= 0 ? r->v[e->key[1]] : ""};
		size_t len[2] = {strlen(part[0]), strlen(part[1])};
		if ((rc = journal_record_insert(s->journal, e, part, len)) != SQLITE_OK)
			return status_of(s, rc, "cannot write the journal");
	}
	return flush_journal(s, false);
}

enum store_status store_update(struct store *s, const struct entity *e, const struct row *r)
{
	sqlite3_stmt *st = prepare(s, e, ST_UPDATE);
	int n = 0, rc = SQLITE_OK;

	if (!st)
		return STORE_ERROR;
	for (size_t i = 0; i < e->nfields && rc == SQLITE_OK; i++)
		if (field_stored(&e->fields[i]))
			rc = bind_value(st, ++n, &e->fields[i], r->v[i]);
	if (rc == SQLITE_OK)
		rc = bind_key(st, e, r, n + 1);
	if (rc != SQLITE_OK) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return status_of(s, rc, "cannot update row");
	}
	return run(s, st, "cannot update row");
}

enum store_status store_delete(struct store *s, const struct entity *e, const struct row *key)
{
	sqlite3_stmt *st = prepare(s, e, ST_DELETE);
	int rc;

	if (!st)
		return STORE_ERROR;
	if ((rc = bind_key(st, e, key, 1)) != SQLITE_OK) {
		sqlite3_reset(st);
		return status_of(s, rc, "cannot delete row");
	}
	return run(s, st, "cannot delete row");
}

int store_is_empty(struct store *s, const struct entity *e)
{
	char sql[96];
	sqlite3_stmt *st = NULL;
	int rc, empty = -1;

	/* the table name comes from the entity table, never from input */
	snprintf(sql, sizeof(sql), "SELECT NOT EXISTS (SELECT 1 FROM %s)", e->plural);
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		empty = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return empty >= 0 ? empty : status_of(s, rc, "cannot look at a table");
}

int store_account_exists(struct store *s, const char *id)
{
	int rc, found;

	if (!s->account_exists) {
		const struct entity *a = entity_referenced();
		char sql[160];
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE %s = ?1", a->plural,
			 a->fields[a->key[0]].name);
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s->account_exists, NULL) != SQLITE_OK)
			return set_error(s, "cannot prepare statement");
	}
	sqlite3_bind_text(s->account_exists, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->account_exists);
	found = rc == SQLITE_ROW;
	sqlite3_reset(s->account_exists);
	sqlite3_clear_bindings(s->account_exists);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return status_of(s, rc, "cannot look up account");
	return found;
}

enum store_status store_account_usage(struct store *s, const char *id, long rows[ENTITY_COUNT])
{
	int rc;

	if (!s->usage) {
		/* "SELECT (SELECT count(*) FROM t WHERE account = ?1), ..." per entity */
		char sql[1024];
		size_t len = 0;
		sql[0] = '\0';
		append(sql, sizeof(sql), &len, "SELECT ");
		for (int i = 0; i < ENTITY_COUNT; i++) {
			const struct entity *e = entity_get(i);
			char part[200];
			if (e->flags & E_REFERENCED)
				snprintf(part, sizeof(part), "%s0", i ? ", " : "");
			else
				snprintf(part, sizeof(part),
					 "%s(SELECT count(*) FROM %s WHERE %s = ?1)", i ? ", " : "",
					 e->plural, e->fields[e->account_field].name);
			append(sql, sizeof(sql), &len, part);
		}
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->usage,
				       NULL) != SQLITE_OK)
			return set_error(s, "cannot prepare statement");
	}
	sqlite3_bind_text(s->usage, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->usage);
	for (int i = 0; rc == SQLITE_ROW && i < ENTITY_COUNT; i++)
		rows[i] = sqlite3_column_int64(s->usage, i);
	sqlite3_reset(s->usage);
	sqlite3_clear_bindings(s->usage);
	return rc == SQLITE_ROW ? STORE_OK : status_of(s, rc, "cannot count account rows");
}

enum store_status store_delete_children(struct store *s, const char *id)
{
	for (int i = 0; i < ENTITY_COUNT; i++) {
		const struct entity *e = entity_get(i);
		sqlite3_stmt *st = NULL;
		char sql[200];
		int rc;
		if (e->flags & (E_REFERENCED | E_KEPT))
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?1", e->plural,
			 e->fields[e->account_field].name);
		rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return status_of(s, rc, "cannot delete dependent rows");
	}
	return flush_journal(s, false);
}

enum store_status store_each_key(struct store *s, const struct entity *e, const char *id,
				 int (*fn)(void *ctx, const struct row *key), void *ctx)
{
	sqlite3_stmt *st = prepare(s, e, ST_EACH_KEY);
	struct row r;

	memset(&r, 0, sizeof(r));
	int rc;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_row(st, e, &r) != 0 || fn(ctx, &r) != 0) {
			rc = SQLITE_ABORT;
			break;
		}
	}
	row_release(&r);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return status_of(s, rc, "cannot list rows");
	return STORE_OK;
}

enum store_status store_each_row(struct store *s, const struct entity *e,
				 const struct store_filter *filter,
				 int (*fn)(void *ctx, const struct row *row), void *ctx)
{
	char sql[2048];
	size_t len = 0;
	int rc, stopped = 0;
	sqlite3_stmt *st = NULL;
	struct row r;

	/* column and table names come from the entity table; values are bound */
	sql[0] = '\0';
	select_from(e, sql, sizeof(sql), &len);
	/* only the clauses in use, so that SQLite can use the key or an index */
	append(sql, sizeof(sql), &len, " WHERE 1");
	if (filter && filter->account) {
		append(sql, sizeof(sql), &len, " AND ");
		append(sql, sizeof(sql), &len, e->fields[e->account_field].name);
		append(sql, sizeof(sql), &len, " = ?1");
	}
	if (filter && filter->changed_since)
		append(sql, sizeof(sql), &len, " AND updated_at > ?2");
	if (filter && filter->after_batch_set) {
		/* inserted by a later batch (the row says so), or inserted or updated
		 * by one according to the logged journal */
		char key[160];
		journal_key_sql(e, e->plural, key, sizeof(key));
		append(sql, sizeof(sql), &len, " AND (inserted_by > ?3 OR ");
		append(sql, sizeof(sql), &len, key);
		append(sql, sizeof(sql), &len,
		       " IN (SELECT key FROM journal_keys WHERE entity = ?4 AND batch_id > ?3"
		       " AND op <> 'delete'))");
	}
	append(sql, sizeof(sql), &len, " ORDER BY ");
	for (int k = 0; k < 2 && e->key[k] >= 0; k++) {
		append(sql, sizeof(sql), &len, k ? ", " : "");
		append(sql, sizeof(sql), &len, e->fields[e->key[k]].name);
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return set_error(s, "cannot prepare statement");
	if (filter && filter->account)
		sqlite3_bind_text(st, 1, filter->account, -1, SQLITE_STATIC);
	if (filter && filter->changed_since)
		sqlite3_bind_text(st, 2, filter->changed_since, -1, SQLITE_STATIC);
	if (filter && filter->after_batch_set) {
		sqlite3_bind_int64(st, 3, filter->after_batch);
		sqlite3_bind_text(st, 4, e->plural, -1, SQLITE_STATIC);
	}
	memset(&r, 0, sizeof(r));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_row(st, e, &r) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (fn(ctx, &r) != 0) {
			stopped = 1;
			break;
		}
	}
	row_release(&r);
	return end_rows(s, st, rc, stopped, "cannot read rows");
}

enum store_status store_each_batch(struct store *s, int64_t only, long limit,
				   int (*fn)(void *ctx, const struct batch_info *b), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	rc = sqlite3_prepare_v2(
		s->db,
		"SELECT b.id, b.kind, b.started_at, b.ended_at, b.command, b.inputs, "
		"b.counts, b.outcome, b.reverts, CASE WHEN l.batch_id IS NOT NULL THEN "
		"json_object('archive', l.archive, 'sha256', l.sha256, 'as_of', "
		"l.as_of, 'data_batch', l.data_batch, 'kinds', json(l.kinds), "
		"'params', json(l.params), 'counts', json(l.counts)) END "
		"FROM batches AS b LEFT JOIN list_builds AS l ON l.batch_id = b.id "
		"WHERE ?1 <= 0 OR b.id = ?1 ORDER BY b.id DESC LIMIT ?2",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot read the batches");
	sqlite3_bind_int64(st, 1, only);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct batch_info b;
		b.id = sqlite3_column_int64(st, 0);
		b.kind = (const char *)sqlite3_column_text(st, 1);
		b.started_at = (const char *)sqlite3_column_text(st, 2);
		b.ended_at = (const char *)sqlite3_column_text(st, 3);
		b.command = (const char *)sqlite3_column_text(st, 4);
		b.inputs = (const char *)sqlite3_column_text(st, 5);
		b.counts = (const char *)sqlite3_column_text(st, 6);
		b.outcome = (const char *)sqlite3_column_text(st, 7);
		b.reverts = sqlite3_column_int64(st, 8);
		b.build = (const char *)sqlite3_column_text(st, 9);
		if (fn(ctx, &b) != 0) {
			stopped = 1;
			break;
		}
	}
	return end_rows(s, st, rc, stopped, "cannot read the batches");
}

/* Run ST (columns id, entity, key, op, before, after), calling FN per row; finalises ST. */
static enum store_status step_changes(struct store *s, sqlite3_stmt *st,
				      int (*fn)(void *ctx, const struct change_info *c), void *ctx,
				      const char *what)
{
	int rc, stopped = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct change_info c;
		const struct entity *e;
		c.id = sqlite3_column_int64(st, 0);
		c.entity = (const char *)sqlite3_column_text(st, 1);
		c.key = (const char *)sqlite3_column_text(st, 2);
		c.op = (const char *)sqlite3_column_text(st, 3);
		c.before = (const char *)sqlite3_column_text(st, 4);
		c.after = (const char *)sqlite3_column_text(st, 5);
		e = c.entity ? entity_by_name(c.entity) : NULL;
		c.columns = e ? journal_columns(s->journal, e, &c.ncolumns) : NULL;
		if (!e)
			c.ncolumns = 0;
		if (fn(ctx, &c) != 0) {
			stopped = 1;
			break;
		}
	}
	return end_rows(s, st, rc, stopped, what);
}

/*
 * The keys of the rows batch ?1 inserted into E, in
 * the order it inserted them: "SELECT seq, key[, k0, k1] FROM ..." over
 * its insert lists. K0 and K1 are the key's parts (K1 NULL for a one-part
 * key), to look the row up by its primary key.
 */
static void inserted_keys(const struct entity *e, bool parts, char *buf, size_t size)
{
	snprintf(buf, size,
		 "SELECT i.id * 1000 + k.key AS seq, k.value AS key%s FROM journal_chunks AS i, "
		 "json_each(i.changes) AS k WHERE i.batch_id = ?1 AND i.entity = '%s'",
		 !parts		  ? ""
		 : e->key[1] >= 0 ? ", k.value ->> 0 AS k0, k.value ->> 1 AS k1"
				  : ", k.value AS k0, NULL AS k1",
		 e->plural);
}

/* "t.a = p.k0 [AND t.b = p.k1]": the row of E under alias T that the key parts of P name. */
static void parts_match(const struct entity *e, char *buf, size_t size)
{
	if (e->key[1] >= 0)
		snprintf(buf, size, "t.%s = p.k0 AND t.%s = p.k1", e->fields[e->key[0]].name,
			 e->fields[e->key[1]].name);
	else
		snprintf(buf, size, "t.%s = p.k0", e->fields[e->key[0]].name);
}

/*
 * SQL of the rows batch ?1 inserted, in the order it inserted them:
 * "SELECT seq, entity, key, cur" per entity joined by UNION ALL (see
 * inserted_keys); CUR is the row in the table now if it is still the one
 * the batch inserted, else NULL.
 */
static int batch_inserts_sql(struct store *s, char *buf, size_t size)
{
	size_t n = 0;

	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		char keys[400], match[200], image[1200];
		inserted_keys(e, true, keys, sizeof(keys));
		parts_match(e, match, sizeof(match));
		if (journal_image_sql(s->journal, e, "t", image, sizeof(image)) != 0)
			return -1;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
				      "%sSELECT p.seq, '%s' AS entity, p.key, CASE WHEN "
				      "t.inserted_by = ?1 THEN %s END AS cur FROM (%s) AS p "
				      "LEFT JOIN %s AS t ON %s",
				      id ? " UNION ALL " : "", e->plural, image, keys, e->plural,
				      match);
	}
	return n < size ? 0 : -1;
}

/* The image at position N of a logged change j.value, as written (NULL for JSON null). */
#define RAW_IMAGE(n)                                                                               \
	"CASE WHEN json_type(j.value, '$[" #n "]') = 'null' THEN NULL ELSE j.value -> " #n " END"

enum store_status store_each_change(struct store *s, int64_t batch,
				    int (*fn)(void *ctx, const struct change_info *c), void *ctx)
{
	char ins[16384], *sql = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	/* A derived insert's image is the row as it was inserted: the before
	 * image of the first later change of that row (its journal_keys entry
	 * names it; the candidates are taken in change order, so that SQLite
	 * parses each chunk once), else the row as it is now. Entries come in
	 * the order made (their ids). Images are handed over as the journal
	 * wrote them (struct change_info). */
	if (batch_inserts_sql(s, ins, sizeof(ins)) != 0 ||
	    asprintf(&sql,
		     "WITH ins(seq, entity, key, cur) AS (%s), "
		     "firsts AS MATERIALIZED (SELECT seq, entity, key, cur, (SELECT min(change_id) "
		     "FROM journal_keys AS k WHERE k.entity = ins.entity AND k.key = ins.key "
		     "AND k.inserted_by = ?1 AND k.change_id > ins.seq) AS cid FROM ins ORDER BY "
		     "cid) "
		     "SELECT id, entity, key, op, before, after FROM ("
		     "SELECT seq AS id, entity, key, 'insert' AS op, NULL AS before, "
		     "CASE WHEN cid IS NULL THEN cur ELSE (SELECT json_extract(c.changes, "
		     "'$[' || (cid %% 1000) || '][4]') FROM journal_chunks AS c "
		     "WHERE c.id = cid / 1000) END AS after FROM firsts "
		     "UNION ALL SELECT c.id * 1000 + j.key, j.value ->> 0, j.value ->> 1, "
		     "j.value ->> 3, " RAW_IMAGE(4) ", " RAW_IMAGE(
			     5) " "
				"FROM journal_chunks AS c, json_each(c.changes) AS j "
				"WHERE c.batch_id = ?1 AND c.entity IS NULL) ORDER BY id",
		     ins) < 0)
		return set_error(s, "cannot read the journal");
	sqlite3_exec(s->db, "PRAGMA temp_store = FILE", NULL, NULL, NULL); /* see store_each_feed */
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot read the journal");
	sqlite3_bind_int64(st, 1, batch);
	return step_changes(s, st, fn, ctx, "cannot read the journal");
}

/* Run SQL with ?1 bound to BATCH, adding the rows it changed to *CHANGES. */
static int plan_step(struct store *s, const char *sql, int64_t batch, long *changes)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, batch);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		*changes += (long)sqlite3_changes(s->db);
	return rc;
}

enum store_status store_revert_plan(struct store *s, int64_t batch, long *changes)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*changes = 0;
	s->plan_batch = batch;
	/* the logged changes, newest first (the order that undoes them), go to
	 * a temporary table (a large plan to a temporary file, not to memory);
	 * the inserts are undone by key, straight from the batch's insert
	 * lists, which undoing them does not change */
	rc = sqlite3_exec(s->db,
			  "PRAGMA temp_store = FILE; DROP TABLE IF EXISTS temp.revert_plan; "
			  "CREATE TEMP TABLE revert_plan(seq INTEGER PRIMARY KEY, id INTEGER, "
			  "entity TEXT, key TEXT, op TEXT, before TEXT, after TEXT)",
			  NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = plan_step(s,
			       "INSERT INTO revert_plan(id, entity, key, op, before, after) "
			       "SELECT id, entity, key, op, before, after FROM journal_logged "
			       "WHERE batch_id = ?1 ORDER BY id DESC",
			       batch, changes);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db,
					"SELECT coalesce(sum(json_array_length(changes)), 0) FROM "
					"journal_chunks WHERE batch_id = ?1 AND entity IS NOT NULL",
					-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, batch);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			*changes += (long)sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot plan the revert");
	return STORE_OK;
}

/* Run ST (columns entity, key, batch), calling FN per row; finalises ST. */
static enum store_status step_keys(struct store *s, sqlite3_stmt *st,
				   int (*fn)(void *ctx, const char *entity, const char *key,
					     int64_t batch),
				   void *ctx, const char *what)
{
	int rc, stopped = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1),
		       sqlite3_column_int64(st, 2)) != 0) {
			stopped = 1;
			break;
		}
	return end_rows(s, st, rc, stopped, what);
}

enum store_status store_each_conflict(struct store *s, int64_t batch,
				      int (*fn)(void *ctx, const char *entity, const char *key,
						int64_t later),
				      void *ctx)
{
	char sql[8192], keys[400], order[160];
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	/* each planned row, looked up: a later logged change of it, or (for a
	 * row the batch deleted) a later batch that inserted it again */
	n += (size_t)snprintf(
		sql + n, sizeof(sql) - n,
		"SELECT DISTINCT entity, key, batch FROM ("
		"SELECT k.entity, k.key, k.batch_id AS batch FROM revert_plan AS p "
		"CROSS JOIN journal_keys AS k ON k.entity = p.entity AND k.key = p.key "
		"WHERE k.batch_id > ?1");
	for (int id = 0; id < ENTITY_COUNT && n < sizeof(sql); id++) {
		const struct entity *e = entity_get(id);
		char match[200];
		inserted_keys(e, false, keys, sizeof(keys));
		journal_key_match_sql(e, "t", "p.key", match, sizeof(match));
		n += (size_t)snprintf(
			sql + n, sizeof(sql) - n,
			" UNION ALL SELECT '%s', p.key, k.batch_id FROM (%s) AS p "
			"CROSS JOIN journal_keys AS k ON k.entity = '%s' AND "
			"k.key = p.key WHERE k.batch_id > ?1"
			" UNION ALL SELECT p.entity, p.key, t.inserted_by "
			"FROM revert_plan AS p CROSS JOIN %s AS t ON %s "
			"WHERE p.entity = '%s' AND p.op = 'delete' AND t.inserted_by > ?1",
			e->plural, keys, e->plural, e->plural, match, e->plural);
	}
	entity_order_sql(order, sizeof(order));
	n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0,
			      ") ORDER BY batch, %s, key", order);
	if (n >= sizeof(sql))
		return set_error(s, "cannot look for later changes");
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot look for later changes");
	sqlite3_bind_int64(st, 1, batch);
	return step_keys(s, st, fn, ctx, "cannot look for later changes");
}

enum store_status store_each_planned(struct store *s,
				     int (*fn)(void *ctx, const struct change_info *c), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(
		s->db, "SELECT id, entity, key, op, before, after FROM revert_plan ORDER BY seq",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot read the revert plan");
	return step_changes(s, st, fn, ctx, "cannot read the revert plan");
}

enum store_status store_each_planned_insert(struct store *s, const struct entity *e,
					    int (*fn)(void *ctx, const char *entity,
						      const char *key, int64_t batch),
					    void *ctx)
{
	char keys[400], match[200], sql[1024];
	sqlite3_stmt *st = NULL;
	int rc;

	inserted_keys(e, true, keys, sizeof(keys));
	parts_match(e, match, sizeof(match));
	snprintf(sql, sizeof(sql),
		 "SELECT '%s', p.key, coalesce(t.inserted_by, 0) FROM (%s) AS p CROSS JOIN %s AS t "
		 "ON %s ORDER BY p.seq DESC",
		 e->plural, keys, e->plural, match);
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot read the revert plan");
	sqlite3_bind_int64(st, 1, s->plan_batch);
	return step_keys(s, st, fn, ctx, "cannot read the revert plan");
}

enum store_status store_undo_inserts(struct store *s, const struct entity *e, long *deleted,
				     long *planned)
{
	char keys[400], sql[600];
	sqlite3_stmt *st = NULL, *del = prepare(s, e, ST_DELETE);
	bool two = e->key[1] >= 0;
	int rc;

	*deleted = *planned = 0;
	if (!del)
		return STORE_ERROR;
	/* each inserted key, its parts taken out of the journal key by SQLite,
	 * deleted through the entity's prepared DELETE (a row a later batch
	 * deleted already is not found: nothing to undo); the hook journals
	 * each delete as any other. In the order they were inserted: the rows
	 * of one entity do not depend on each other, and their journal_keys
	 * entries are then appended in key order for a sorted import */
	inserted_keys(e, true, keys, sizeof(keys));
	snprintf(sql, sizeof(sql), "SELECT k0, k1 FROM (%s) ORDER BY seq", keys);
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		sqlite3_bind_int64(st, 1, s->plan_batch);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int step;
		++*planned;
		for (int k = 0; k < (two ? 2 : 1); k++)
			sqlite3_bind_value(del, k + 1, sqlite3_column_value(st, k));
		step = sqlite3_step(del);
		sqlite3_reset(del);
		if (step != SQLITE_DONE) {
			rc = step;
			break;
		}
		*deleted += sqlite3_changes(s->db);
		rc = flush_journal(s, false) == STORE_OK ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_clear_bindings(del);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return status_of(s, rc == SQLITE_OK ? SQLITE_ERROR : rc, "cannot undo the inserts");
	return STORE_OK;
}

enum store_status store_each_dependent(struct store *s,
				       int (*fn)(void *ctx, const char *entity, const char *key,
						 int64_t batch),
				       void *ctx)
{
	char sql[3072], acct[400] = "";
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	/* the accounts the revert removed are the ones the batch inserted (the
	 * entity the others name: E_REFERENCED) */
	inserted_keys(entity_referenced(), false, acct, sizeof(acct));
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, "SELECT entity, key, batch FROM (");
	for (int id = 0, m = 0; id < ENTITY_COUNT && n < sizeof(sql); id++) {
		const struct entity *e = entity_get(id);
		char key[160];
		if (e->flags & E_REFERENCED)
			continue;
		journal_key_sql(e, "t", key, sizeof(key));
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      "%sSELECT %d AS rank, '%s' AS entity, %s AS key, "
				      "coalesce(t.inserted_by, 0) AS batch, t.%s AS account "
				      "FROM (%s) AS p CROSS JOIN %s AS t ON t.%s = p.key",
				      m++ ? " UNION ALL " : "", id, e->plural, key,
				      e->fields[e->account_field].name, acct, e->plural,
				      e->fields[e->account_field].name);
	}
	n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0,
			      ") ORDER BY account, rank, key");
	if (n >= sizeof(sql))
		return set_error(s, "cannot look for dependent rows");
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot look for dependent rows");
	sqlite3_bind_int64(st, 1, s->plan_batch);
	return step_keys(s, st, fn, ctx, "cannot look for dependent rows");
}

enum store_status store_batch_reverts(struct store *s, int64_t batch, int64_t reverted)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "UPDATE batches SET reverts = ?2 WHERE id = ?1", -1, &st,
				    NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, batch);
		sqlite3_bind_int64(st, 2, reverted);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : status_of(s, rc, "cannot record the revert");
}

enum store_status store_each_feed(struct store *s, const struct entity *e,
				  const struct store_filter *filter,
				  int (*fn)(void *ctx, const struct feed_change *c), void *ctx)
{
	char sql[4096], part[160];
	size_t len = 0;
	int rc, stopped = 0;
	sqlite3_stmt *st = NULL;
	struct row r;

	/* every stored column, taken out of the row image; names come from the
	 * entity table, values are bound */
	sql[0] = '\0';
	append(sql, sizeof(sql), &len, "SELECT j.op, j.batch_id, b.ended_at");
	for (size_t i = 0; i < e->nfields; i++) {
		if (!field_stored(&e->fields[i]))
			continue;
		snprintf(part, sizeof(part), ", j.img ->> '%s'", e->fields[i].name);
		append(sql, sizeof(sql), &len, part);
	}
	append(sql, sizeof(sql), &len,
	       " FROM (SELECT op, batch_id, id, key, account_id, CASE WHEN op = 'delete' THEN "
	       "before"
	       " ELSE after END AS img FROM journal WHERE entity = ?1) AS j"
	       " JOIN batches AS b ON b.id = j.batch_id WHERE 1");
	if (filter && filter->account)
		append(sql, sizeof(sql), &len, " AND j.account_id = ?2");
	if (filter && filter->changed_since)
		append(sql, sizeof(sql), &len, " AND b.ended_at > ?3");
	if (filter && filter->after_batch_set)
		append(sql, sizeof(sql), &len, " AND j.batch_id > ?4");
	/* in the order made; the inserts of a batch from before schema 8
	 * (ids below zero) first and by key, as the feed gave them */
	append(sql, sizeof(sql), &len,
	       " ORDER BY j.batch_id, j.id >= 0, CASE WHEN j.id < 0 THEN j.key END, j.id");
	/* the journal view sorts every row version: let large sorts spill to a
	 * temporary file instead of memory */
	sqlite3_exec(s->db, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return set_error(s, "cannot prepare statement");
	sqlite3_bind_text(st, 1, e->plural, -1, SQLITE_STATIC);
	if (filter && filter->account)
		sqlite3_bind_text(st, 2, filter->account, -1, SQLITE_STATIC);
	if (filter && filter->changed_since)
		sqlite3_bind_text(st, 3, filter->changed_since, -1, SQLITE_STATIC);
	if (filter && filter->after_batch_set)
		sqlite3_bind_int64(st, 4, filter->after_batch);
	memset(&r, 0, sizeof(r));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct feed_change c;
		if (read_row_at(st, 3, e, &r) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		c.op = (const char *)sqlite3_column_text(st, 0);
		c.batch = sqlite3_column_int64(st, 1);
		c.time = (const char *)sqlite3_column_text(st, 2);
		c.row = &r;
		if (fn(ctx, &c) != 0) {
			stopped = 1;
			break;
		}
	}
	row_release(&r);
	return end_rows(s, st, rc, stopped, "cannot read the journal");
}

enum store_status store_last_batch(struct store *s, int64_t *batch, char ended_at[32])
{
	sqlite3_stmt *st = NULL;
	/* list builds and runs that changed nothing are not what the data is as of */
	int rc = sqlite3_prepare_v2(
		s->db,
		"SELECT id, ended_at FROM batches AS b WHERE kind <> 'lists' AND "
		"(journal_from IS NOT NULL OR EXISTS (SELECT 1 FROM json_each(b.counts) AS e "
		"WHERE coalesce(e.value ->> 'inserted', 0) + coalesce(e.value ->> "
		"'updated', 0) + coalesce(e.value ->> 'deleted', 0) > 0)) "
		"ORDER BY id DESC LIMIT 1",
		-1, &st, NULL);

	*batch = 0;
	if (ended_at)
		snprintf(ended_at, 32, "%s", "");
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *end = sqlite3_column_text(st, 1);
		*batch = sqlite3_column_int64(st, 0);
		if (ended_at && end)
			snprintf(ended_at, 32, "%s", (const char *)end);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK
						     : status_of(s, rc, "cannot read the batches");
}

enum store_status store_job_watermark(struct store *s, const char *name, const char *entity,
				      bool changes, int64_t *batch)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT last_batch FROM export_jobs WHERE name = ?1 AND "
				    "entity = ?2 AND changes = ?3",
				    -1, &st, NULL);

	*batch = 0;
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, entity, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, changes);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*batch = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		       ? STORE_OK
		       : status_of(s, rc, "cannot read the export job");
}

enum store_status store_set_job_watermark(struct store *s, const char *name, const char *entity,
					  bool changes, int64_t batch, const char *now)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			s->db,
			"INSERT INTO export_jobs(name, entity, changes, last_batch, exported_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name, entity, changes) DO UPDATE "
			"SET last_batch = excluded.last_batch, exported_at = excluded.exported_at",
			-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, entity, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, changes);
		sqlite3_bind_int64(st, 4, batch);
		sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		enum store_status r = status_of(s, rc, "cannot move the export job's watermark");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	return STORE_OK;
}

enum store_status store_read_begin(struct store *s)
{
	int rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot begin reading");
	s->in_tx = true;
	return STORE_OK;
}

void store_read_end(struct store *s)
{
	store_rollback(s); /* nothing was written: ending the snapshot is all */
}

enum store_status store_begin_batch(struct store *s, const char *kind, const char *command,
				    const char *now, int64_t *batch)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot begin transaction");
	s->in_tx = true;
	/* Every record is checked before it is written, so a constraint that
	 * still fails is a bug and ends the whole batch: with OR ROLLBACK and
	 * deferred foreign keys no statement needs a statement journal (which
	 * would copy every page a statement touches). */
	rc = sqlite3_exec(s->db, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot begin transaction");
	rc = sqlite3_prepare_v2(
		s->db, "INSERT INTO batches(kind, started_at, command) VALUES (?1, ?2, ?3)", -1,
		&st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, command, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return status_of(s, rc, "cannot record batch");
	*batch = sqlite3_last_insert_rowid(s->db);
	s->batch = *batch;
	journal_begin(s->journal, *batch);
	return STORE_OK;
}

void store_rollback(struct store *s)
{
	if (s)
		s->batch = 0;
	if (s && s->in_tx) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = false;
	}
	if (s && s->journal)
		journal_discard(s->journal);
}

enum store_status store_end_batch(struct store *s, int64_t batch, const char *inputs,
				  const char *counts, const char *now, bool commit)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!commit) {
		store_rollback(s);
		return STORE_OK;
	}
	rc = journal_flush(s->journal, true);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			s->db,
			"UPDATE batches SET inputs = ?2, counts = ?3, ended_at = ?4, "
			"outcome = 'committed', journal_from = ?5, journal_to = ?6 "
			"WHERE id = ?1",
			-1, &st, NULL);
	if (rc == SQLITE_OK) {
		int64_t from, to;
		bool wrote = journal_chunks_written(s->journal, &from, &to);
		sqlite3_bind_int64(st, 1, batch);
		sqlite3_bind_text(st, 2, inputs, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, counts, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
		if (wrote) {
			sqlite3_bind_int64(st, 5, from);
			sqlite3_bind_int64(st, 6, to);
		}
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		enum store_status r = status_of(s, rc, "cannot finish batch");
		store_rollback(s);
		return r;
	}
	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		enum store_status r = status_of(s, rc, "cannot commit");
		store_rollback(s);
		return r;
	}
	s->in_tx = false;
	s->batch = 0;
	return STORE_OK;
}

enum store_status store_batch_counts(struct store *s, int64_t batch, long counts[][3])
{
	(void)batch; /* the journal counts the batch in progress */
	journal_counts(s->journal, counts);
	return STORE_OK;
}

void row_release(struct row *r)
{
	for (int i = 0; i < FIELD_MAX; i++) {
		if (r->buf[i])
			sodium_memzero(r->buf[i], r->cap[i]);
		free(r->buf[i]);
		r->buf[i] = NULL;
		r->v[i] = NULL;
		r->cap[i] = 0;
	}
}

void row_clear(struct row *r)
{
	for (int i = 0; i < FIELD_MAX; i++)
		r->v[i] = NULL;
}

void row_unset(struct row *r, int i)
{
	r->v[i] = NULL;
}

int row_set(struct row *r, int i, const char *s, size_t len)
{
	if (len + 1 > r->cap[i]) {
		size_t ncap = len + 1 < 32 ? 32 : len + 1;
		char *nb = malloc(ncap);
		if (!nb)
			return -1;
		free(r->buf[i]);
		r->buf[i] = nb;
		r->cap[i] = ncap;
	}
	memmove(r->buf[i], s, len);
	r->buf[i][len] = '\0';
	r->v[i] = r->buf[i];
	return 0;
}

/*
 * Mailing lists. The SQL is put together from fixed pieces only; every
 * value is bound: ?1 from, ?2 to, ?3 account, ?4 status, ?5 subscription.
 */

/*
 * The mailing lists' tables, from the entity table: the accounts (the
 * referenced entity), the people who get the invoice alert (logins), who
 * receive invoices and notices (contacts), and the invoices (the kind).
 */
struct list_tables {
	const struct entity *a, *l, *c, *i;
};

static struct list_tables list_tables(void)
{
	struct list_tables t = {entity_referenced(), entity_with_role(ROLE_ALERT),
				entity_with_role(ROLE_STANDARD), entity_with_role(ROLE_KIND)};
	return t;
}

/* A person's name in E's rows: the full name ('' when it may be missing), or first and last. */
static void person_sql(const struct entity *e, char *buf, size_t size)
{
	if (e->role[ROLE_PERSON] >= 0 && (e->fields[e->role[ROLE_PERSON]].flags & F_REQUIRED))
		snprintf(buf, size, "%s", entity_role_name(e, ROLE_PERSON));
	else if (e->role[ROLE_PERSON] >= 0)
		snprintf(buf, size, "coalesce(%s, '')", entity_role_name(e, ROLE_PERSON));
	else
		snprintf(buf, size, "%s || ' ' || %s", entity_role_name(e, ROLE_FIRST_NAME),
			 entity_role_name(e, ROLE_LAST_NAME));
}

/*
 * "SELECT account, email, email_norm, name, src FROM E WHERE ..." for the
 * people of E (SRC: 0 contact, 1 holder, 2 login) that WHERE (an SQL
 * condition, or NULL for all) selects; ALIASES names the columns.
 */
static void people_sql(const struct entity *e, int src, const char *where, bool aliases, char *sql,
		       size_t size, size_t *len)
{
	char part[512], name[160];

	person_sql(e, name, sizeof(name));
	snprintf(part, sizeof(part), "SELECT %s, %s, lower(%s)%s, %s%s, %d%s FROM %s%s%s",
		 entity_role_name(e, ROLE_ACCOUNT), entity_role_name(e, ROLE_EMAIL),
		 entity_role_name(e, ROLE_EMAIL), aliases ? " AS email_norm" : "", name,
		 aliases ? " AS name" : "", src, aliases ? " AS src" : "", e->plural,
		 where ? " WHERE " : "", where ? where : "");
	append(sql, size, len, part);
}

/* Who qualifies per account for kind K: account_id, email, email_norm, name, src. */
static void list_people(enum list_kind k, char *sql, size_t size, size_t *len)
{
	struct list_tables t = list_tables();
	char where[256];

	switch (k) {
	case LIST_INVOICE_CREATED:
		snprintf(where, sizeof(where), "%s = 1", entity_role_name(t.l, ROLE_ALERT));
		people_sql(t.l, 2, where, true, sql, size, len);
		return;
	case LIST_STANDARD_INVOICES:
	case LIST_SUMMARY_INVOICES:
	case LIST_IMPORTANT_NOTICES:
		snprintf(where, sizeof(where), "%s = 1",
			 entity_role_name(t.c, k == LIST_STANDARD_INVOICES  ? ROLE_STANDARD
					       : k == LIST_SUMMARY_INVOICES ? ROLE_SUMMARY
									    : ROLE_NOTICES));
		people_sql(t.c, 0, where, true, sql, size, len);
		if (k == LIST_IMPORTANT_NOTICES) { /* and every account holder */
			append(sql, size, len, " UNION ALL ");
			people_sql(t.a, 1, NULL, false, sql, size, len);
		}
		return;
	default:
		snprintf(where, sizeof(where),
			 "instr(' ' || coalesce(%s, '') || ' ', ' ' || ?5 || ' ') > 0",
			 entity_role_name(t.a, ROLE_TOKENS));
		people_sql(t.a, 1, where, true, sql, size, len);
	}
}

static bool list_per_invoice(enum list_kind k)
{
	return k <= LIST_SUMMARY_INVOICES;
}

/* The conditions on the invoice i of a per-invoice list. */
static void list_invoice_terms(const struct list_query *q, char *sql, size_t size, size_t *len)
{
	const struct entity *i = list_tables().i;
	char part[160];

	snprintf(part, sizeof(part), " AND i.%s <> 'void'", entity_role_name(i, ROLE_STATUS));
	append(sql, size, len, part);
	if (q->status) {
		snprintf(part, sizeof(part), " AND i.%s = ?4", entity_role_name(i, ROLE_STATUS));
		append(sql, size, len, part);
	}
	if (q->kind == LIST_STANDARD_INVOICES || q->kind == LIST_SUMMARY_INVOICES) {
		snprintf(part, sizeof(part), " AND i.%s = '%s'", entity_role_name(i, ROLE_KIND),
			 q->kind == LIST_STANDARD_INVOICES ? "standard" : "summary");
		append(sql, size, len, part);
	}
	if (q->from) {
		snprintf(part, sizeof(part), " AND i.%s >= ?1", entity_role_name(i, ROLE_ISSUED));
		append(sql, size, len, part);
	}
	if (q->to) {
		snprintf(part, sizeof(part), " AND i.%s <= ?2", entity_role_name(i, ROLE_ISSUED));
		append(sql, size, len, part);
	}
}

/* ") AS r ON r.account = X.account WHERE a.status <> 'closed'": the people joined, open accounts only. */
static void list_join(const char *x, char *sql, size_t size, size_t *len)
{
	struct list_tables t = list_tables();
	const char *acct = t.a->fields[t.a->key[0]].name;
	char part[256];

	snprintf(part, sizeof(part), ") AS r ON r.%s = %s.%s WHERE a.%s <> 'closed'", acct, x,
		 strcmp(x, "i") == 0 ? entity_role_name(t.i, ROLE_ACCOUNT) : acct,
		 entity_role_name(t.a, ROLE_STATUS));
	append(sql, size, len, part);
}

static int list_bind(sqlite3_stmt *st, const struct list_query *q)
{
	bool invoices = list_per_invoice(q->kind); /* only their lists have ?1, ?2, ?4 */
	int rc = SQLITE_OK;

	if (invoices && q->from)
		rc = sqlite3_bind_text(st, 1, q->from, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && invoices && q->to)
		rc = sqlite3_bind_text(st, 2, q->to, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && q->account)
		rc = sqlite3_bind_text(st, 3, q->account, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && invoices && q->status)
		rc = sqlite3_bind_text(st, 4, q->status, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && q->kind == LIST_SUBSCRIPTION)
		rc = sqlite3_bind_text(st, 5, q->subscription ? q->subscription : "", -1,
				       SQLITE_STATIC);
	return rc;
}

/* "FROM accounts AS a JOIN (people) AS r ON ... WHERE ...": Q's people of the open accounts (Q's account only, if set). */
static void list_accounts_from(const struct list_query *q, char *sql, size_t size, size_t *len)
{
	const struct entity *a = list_tables().a;
	char part[160];

	snprintf(part, sizeof(part), "FROM %s AS a JOIN (", a->plural);
	append(sql, size, len, part);
	list_people(q->kind, sql, size, len);
	list_join("a", sql, size, len);
	if (q->account) {
		snprintf(part, sizeof(part), " AND a.%s = ?3", a->fields[a->key[0]].name);
		append(sql, size, len, part);
	}
}

enum store_status store_each_list_row(struct store *s, const struct list_query *q,
				      int (*fn)(void *ctx, const struct list_row *row), void *ctx)
{
	char sql[3072];
	size_t len = 0;
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;
	bool per_invoice = list_per_invoice(q->kind);

	/* the roles say what else the email is at the account, whatever made it qualify */
	{
		struct list_tables t = list_tables();
		const char *acct = t.a->fields[t.a->key[0]].name;
		char part[1024];
		if (per_invoice)
			snprintf(part, sizeof(part), "SELECT i.%s, i.%s, i.%s, i.%s, i.%s, i.%s, ",
				 t.i->fields[t.i->key[0]].name, entity_role_name(t.i, ROLE_KIND),
				 entity_role_name(t.i, ROLE_ISSUED),
				 entity_role_name(t.i, ROLE_DUE),
				 entity_role_name(t.i, ROLE_CURRENCY),
				 entity_role_name(t.i, ROLE_TOTAL));
		else
			snprintf(part, sizeof(part), "SELECT NULL, NULL, NULL, NULL, NULL, 0, ");
		append(sql, sizeof(sql), &len, part);
		snprintf(part, sizeof(part),
			 "a.%s, a.%s, r.email, r.email_norm, r.name, "
			 "(r.src = 0 OR EXISTS (SELECT 1 FROM %s AS c2 WHERE c2.%s = "
			 "a.%s AND c2.%s = r.email_norm)) "
			 "+ 2 * (lower(a.%s) = r.email_norm) "
			 "+ 4 * (r.src = 2 OR EXISTS (SELECT 1 FROM %s AS l2 WHERE l2.%s = "
			 "r.email_norm AND l2.%s = a.%s)) ",
			 acct, entity_role_name(t.a, ROLE_NAME), t.c->plural,
			 entity_role_name(t.c, ROLE_ACCOUNT), acct,
			 entity_role_name(t.c, ROLE_EMAIL), entity_role_name(t.a, ROLE_EMAIL),
			 t.l->plural, entity_role_name(t.l, ROLE_EMAIL),
			 entity_role_name(t.l, ROLE_ACCOUNT), acct);
		append(sql, sizeof(sql), &len, part);
		if (per_invoice) {
			snprintf(part, sizeof(part),
				 "FROM %s AS i JOIN %s AS a ON a.%s = i.%s JOIN (", t.i->plural,
				 t.a->plural, acct, entity_role_name(t.i, ROLE_ACCOUNT));
			append(sql, sizeof(sql), &len, part);
			list_people(q->kind, sql, sizeof(sql), &len);
			list_join("i", sql, sizeof(sql), &len);
			list_invoice_terms(q, sql, sizeof(sql), &len);
			if (q->account) {
				snprintf(part, sizeof(part), " AND i.%s = ?3",
					 entity_role_name(t.i, ROLE_ACCOUNT));
				append(sql, sizeof(sql), &len, part);
			}
			snprintf(part, sizeof(part),
				 " ORDER BY i.%s, r.email_norm, r.email COLLATE BINARY, r.src",
				 t.i->fields[t.i->key[0]].name);
			append(sql, sizeof(sql), &len, part);
		} else {
			list_accounts_from(q, sql, sizeof(sql), &len);
			snprintf(part, sizeof(part),
				 " ORDER BY a.%s, r.email_norm, r.email COLLATE BINARY, r.src",
				 acct);
			append(sql, sizeof(sql), &len, part);
		}
	}
	/* a sort that does not fit the page cache spills to a file, not to memory */
	sqlite3_exec(s->db, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = list_bind(st, q);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return status_of(s, rc, "cannot read the list");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct list_row r;
		r.invoice_number = (const char *)sqlite3_column_text(st, 0);
		r.kind = (const char *)sqlite3_column_text(st, 1);
		r.issued_on = (const char *)sqlite3_column_text(st, 2);
		r.due_on = (const char *)sqlite3_column_text(st, 3);
		r.currency = (const char *)sqlite3_column_text(st, 4);
		r.total = sqlite3_column_int64(st, 5);
		r.account_id = (const char *)sqlite3_column_text(st, 6);
		r.account_name = (const char *)sqlite3_column_text(st, 7);
		r.email = (const char *)sqlite3_column_text(st, 8);
		r.email_norm = (const char *)sqlite3_column_text(st, 9);
		r.name = (const char *)sqlite3_column_text(st, 10);
		if (!r.name)
			r.name = "";
		r.roles = (unsigned)sqlite3_column_int(st, 11);
		if (fn(ctx, &r) != 0) {
			stopped = 1;
			break;
		}
	}
	return end_rows(s, st, rc, stopped, "cannot read the list");
}

enum store_status store_list_recipients(struct store *s, const struct list_query *q, long *distinct)
{
	char sql[3072];
	size_t len = 0;
	sqlite3_stmt *st = NULL;
	int rc;
	struct list_tables t = list_tables();
	const char *acct = t.a->fields[t.a->key[0]].name;
	char part[256];

	append(sql, sizeof(sql), &len, "SELECT count(DISTINCT r.email_norm) ");
	list_accounts_from(q, sql, sizeof(sql), &len);
	if (list_per_invoice(q->kind)) {
		snprintf(part, sizeof(part), " AND EXISTS (SELECT 1 FROM %s AS i WHERE i.%s = a.%s",
			 t.i->plural, entity_role_name(t.i, ROLE_ACCOUNT), acct);
		append(sql, sizeof(sql), &len, part);
		list_invoice_terms(q, sql, sizeof(sql), &len);
		append(sql, sizeof(sql), &len, ")");
	}
	*distinct = 0;
	sqlite3_exec(s->db, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = list_bind(st, q);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*distinct = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? STORE_OK : status_of(s, rc, "cannot count the recipients");
}

enum store_status store_record_list_build(struct store *s, const struct list_build *b)
{
	sqlite3_stmt *st = NULL;
	int rc =
		sqlite3_prepare_v2(s->db,
				   "INSERT INTO list_builds(batch_id, archive, sha256, as_of, "
				   "data_batch, kinds, params, counts) VALUES (?1, ?2, ?3, ?4, ?5, "
				   "?6, ?7, ?8)",
				   -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, b->batch);
		sqlite3_bind_text(st, 2, b->archive, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, b->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, b->as_of, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, b->data_batch);
		sqlite3_bind_text(st, 6, b->kinds, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, b->params, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, b->counts, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : status_of(s, rc, "cannot record the list build");
}

enum store_status store_find_list_build(struct store *s, const char *sha256,
					int (*fn)(void *ctx, const struct list_build *b), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc =
		sqlite3_prepare_v2(s->db,
				   "SELECT l.batch_id, l.archive, l.sha256, l.as_of, l.data_batch, "
				   "l.kinds, l.params, l.counts, b.ended_at FROM list_builds AS l "
				   "JOIN batches AS b ON b.id = l.batch_id WHERE l.sha256 = ?1 "
				   "ORDER BY l.batch_id",
				   -1, &st, NULL);
	int stopped = 0;

	if (rc != SQLITE_OK)
		return status_of(s, rc, "cannot read the list builds");
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct list_build b;
		b.batch = sqlite3_column_int64(st, 0);
		b.archive = (const char *)sqlite3_column_text(st, 1);
		b.sha256 = (const char *)sqlite3_column_text(st, 2);
		b.as_of = (const char *)sqlite3_column_text(st, 3);
		b.data_batch = sqlite3_column_int64(st, 4);
		b.kinds = (const char *)sqlite3_column_text(st, 5);
		b.params = (const char *)sqlite3_column_text(st, 6);
		b.counts = (const char *)sqlite3_column_text(st, 7);
		b.built_at = (const char *)sqlite3_column_text(st, 8);
		if (fn(ctx, &b) != 0) {
			stopped = 1;
			break;
		}
	}
	return end_rows(s, st, rc, stopped, "cannot read the list builds");
}

enum store_status store_forget_batch(struct store *s, int64_t batch)
{
	sqlite3_stmt *st[2] = {NULL, NULL};
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, "DELETE FROM list_builds WHERE batch_id = ?1", -1,
					&st[0], NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, "DELETE FROM batches WHERE id = ?1", -1, &st[1],
					NULL);
	for (int i = 0; i < 2 && rc == SQLITE_OK; i++) {
		sqlite3_bind_int64(st[i], 1, batch);
		rc = sqlite3_step(st[i]);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st[0]);
	sqlite3_finalize(st[1]);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		enum store_status r = status_of(s, rc, "cannot remove the batch");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	return STORE_OK;
}
