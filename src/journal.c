/*
 * journal.c - the pre-update hook and the chunked journal (see journal.h).
 */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_CHANGES 256 /* changes per journal_chunks row */

/* What the hook needs to know of one table. */
struct table_info {
	const struct entity *e; /* the entity */
	int ncols;		/* columns in the table */
	char **names;		/* column names by cid */
	int key[2];		/* cids of the key columns (stored form), key[1] -1 if one */
	int account;		/* cid of account_id */
	int email_part;	 /* the key part that is an email (lower-cased in keys), -1 if none */
	int inserted_by; /* cid of inserted_by, -1 if none */
};

struct journal {
	sqlite3 *db;			   /* the connection watched */
	struct table_info t[ENTITY_COUNT]; /* the entity tables */
	int64_t batch;			   /* current batch, 0 outside one */
	char *buf;			   /* the entries being built, each after a comma */
	size_t len, cap;		   /* bytes used / allocated in buf */
	int pending;			   /* entries in buf */
	int run;			   /* of them, the last ones of one kind */
	bool ready;			   /* a chunk is complete: full, or another kind follows */
	bool oom;			   /* the hook ran out of memory */
	long counts[ENTITY_COUNT][3];	   /* changes of this batch */
	int64_t first_chunk, last_chunk;   /* chunk ids written in this batch */
	bool wrote;			   /* whether any was (an id may be 0 after migration 8) */
	sqlite3_stmt *insert;		   /* INSERT INTO journal_chunks */
	sqlite3_stmt *insert_key;	   /* INSERT INTO journal_keys, one row */
	sqlite3_stmt *insert_keys_chunk;   /* the same, a whole chunk's rows */
	struct entry *entries;		   /* per entry in buf: its kind and key */
	size_t entries_cap;		   /* entries allocated in entries */
	char *keytext;			   /* the full entries' key texts, one after another */
	size_t keytext_len, keytext_cap;   /* bytes used / allocated */
};

/* An entry's kind: a full entry, or a compact insert of entity id KIND. */
#define FULL (-1)

/* What the journal keeps of one entry until its chunk is written: its kind
 * and, for a full entry, what journal_keys gets (its key, so that the
 * changes of one row are found without reading the chunks). */
struct entry {
	int kind;	     /* FULL, or the entity id of a compact insert */
	int entity;	     /* entity id */
	int op;		     /* 0 insert, 1 update, 2 delete */
	size_t off, len;     /* its key text in keytext (none for a compact insert) */
	size_t end;	     /* where its text in buf ends */
	int64_t inserted_by; /* the row's inserted_by before the change, 0 if none */
};

/* Make *BUF (of *CAP bytes, NULL at first) hold at least NEED bytes, doubling from 64 KiB;
 * allocated on the first call even for none. -1 when out of memory. */
static int grow_text(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 65536;
	char *nb;

	if (*buf && need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(*buf, ncap);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = ncap;
	return 0;
}

static int reserve(struct journal *j, size_t more)
{
	return grow_text(&j->buf, &j->cap, j->len + more + 1);
}

static void put(struct journal *j, const char *s, size_t n)
{
	if (j->oom || reserve(j, n) != 0) {
		j->oom = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void puts_raw(struct journal *j, const char *s)
{
	put(j, s, strlen(s));
}

/* Whether byte C stands for itself in a JSON string. */
static bool json_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/* Room for the JSON string of the N bytes at S, quotes included: exact for
 * long strings, six bytes a byte for short ones (no pass to count). */
static size_t json_string_room(const unsigned char *s, size_t n)
{
	size_t len = n + 2;

	if (n <= 256)
		return 6 * n + 2;
	for (size_t i = 0; i < n; i++)
		if (!json_plain(s[i]))
			len += s[i] == '\n' || s[i] == '\r' || s[i] == '\t' || s[i] >= 0x20 ? 1 : 5;
	return len;
}

/* Write the JSON string of the N bytes at S, lower-cased when LOWER, at OUT,
 * which has json_string_room(S, N) bytes. Returns the bytes written. */
static size_t json_string(char *out, const unsigned char *s, size_t n, bool lower)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	size_t i = 0;

	*o++ = '"';
	for (;;) {
		size_t start = i;
		while (i < n && json_plain(s[i]))
			i++;
		memcpy(o, s + start, i - start);
		if (lower)
			for (char *p = o; p < o + (i - start); p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
		o += i - start;
		if (i == n)
			break;
		*o++ = '\\';
		switch (s[i]) {
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		case '"':
		case '\\':
			*o++ = (char)s[i];
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[s[i] >> 4];
			o[4] = hex[s[i] & 15];
			o += 5;
		}
		i++;
	}
	*o++ = '"';
	return (size_t)(o - out);
}

/* A JSON string of the N bytes at S. */
static void put_string(struct journal *j, const unsigned char *s, size_t n)
{
	if (j->oom || reserve(j, json_string_room(s, n)) != 0) {
		j->oom = true;
		return;
	}
	j->len += json_string(j->buf + j->len, s, n, false);
}

static void put_value(struct journal *j, sqlite3_value *v)
{
	char num[32];

	switch (v ? sqlite3_value_type(v) : SQLITE_NULL) {
	case SQLITE_INTEGER: {
		/* digits by hand: snprintf was a tenth of journaling a delete */
		sqlite3_int64 x = sqlite3_value_int64(v);
		unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
		size_t k = sizeof(num);
		do
			num[--k] = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (x < 0)
			num[--k] = '-';
		put(j, num + k, sizeof(num) - k);
		break;
	}
	case SQLITE_FLOAT:
		snprintf(num, sizeof(num), "%.17g", sqlite3_value_double(v));
		puts_raw(j, num);
		break;
	case SQLITE_TEXT:
		put_string(j, sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v));
		break;
	default:
		puts_raw(j, "null");
	}
}

typedef int (*value_fn)(sqlite3 *, int, sqlite3_value **);

/* Note entry number j->pending: its KIND, entity, operation and, for a
 * full entry, its key (TEXT, N bytes) and the row's inserted_by before the
 * change, for journal_keys; -1 when out of memory. */
static int note_entry(struct journal *j, const struct table_info *t, int kind, int op,
		      const char *text, size_t n)
{
	struct entry *k;
	sqlite3_value *v = NULL;

	if ((size_t)j->pending >= j->entries_cap) {
		size_t ncap = j->entries_cap ? j->entries_cap * 2 : 512;
		struct entry *nk = realloc(j->entries, ncap * sizeof(*nk));
		if (!nk) {
			j->oom = true;
			return -1;
		}
		j->entries = nk;
		j->entries_cap = ncap;
	}
	if (grow_text(&j->keytext, &j->keytext_cap, j->keytext_len + n) != 0) {
		j->oom = true;
		return -1;
	}
	k = &j->entries[j->pending];
	k->kind = kind;
	k->entity = (int)t->e->id;
	k->op = op;
	k->off = j->keytext_len;
	k->len = n;
	k->inserted_by = 0;
	if (op != 0 && t->inserted_by >= 0 &&
	    sqlite3_preupdate_old(j->db, t->inserted_by, &v) == SQLITE_OK && v &&
	    sqlite3_value_type(v) == SQLITE_INTEGER)
		k->inserted_by = sqlite3_value_int64(v);
	memcpy(j->keytext + j->keytext_len, text, n);
	j->keytext_len += n;
	return 0;
}

/* The row image through GET (old or new values): a JSON array of the row's values in table column order. */
static void put_image(struct journal *j, const struct table_info *t, value_fn get)
{
	put(j, "[", 1);
	for (int c = 0; c < t->ncols; c++) {
		sqlite3_value *v = NULL;
		if (get(j->db, c, &v) != SQLITE_OK)
			v = NULL;
		if (c)
			put(j, ",", 1);
		put_value(j, v);
	}
	put(j, "]", 1);
}

static const unsigned char *value_text(struct journal *j, value_fn get, int cid, size_t *n)
{
	sqlite3_value *v = NULL;
	const unsigned char *s;

	if (cid < 0 || get(j->db, cid, &v) != SQLITE_OK || !v)
		return NULL;
	s = sqlite3_value_text(v);
	*n = (size_t)sqlite3_value_bytes(v);
	return s;
}

/* Whether the row being inserted into T names the batch that inserts it (the store's inserts do). */
static bool inserted_by_batch(struct journal *j, const struct table_info *t)
{
	sqlite3_value *v = NULL;

	return j->batch && t->inserted_by >= 0 &&
	       sqlite3_preupdate_new(j->db, t->inserted_by, &v) == SQLITE_OK && v &&
	       sqlite3_value_type(v) == SQLITE_INTEGER && sqlite3_value_int64(v) == j->batch;
}

/* A JSON string of the N bytes at S, lower-cased when LOWER. */
static void put_key_part(struct journal *j, const unsigned char *s, size_t n, bool lower)
{
	if (j->oom || reserve(j, json_string_room(s, n)) != 0) {
		j->oom = true;
		return;
	}
	j->len += json_string(j->buf + j->len, s, n, lower);
}

/*
 * The row's key as the journal writes it, from its parts PART (LEN bytes
 * each), into TEXT (of KEY_TEXT_MAX bytes): the key column, or for a
 * two-part key the text of a JSON array ["account","email"]; an email in
 * lower case, because the key compares emails ignoring ASCII case. Returns
 * the text's length, 0 when a part is too long.
 */
#define KEY_TEXT_MAX 2100
static size_t key_text(const struct table_info *t, const unsigned char *const part[2],
		       const size_t len[2], char *text)
{
	int parts = t->key[1] >= 0 ? 2 : 1;
	size_t n = 0;

	if (len[0] + (parts == 2 ? len[1] : 0) > 1000)
		return 0;
	if (parts == 2)
		text[n++] = '[';
	for (int p = 0; p < parts; p++) {
		if (p)
			text[n++] = ',';
		if (parts == 2)
			text[n++] = '"';
		for (size_t i = 0; i < len[p]; i++) {
			unsigned char c = part[p][i];
			if (parts == 2 && (c == '"' || c == '\\'))
				text[n++] = '\\';
			if (p == t->email_part && c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			text[n++] = (char)c;
		}
		if (parts == 2)
			text[n++] = '"';
	}
	if (parts == 2)
		text[n++] = ']';
	return n;
}

/*
 * Record one change OP (0 insert, 1 update, 2 delete) of the row of T whose
 * key parts are PART (LEN bytes each): the one place a journal entry is
 * made (see the invariant in journal.h). A COMPACT entry is an insert of a
 * row that names this batch: its key alone (a JSON array of the parts for
 * a two-part key). Any other is a full entry [entity, key, account, op,
 * before, after], read through SQLite's pre-update accessors (so only from
 * the hook). Each entry is written after a comma; a chunk turns the first
 * into '['.
 */
static void record(struct journal *j, const struct table_info *t, int op, bool compact,
		   const unsigned char *const part[2], const size_t plen[2])
{
	value_fn key_from = op == 2 ? sqlite3_preupdate_old : sqlite3_preupdate_new;
	const unsigned char *acct;
	size_t alen = 0, n;
	char text[KEY_TEXT_MAX];

	j->counts[t->e->id][op]++;
	put(j, ",", 1);
	if (compact) {
		if (note_entry(j, t, (int)t->e->id, op, "", 0) != 0)
			return;
		if (t->key[1] >= 0)
			put(j, "[", 1);
		for (int p = 0; p < (t->key[1] >= 0 ? 2 : 1); p++) {
			if (p)
				put(j, ",", 1);
			put_key_part(j, part[p], plen[p], p == t->email_part);
		}
		if (t->key[1] >= 0)
			put(j, "]", 1);
	} else {
		if (!(n = key_text(t, part, plen, text))) {
			j->oom = true;
			return;
		}
		if (note_entry(j, t, FULL, op, text, n) != 0)
			return;
		put(j, "[", 1);
		put_string(j, (const unsigned char *)t->e->plural, strlen(t->e->plural));
		put(j, ",", 1);
		put_string(j, (const unsigned char *)text, n);
		put(j, ",", 1);
		acct = value_text(j, key_from, t->account, &alen);
		put_string(j, acct ? acct : (const unsigned char *)"", alen);
		puts_raw(j, op == 0 ? ",\"insert\"," : op == 1 ? ",\"update\"," : ",\"delete\",");
		if (op == 0)
			puts_raw(j, "null");
		else
			put_image(j, t, sqlite3_preupdate_old);
		put(j, ",", 1);
		if (op == 2)
			puts_raw(j, "null");
		else
			put_image(j, t, sqlite3_preupdate_new);
		put(j, "]", 1);
	}
	if (j->oom)
		return;
	j->entries[j->pending].end = j->len;
	if (j->pending && j->entries[j->pending].kind == j->entries[j->pending - 1].kind &&
	    j->run < CHUNK_CHANGES) {
		j->run++;
	} else {
		j->ready |= j->pending > 0;
		j->run = 1;
	}
	j->ready |= j->run == CHUNK_CHANGES;
	j->pending++;
}

/* SQLite's pre-update hook: every change to a row of an entity table. */
static void on_change(void *ctx, sqlite3 *db, int op, const char *zdb, const char *table,
		      sqlite3_int64 k1, sqlite3_int64 k2)
{
	struct journal *j = ctx;
	const struct table_info *t = NULL;
	int opi;

	(void)db;
	(void)k1;
	(void)k2;
	if (strcmp(zdb, "main") != 0)
		return;
	for (int e = 0; e < ENTITY_COUNT; e++)
		if (j->t[e].e && strcmp(table, j->t[e].e->plural) == 0)
			t = &j->t[e];
	if (!t)
		return;
	opi = op == SQLITE_INSERT ? 0 : op == SQLITE_UPDATE ? 1 : 2;
	{
		value_fn get = opi == 2 ? sqlite3_preupdate_old : sqlite3_preupdate_new;
		const unsigned char *part[2] = {NULL, (const unsigned char *)""};
		size_t len[2] = {0, 0};
		for (int p = 0; p < (t->key[1] >= 0 ? 2 : 1); p++)
			if (!(part[p] = value_text(j, get, t->key[p], &len[p]))) {
				j->oom = true;
				return;
			}
		record(j, t, opi, opi == 0 && inserted_by_batch(j, t), part, len);
	}
}

static int load_table(struct journal *j, struct table_info *t, const struct entity *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	t->e = e;
	t->key[0] = t->key[1] = t->account = t->email_part = t->inserted_by = -1;
	rc = sqlite3_prepare_v2(j->db, "SELECT cid, name FROM pragma_table_info(?1) ORDER BY cid",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		sqlite3_bind_text(st, 1, e->plural, -1, SQLITE_STATIC);
	t->names = calloc(FIELD_MAX + 2, sizeof(*t->names));
	if (!t->names)
		rc = SQLITE_NOMEM;
	while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		int cid = sqlite3_column_int(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (cid != t->ncols || cid >= FIELD_MAX + 2) {
			rc = SQLITE_CORRUPT;
			break;
		}
		t->names[cid] = strdup(name);
		if (!t->names[cid]) {
			rc = SQLITE_NOMEM;
			break;
		}
		t->ncols = cid + 1;
		if (strcmp(name, e->fields[e->account_field].name) == 0)
			t->account = cid;
		if (strcmp(name, "inserted_by") == 0)
			t->inserted_by = cid;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rc;
	for (int k = 0; k < 2 && e->key[k] >= 0; k++) {
		for (int c = 0; c < t->ncols; c++)
			if (strcmp(t->names[c], e->fields[e->key[k]].name) == 0)
				t->key[k] = c;
		if (e->key[k] == e->email_field)
			t->email_part = k;
	}
	return t->key[0] >= 0 && t->account >= 0 ? SQLITE_OK : SQLITE_CORRUPT;
}

/* Free what load_table read of each table. */
static void free_tables(struct journal *j)
{
	for (int e = 0; e < ENTITY_COUNT; e++) {
		for (int c = 0; j->t[e].names && c < j->t[e].ncols; c++)
			free(j->t[e].names[c]);
		free(j->t[e].names);
	}
}

struct journal *journal_new(sqlite3 *db)
{
	struct journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	if (!sqlite3_compileoption_used("ENABLE_PREUPDATE_HOOK")) {
		free(j);
		return NULL;
	}
	j->db = db;
	for (int e = 0; e < ENTITY_COUNT; e++)
		if (load_table(j, &j->t[e], entity_get(e)) != SQLITE_OK) {
			journal_free(j);
			return NULL;
		}
	journal_discard(j);
	sqlite3_preupdate_hook(db, on_change, j);
	return j;
}

int journal_image_sql(const struct journal *j, const struct entity *e, const char *alias, char *buf,
		      size_t size)
{
	const struct table_info *t = &j->t[e->id];
	size_t n = 0;

	n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "json_object(");
	for (int c = 0; c < t->ncols; c++)
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s'%s', %s.%s",
				      c ? ", " : "", t->names[c], alias, t->names[c]);
	n += (size_t)snprintf(buf + n, n < size ? size - n : 0, ")");
	return n < size ? 0 : -1;
}

/*
 * The SQL expression of the image at PATH (an SQL text expression giving
 * a JSON path, such as '$[4]') in the JSON text JSON, of the entity whose
 * plural ENTITY (an SQL expression) gives, as a JSON object over the
 * table's columns; NULL for a JSON null. Written to F.
 */
static void image_of_sql(FILE *f, const struct journal *j, const char *entity, const char *json,
			 const char *path)
{
	/* the image is taken out once, so that each column's lookup parses
	 * only the image, by position */
	fprintf(f, "(SELECT CASE json_type(x) WHEN 'array' THEN CASE %s", entity);
	for (int e = 0; e < ENTITY_COUNT; e++) {
		const struct table_info *t = &j->t[e];
		fprintf(f, " WHEN '%s' THEN json_object(", t->e->plural);
		for (int c = 0; c < t->ncols; c++)
			fprintf(f, "%s'%s', x -> %d", c ? ", " : "", t->names[c], c);
		fputs(")", f);
	}
	fprintf(f, " END WHEN 'object' THEN x END FROM (SELECT %s -> (%s) AS x))", json, path);
}

/*
 * The journal view's rows for the compact inserts of T's entity: the
 * row as inserted is the before image of the row's first later change
 * made while it still named its batch (journal_keys has it), else the row
 * as it is now if it still names its batch. Written to F.
 */
static void inserts_sql(FILE *f, const struct journal *j, const struct table_info *t)
{
	const struct entity *e = t->e;
	char match[200], image[1200], entity[64];

	journal_key_match_sql(e, "t", "k.value", match, sizeof(match));
	journal_image_sql(j, e, "t", image, sizeof(image));
	snprintf(entity, sizeof(entity), "'%s'", e->plural);
	fprintf(f,
		" UNION ALL SELECT id, batch_id, '%s', key, img ->> '%s', 'insert', NULL, img "
		"FROM (SELECT c.id * 1000 + k.key AS id, c.batch_id AS batch_id, k.value AS key, "
		"coalesce((SELECT ",
		e->plural, e->fields[e->account_field].name);
	image_of_sql(f, j, entity, "lc.changes", "'$[' || (jk.change_id % 1000) || '][4]'");
	fprintf(f,
		" FROM journal_keys AS jk JOIN journal_chunks AS lc ON lc.id = jk.change_id / 1000 "
		"WHERE jk.entity = '%s' AND jk.key = k.value AND jk.inserted_by = c.batch_id "
		"AND jk.change_id > c.id * 1000 + k.key "
		"ORDER BY jk.change_id LIMIT 1), (SELECT %s FROM %s AS t WHERE %s AND "
		"t.inserted_by = c.batch_id)) AS img "
		"FROM journal_chunks AS c, json_each(c.changes) AS k WHERE c.entity = '%s')",
		e->plural, image, e->plural, match, e->plural);
}

char *journal_views_sql(sqlite3 *db)
{
	struct journal *j = calloc(1, sizeof(*j));
	char *sql = NULL;
	size_t size = 0;
	FILE *f = NULL;
	bool ok = j != NULL;

	if (j)
		j->db = db;
	for (int e = 0; ok && e < ENTITY_COUNT; e++)
		ok = load_table(j, &j->t[e], entity_get(e)) == SQLITE_OK;
	if (ok && (f = open_memstream(&sql, &size)) != NULL) {
		fputs("CREATE VIEW journal_logged(id, batch_id, entity, key, account_id, op, "
		      "before, "
		      "after) AS SELECT c.id * 1000 + j.key, c.batch_id, j.value ->> 0, "
		      "j.value ->> 1, j.value ->> 2, j.value ->> 3, ",
		      f);
		image_of_sql(f, j, "j.value ->> 0", "j.value", "'$[4]'");
		fputs(", ", f);
		image_of_sql(f, j, "j.value ->> 0", "j.value", "'$[5]'");
		fputs(" FROM journal_chunks AS c, json_each(c.changes) AS j WHERE c.entity IS "
		      "NULL;\n"
		      "CREATE VIEW journal(id, batch_id, entity, key, account_id, op, before, "
		      "after) "
		      "AS SELECT id, batch_id, entity, key, account_id, op, before, after "
		      "FROM journal_logged",
		      f);
		for (int e = 0; e < ENTITY_COUNT; e++)
			inserts_sql(f, j, &j->t[e]);
		fputs(";\n", f);
		if (fclose(f) != 0) {
			free(sql);
			sql = NULL;
		}
	}
	if (j)
		free_tables(j); /* only the tables: no hook was set on DB */
	free(j);
	return sql;
}

void journal_key_sql(const struct entity *e, const char *alias, char *buf, size_t size)
{
	size_t n = 0;
	bool two = e->key[1] >= 0;

	n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s", two ? "json_array(" : "");
	for (int k = 0; k < 2 && e->key[k] >= 0; k++) {
		bool email = e->key[k] == e->email_field;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s%s.%s%s",
				      k ? ", " : "", email ? "lower(" : "", alias,
				      e->fields[e->key[k]].name, email ? ")" : "");
	}
	snprintf(buf + n, n < size ? size - n : 0, "%s", two ? ")" : "");
}

void journal_key_match_sql(const struct entity *e, const char *t, const char *key, char *buf,
			   size_t size)
{
	size_t n = 0;
	bool two = e->key[1] >= 0;

	for (int k = 0; k < 2 && e->key[k] >= 0; k++)
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
				      two ? "%s%s.%s = %s ->> %d" : "%s%s.%s = %s",
				      k ? " AND " : "", t, e->fields[e->key[k]].name, key, k);
}

const char *const *journal_columns(const struct journal *j, const struct entity *e, int *n)
{
	*n = j->t[e->id].ncols;
	return (const char *const *)j->t[e->id].names;
}

void journal_begin(struct journal *j, int64_t batch)
{
	journal_discard(j);
	j->batch = batch;
	memset(j->counts, 0, sizeof(j->counts));
	j->first_chunk = j->last_chunk = 0;
	j->wrote = false;
}

/*
 * Index changes FROM..FROM+N-1, just written as chunk j->last_chunk, in
 * journal_keys: entity, key, the change's id in the journal view (chunk
 * id * 1000 + position), batch, operation and the row's inserted_by.
 */
static int write_keys(struct journal *j, int from, int n)
{
	static const char *const ops[] = {"insert", "update", "delete"};
	sqlite3_stmt *st;
	int rc = SQLITE_OK, rows;

	/* a whole chunk in one statement of CHUNK_CHANGES rows, else row by row */
	rows = n == CHUNK_CHANGES ? CHUNK_CHANGES : 1;
	st = rows > 1 ? j->insert_keys_chunk : j->insert_key;
	if (!st) {
		char *sql = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&sql, &len);
		if (!f)
			return SQLITE_NOMEM;
		fputs("INSERT INTO journal_keys(entity, key, change_id, batch_id, op, inserted_by) "
		      "VALUES ",
		      f);
		for (int r = 0; r < rows; r++)
			fprintf(f, "%s(?,?,?,?,?,?)", r ? "," : "");
		fclose(f);
		rc = sql ? sqlite3_prepare_v3(j->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)
			 : SQLITE_NOMEM;
		free(sql);
		if (rc != SQLITE_OK)
			return rc;
		*(rows > 1 ? &j->insert_keys_chunk : &j->insert_key) = st;
	}
	for (int done = 0; done < n && rc == SQLITE_OK; done += rows) {
		for (int r = 0; r < rows; r++) {
			const struct entry *k = &j->entries[from + done + r];
			int p = r * 6;
			sqlite3_bind_text(st, p + 1, entity_get(k->entity)->plural, -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, p + 2, j->keytext + k->off, (int)k->len,
					  SQLITE_STATIC);
			sqlite3_bind_int64(st, p + 3, j->last_chunk * 1000 + done + r);
			if (j->batch)
				sqlite3_bind_int64(st, p + 4, j->batch);
			else
				sqlite3_bind_null(st, p + 4);
			sqlite3_bind_text(st, p + 5, ops[k->op], -1, SQLITE_STATIC);
			if (k->inserted_by)
				sqlite3_bind_int64(st, p + 6, k->inserted_by);
			else
				sqlite3_bind_null(st, p + 6);
		}
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(st);
	}
	sqlite3_clear_bindings(st);
	return rc;
}

/* Write entries FROM..FROM+N-1 of the buffer, all of one kind, as one journal_chunks row. */
static int write_chunk(struct journal *j, int from, int n)
{
	size_t start = from ? j->entries[from - 1].end : 0, end = j->entries[from + n - 1].end;
	char saved = j->buf[end]; /* reserve() keeps one spare byte past len */
	int kind = j->entries[from].kind, rc;

	j->buf[start] = '[';
	j->buf[end] = ']';
	if (j->batch)
		sqlite3_bind_int64(j->insert, 1, j->batch);
	else
		sqlite3_bind_null(j->insert, 1);
	if (kind == FULL)
		sqlite3_bind_null(j->insert, 2);
	else
		sqlite3_bind_text(j->insert, 2, entity_get(kind)->plural, -1, SQLITE_STATIC);
	sqlite3_bind_text(j->insert, 3, j->buf + start, (int)(end - start + 1), SQLITE_STATIC);
	rc = sqlite3_step(j->insert);
	sqlite3_reset(j->insert);
	sqlite3_clear_bindings(j->insert);
	j->buf[end] = saved;
	if (rc != SQLITE_DONE)
		return rc;
	j->last_chunk = sqlite3_last_insert_rowid(j->db);
	if (!j->wrote)
		j->first_chunk = j->last_chunk;
	j->wrote = true;
	return kind == FULL ? write_keys(j, from, n) : SQLITE_OK;
}

/* The number of entries from FROM that make one chunk: of one kind, at most CHUNK_CHANGES. */
static int run_length(const struct journal *j, int from)
{
	int n = 1;

	while (from + n < j->pending && n < CHUNK_CHANGES &&
	       j->entries[from + n].kind == j->entries[from].kind)
		n++;
	return n;
}

int journal_flush(struct journal *j, bool all)
{
	int rc, done = 0;

	if (j->oom)
		return SQLITE_NOMEM;
	if (j->pending == 0 || (!all && !j->ready))
		return SQLITE_OK;
	if (!j->insert &&
	    (rc = sqlite3_prepare_v3(j->db,
				     "INSERT INTO journal_chunks(batch_id, entity, changes) "
				     "VALUES (?1, ?2, ?3)",
				     -1, SQLITE_PREPARE_PERSISTENT, &j->insert, NULL)) != SQLITE_OK)
		return rc;
	/* chunk by chunk in the order recorded, so that chunk ids give it: a
	 * chunk is written once full or once an entry of another kind follows
	 * it (never more than CHUNK_CHANGES, so that entry ids stay unique) */
	while (done < j->pending) {
		int n = run_length(j, done);
		if (!all && n < CHUNK_CHANGES && done + n == j->pending)
			break;
		if ((rc = write_chunk(j, done, n)) != SQLITE_OK)
			return rc;
		done += n;
	}
	if (done == 0)
		return SQLITE_OK;
	if (done < j->pending) {
		size_t cut = j->entries[done - 1].end, kcut = j->entries[done].off;
		memmove(j->buf, j->buf + cut, j->len - cut);
		j->len -= cut;
		memmove(j->keytext, j->keytext + kcut, j->keytext_len - kcut);
		j->keytext_len -= kcut;
		for (int i = done; i < j->pending; i++) {
			j->entries[i - done] = j->entries[i];
			j->entries[i - done].off -= kcut;
			j->entries[i - done].end -= cut;
		}
	} else {
		j->len = 0;
		j->keytext_len = 0;
	}
	j->pending -= done;
	j->run = j->pending; /* what is left is one incomplete chunk */
	j->ready = false;
	return SQLITE_OK;
}

void journal_pause(struct journal *j, bool paused)
{
	sqlite3_preupdate_hook(j->db, paused ? NULL : on_change, paused ? NULL : j);
}

int journal_record_insert(struct journal *j, const struct entity *e, const char *const part[2],
			  const size_t len[2])
{
	const unsigned char *p[2] = {(const unsigned char *)part[0],
				     (const unsigned char *)part[1]};

	record(j, &j->t[e->id], 0, true, p, len);
	return j->oom ? SQLITE_NOMEM : SQLITE_OK;
}

bool journal_chunks_written(const struct journal *j, int64_t *first, int64_t *last)
{
	*first = j->first_chunk;
	*last = j->last_chunk;
	return j->wrote;
}

void journal_discard(struct journal *j)
{
	j->len = 0;
	j->keytext_len = 0;
	j->pending = 0;
	j->run = 0;
	j->ready = false;
	j->oom = false;
}

void journal_counts(const struct journal *j, long counts[][3])
{
	memcpy(counts, j->counts, sizeof(j->counts));
}

void journal_free(struct journal *j)
{
	if (!j)
		return;
	sqlite3_preupdate_hook(j->db, NULL, NULL);
	sqlite3_finalize(j->insert);
	sqlite3_finalize(j->insert_key);
	sqlite3_finalize(j->insert_keys_chunk);
	free(j->entries);
	free(j->keytext);
	free_tables(j);
	free(j->buf);
	free(j);
}
