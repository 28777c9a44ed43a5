/*
 * rejects.c - writing rejected records back out in CSV or XML.
 */
#include "rejects.h"

#include <string.h>

#include "csvio.h"

static int xml_text(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '\r':
			fputs("&#13;", out);
			break;
		default:
			putc(s[i], out);
		}
	}
	return ferror(out) ? -1 : 0;
}

/* A comment may not contain "--": replace each '-' of a pair with '_'. */
static void xml_comment_text(FILE *out, const char *s)
{
	for (const char *p = s; *p; p++)
		putc(*p == '-' && (p[1] == '-' || p[1] == '\0') ? '_' : *p, out);
}

int rejects_open(struct rejects_file *rf, const char *path, const struct entity *e,
		 unsigned columns)
{
	size_t n = strlen(path);
	bool first = true;

	memset(rf, 0, sizeof(*rf));
	rf->e = e;
	rf->columns = columns;
	rf->xml = n >= 4 && strcmp(path + n - 4, ".xml") == 0;
	if (outfile_open(&rf->out, path) != 0)
		return -1;
	if (rf->xml) {
		fprintf(rf->out.fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s>\n",
			e->plural);
	} else {
		for (size_t i = 0; i < e->nfields; i++) {
			if (!(columns & (1u << i)))
				continue;
			fprintf(rf->out.fp, "%s%s", first ? "" : ",", e->fields[i].name);
			first = false;
		}
		fprintf(rf->out.fp,
			"%serror_file,error_line,error_field,error_code,error_message\n",
			first ? "" : ",");
	}
	return ferror(rf->out.fp) ? -1 : 0;
}

/* Join the FIELD (0), code (1) or message (2) of each diagnostic with "; ". */
static void joined(FILE *out, const struct diag *d, size_t count, int what, bool csv)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);

	if (!mem)
		return;
	for (size_t i = 0; i < count; i++) {
		const char *s = what == 0   ? (d[i].field ? d[i].field : "")
				: what == 1 ? diag_code_name(d[i].code)
					    : d[i].message;
		fprintf(mem, "%s%s", i ? "; " : "", s);
	}
	fclose(mem);
	if (csv)
		csv_write_cell(out, buf, size, true);
	else
		xml_comment_text(out, buf);
	free(buf);
}

int rejects_add(struct rejects_file *rf, const struct record *rec, const struct diag *diags,
		size_t count)
{
	FILE *out = rf->out.fp;
	const struct entity *e = rf->e;
	bool first = true;

	if (rf->xml) {
		fprintf(out, "  <!-- %s:%ld: ", rec->file, rec->line);
		joined(out, diags, count, 2, false);
		fputs(" [", out);
		joined(out, diags, count, 1, false);
		fprintf(out, "] -->\n  <%s>\n", e->singular);
		for (size_t i = 0; i < e->nfields; i++) {
			const char *v = rec->value[i];
			size_t len = rec->len[i];
			if (!v || !entity_value_shown(&e->fields[i], v, len))
				continue;
			if (e->fields[i].type == FT_TOKENS) {
				size_t p = 0;
				while (p < len) {
					size_t q;
					while (p < len && v[p] == ' ')
						p++;
					q = p;
					while (q < len && v[q] != ' ')
						q++;
					if (q > p) {
						fputs("    <subscription>", out);
						xml_text(out, v + p, q - p);
						fputs("</subscription>\n", out);
					}
					p = q;
				}
				continue;
			}
			fprintf(out, "    <%s>", e->fields[i].name);
			xml_text(out, v, len);
			fprintf(out, "</%s>\n", e->fields[i].name);
		}
		fprintf(out, "  </%s>\n", e->singular);
	} else {
		char line[32];
		for (size_t i = 0; i < e->nfields; i++) {
			if (!(rf->columns & (1u << i)))
				continue;
			if (!first)
				putc(',', out);
			first = false;
			if (rec->value[i] &&
			    entity_value_shown(&e->fields[i], rec->value[i], rec->len[i]))
				csv_write_cell(out, rec->value[i], rec->len[i], true);
		}
		snprintf(line, sizeof(line), "%ld", rec->line);
		if (!first)
			putc(',', out);
		csv_write_cell(out, rec->file, strlen(rec->file), true);
		fprintf(out, ",%s,", line);
		joined(out, diags, count, 0, true);
		putc(',', out);
		joined(out, diags, count, 1, true);
		putc(',', out);
		joined(out, diags, count, 2, true);
		putc('\n', out);
	}
	rf->written++;
	return ferror(out) ? -1 : 0;
}

int rejects_commit(struct rejects_file *rf)
{
	if (rf->xml && rf->out.fp)
		fprintf(rf->out.fp, "</%s>\n", rf->e->plural);
	return outfile_commit(&rf->out);
}

void rejects_abort(struct rejects_file *rf)
{
	outfile_abort(&rf->out);
}
