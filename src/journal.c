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
	char *buf;			   /* JSON array text being built */
	size_t len, cap;		   /* bytes used / allocated in buf */
	int pending;			   /* changes in buf */
	size_t *ends;			   /* where each change in buf ends */
	size_t ends_cap;		   /* entries allocated in ends */
	bool oom;			   /* the hook ran out of memory */
	long counts[ENTITY_COUNT][3];	   /* changes of this batch */
	int64_t first_chunk, last_chunk;   /* chunk ids written in this batch */
	sqlite3_stmt *insert;		   /* INSERT INTO journal_chunks */
	sqlite3_stmt *insert_key;	   /* INSERT INTO journal_keys, one row */
	sqlite3_stmt *insert_keys_chunk;   /* the same, a whole chunk's rows */
	struct change_key *keys;	   /* per change in buf: what journal_keys gets */
	size_t keys_cap;		   /* entries allocated in keys */
	char *keytext;			   /* the changes' key texts, one after another */
	size_t keytext_len, keytext_cap;   /* bytes used / allocated */
	/* the keys of the rows inserted while the hook was paused, written
	 * 256 at a time to journal_inserts as one JSON array per entity */
	char *ins;		   /* "[key,key" being built */
	size_t ins_len, ins_cap;   /* bytes used / allocated */
	int ins_n;		   /* keys in ins */
	int ins_entity;		   /* their entity */
	sqlite3_stmt *insert_keys; /* INSERT INTO journal_inserts */
};

/* What journal_keys records of one change: its key, so that the changes
 * of one row are found without reading the chunks. */
struct change_key {
	int entity;	     /* entity id */
	int op;		     /* 0 insert, 1 update, 2 delete */
	size_t off, len;     /* its key text in keytext */
	int64_t inserted_by; /* the row's inserted_by before the change, 0 if none */
};

/* Make *BUF (of *CAP bytes) hold at least NEED bytes, doubling from 64 KiB; -1 when out of memory. */
static int grow_text(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 65536;
	char *nb;

	if (need <= *cap)
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

/* Remember change number j->pending's key (TEXT, N bytes), operation and the
 * row's inserted_by before it, for journal_keys; -1 when out of memory. */
static int note_key(struct journal *j, const struct table_info *t, int op, const char *text,
		    size_t n)
{
	struct change_key *k;
	sqlite3_value *v = NULL;

	if ((size_t)j->pending >= j->keys_cap) {
		size_t ncap = j->keys_cap ? j->keys_cap * 2 : 512;
		struct change_key *nk = realloc(j->keys, ncap * sizeof(*nk));
		if (!nk) {
			j->oom = true;
			return -1;
		}
		j->keys = nk;
		j->keys_cap = ncap;
	}
	if (grow_text(&j->keytext, &j->keytext_cap, j->keytext_len + n) != 0) {
		j->oom = true;
		return -1;
	}
	k = &j->keys[j->pending];
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

/* Whether the row being inserted into T carries the batch that inserts it. */
static bool inserted_by_batch(struct journal *j, const struct table_info *t)
{
	sqlite3_value *v = NULL;

	return t->inserted_by >= 0 &&
	       sqlite3_preupdate_new(j->db, t->inserted_by, &v) == SQLITE_OK && v &&
	       sqlite3_value_type(v) != SQLITE_NULL;
}

static void on_change(void *ctx, sqlite3 *db, int op, const char *zdb, const char *table,
		      sqlite3_int64 k1, sqlite3_int64 k2)
{
	struct journal *j = ctx;
	const struct table_info *t = NULL;
	value_fn key_from = op == SQLITE_DELETE ? sqlite3_preupdate_old : sqlite3_preupdate_new;
	const unsigned char *k, *acct;
	size_t klen = 0, alen = 0;
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
	j->counts[t->e->id][opi]++;
	if (opi == 0 && inserted_by_batch(j, t))
		return;	 /* the row names its batch; the journal view derives the insert */
	put(j, ",[", 2); /* every change starts with a comma; a chunk turns the first into '[' */
	put_string(j, (const unsigned char *)t->e->plural, strlen(t->e->plural));
	put(j, ",", 1);
	k = value_text(j, key_from, t->key[0], &klen);
	{
		/* the key compares emails ignoring ASCII case, so the journal
		 * writes them in lower case; a two-part key is the text of a
		 * JSON array ["account","email"] */
		char text[2100];
		size_t n = 0, k2len = 0;
		const unsigned char *k2s =
			t->key[1] >= 0 ? value_text(j, key_from, t->key[1], &k2len) : NULL;
		const unsigned char *part[2] = {k, k2s};
		size_t plen[2] = {klen, k2len};
		int parts = t->key[1] >= 0 ? 2 : 1;
		if (!k || (parts == 2 && !k2s) || klen + k2len > 1000) {
			j->oom = true;
			return;
		}
		if (parts == 2)
			text[n++] = '[';
		for (int p = 0; p < parts; p++) {
			if (p)
				text[n++] = ',';
			if (parts == 2)
				text[n++] = '"';
			for (size_t i = 0; i < plen[p]; i++) {
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
		put_string(j, (const unsigned char *)text, n);
		if (note_key(j, t, opi, text, n) != 0)
			return;
	}
	put(j, ",", 1);
	acct = value_text(j, key_from, t->account, &alen);
	put_string(j, acct ? acct : (const unsigned char *)"", alen);
	puts_raw(j, opi == 0 ? ",\"insert\"," : opi == 1 ? ",\"update\"," : ",\"delete\",");
	if (opi == 0)
		puts_raw(j, "null");
	else
		put_image(j, t, sqlite3_preupdate_old);
	put(j, ",", 1);
	if (opi == 2)
		puts_raw(j, "null");
	else
		put_image(j, t, sqlite3_preupdate_new);
	put(j, "]", 1);
	if ((size_t)j->pending == j->ends_cap) {
		size_t ncap = j->ends_cap ? j->ends_cap * 2 : 512;
		size_t *ne = realloc(j->ends, ncap * sizeof(*ne));
		if (!ne) {
			j->oom = true;
			return;
		}
		j->ends = ne;
		j->ends_cap = ncap;
	}
	j->ends[j->pending++] = j->len;
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
 * table's columns; NULL for a JSON null. Malloc'd; NULL when out of memory.
 */
static char *image_of_sql(const struct journal *j, const char *entity, const char *json,
			  const char *path)
{
	char *sql = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&sql, &size);

	if (!f)
		return NULL;
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
	if (fclose(f) != 0) {
		free(sql);
		return NULL;
	}
	return sql;
}

char *journal_logged_view_sql(sqlite3 *db)
{
	struct journal *j = calloc(1, sizeof(*j));
	char *before = NULL, *after = NULL, *sql = NULL;
	bool ok = j != NULL;

	if (j)
		j->db = db;
	for (int e = 0; ok && e < ENTITY_COUNT; e++)
		ok = load_table(j, &j->t[e], entity_get(e)) == SQLITE_OK;
	if (ok) {
		before = image_of_sql(j, "j.value ->> 0", "j.value", "'$[4]'");
		after = image_of_sql(j, "j.value ->> 0", "j.value", "'$[5]'");
	}
	if (before && after &&
	    asprintf(
		    &sql,
		    "CREATE VIEW journal_logged(id, batch_id, entity, key, account_id, op, before, "
		    "after) AS SELECT c.id * 1000 + j.key, c.batch_id, j.value ->> 0, "
		    "j.value ->> 1, j.value ->> 2, j.value ->> 3, %s, %s "
		    "FROM journal_chunks AS c, json_each(c.changes) AS j",
		    before, after) < 0)
		sql = NULL;
	free(before);
	free(after);
	if (j)
		free_tables(j); /* only the tables: no hook was set on DB */
	free(j);
	return sql;
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
			const struct change_key *k = &j->keys[from + done + r];
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

/* Write changes FROM..FROM+N-1 of the buffer as one journal_chunks row. */
static int write_chunk(struct journal *j, int from, int n)
{
	size_t start = from ? j->ends[from - 1] : 0, end = j->ends[from + n - 1];
	char saved = j->buf[end]; /* reserve() keeps one spare byte past len */
	int rc;

	j->buf[start] = '[';
	j->buf[end] = ']';
	if (j->batch)
		sqlite3_bind_int64(j->insert, 1, j->batch);
	else
		sqlite3_bind_null(j->insert, 1);
	sqlite3_bind_text(j->insert, 2, j->buf + start, (int)(end - start + 1), SQLITE_STATIC);
	rc = sqlite3_step(j->insert);
	sqlite3_reset(j->insert);
	sqlite3_clear_bindings(j->insert);
	j->buf[end] = saved;
	if (rc != SQLITE_DONE)
		return rc;
	j->last_chunk = sqlite3_last_insert_rowid(j->db);
	if (!j->first_chunk)
		j->first_chunk = j->last_chunk;
	return write_keys(j, from, n);
}

/* Append N bytes at S to the insert list, or only make room for them when S
 * is NULL; -1 when out of memory. */
static int ins_put(struct journal *j, const char *s, size_t n)
{
	if (grow_text(&j->ins, &j->ins_cap, j->ins_len + n + 2) != 0)
		return -1;
	if (s) {
		memcpy(j->ins + j->ins_len, s, n);
		j->ins_len += n;
	}
	return 0;
}

/* Append a JSON string of the N bytes at S, lower-cased when LOWER. */
static int ins_string(struct journal *j, const char *s, size_t n, bool lower)
{
	const unsigned char *u = (const unsigned char *)s;

	if (ins_put(j, NULL, json_string_room(u, n)) != 0)
		return -1;
	j->ins_len += json_string(j->ins + j->ins_len, u, n, lower);
	return 0;
}

/* Write the insert list as one journal_inserts row. */
static int flush_inserts(struct journal *j)
{
	int rc;

	if (j->ins_n == 0)
		return SQLITE_OK;
	if (!j->insert_keys &&
	    (rc = sqlite3_prepare_v3(j->db,
				     "INSERT INTO journal_inserts(batch_id, entity, keys) "
				     "VALUES (?1, ?2, ?3)",
				     -1, SQLITE_PREPARE_PERSISTENT, &j->insert_keys, NULL)) !=
		    SQLITE_OK)
		return rc;
	j->ins[j->ins_len++] = ']';
	sqlite3_bind_int64(j->insert_keys, 1, j->batch);
	sqlite3_bind_text(j->insert_keys, 2, entity_get(j->ins_entity)->plural, -1, SQLITE_STATIC);
	sqlite3_bind_text(j->insert_keys, 3, j->ins, (int)j->ins_len, SQLITE_STATIC);
	rc = sqlite3_step(j->insert_keys);
	sqlite3_reset(j->insert_keys);
	sqlite3_clear_bindings(j->insert_keys);
	j->ins_len = 0;
	j->ins_n = 0;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int journal_flush(struct journal *j, bool all)
{
	int rc, done = 0;

	if (j->oom)
		return SQLITE_NOMEM;
	if (all && (rc = flush_inserts(j)) != SQLITE_OK)
		return rc;
	if (j->pending == 0 || (!all && j->pending < CHUNK_CHANGES))
		return SQLITE_OK;
	if (!j->insert &&
	    (rc = sqlite3_prepare_v3(
		     j->db, "INSERT INTO journal_chunks(batch_id, changes) VALUES (?1, ?2)", -1,
		     SQLITE_PREPARE_PERSISTENT, &j->insert, NULL)) != SQLITE_OK)
		return rc;
	/* one statement may change many rows (a cascade): never more than
	 * CHUNK_CHANGES per chunk, so the journal view's ids stay unique */
	while (j->pending - done >= CHUNK_CHANGES || (all && done < j->pending)) {
		int n = j->pending - done < CHUNK_CHANGES ? j->pending - done : CHUNK_CHANGES;
		if ((rc = write_chunk(j, done, n)) != SQLITE_OK)
			return rc;
		done += n;
	}
	if (done < j->pending) {
		size_t cut = j->ends[done - 1], kcut = j->keys[done].off;
		memmove(j->buf, j->buf + cut, j->len - cut);
		j->len -= cut;
		for (int i = done; i < j->pending; i++)
			j->ends[i - done] = j->ends[i] - cut;
		memmove(j->keytext, j->keytext + kcut, j->keytext_len - kcut);
		j->keytext_len -= kcut;
		for (int i = done; i < j->pending; i++) {
			j->keys[i - done] = j->keys[i];
			j->keys[i - done].off -= kcut;
		}
	} else {
		j->len = 0;
		j->keytext_len = 0;
	}
	j->pending -= done;
	return SQLITE_OK;
}

int64_t journal_first_chunk(const struct journal *j)
{
	return j->first_chunk;
}

int64_t journal_last_chunk(const struct journal *j)
{
	return j->last_chunk;
}

void journal_pause(struct journal *j, bool paused)
{
	sqlite3_preupdate_hook(j->db, paused ? NULL : on_change, paused ? NULL : j);
}

int journal_note_insert(struct journal *j, const struct entity *e, const char *const part[2],
			const size_t len[2])
{
	int rc = SQLITE_OK;
	bool two = e->key[1] >= 0;

	j->counts[e->id][0]++;
	if (j->ins_n && (j->ins_entity != (int)e->id || j->ins_n == CHUNK_CHANGES))
		rc = flush_inserts(j);
	if (rc != SQLITE_OK)
		return rc;
	j->ins_entity = (int)e->id;
	/* the key as the journal writes it: a two-part key is the JSON array
	 * ["account","email"], an email in lower case */
	if (ins_put(j, j->ins_n ? "," : "[", 1) != 0 || (two && ins_put(j, "[", 1) != 0))
		return SQLITE_NOMEM;
	for (int k = 0; k < (two ? 2 : 1); k++)
		if ((k && ins_put(j, ",", 1) != 0) ||
		    ins_string(j, part[k], len[k], e->key[k] == e->email_field) != 0)
			return SQLITE_NOMEM;
	if (two && ins_put(j, "]", 1) != 0)
		return SQLITE_NOMEM;
	j->ins_n++;
	return SQLITE_OK;
}

void journal_discard(struct journal *j)
{
	j->len = 0;
	j->keytext_len = 0;
	j->ins_len = 0;
	j->ins_n = 0;
	j->pending = 0;
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
	sqlite3_finalize(j->insert_keys);
	free(j->ins);
	free(j->keys);
	free(j->keytext);
	free_tables(j);
	free(j->buf);
	free(j->ends);
	free(j);
}
