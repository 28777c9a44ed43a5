/*
 * xsd.c - writes each entity's XML Schema from its field table.
 *
 * The XSD says as much as XML Schema 1.0 can (types, required elements,
 * lengths, patterns, enumerations, the iso-codes lists); rules it cannot
 * express (calendar dates, an amount's digits per currency, due >= issued,
 * passwords, access types) are C checks applied to XML and CSV alike.
 */
#include "xsd.h"

#include <stdlib.h>
#include <string.h>

#include "isocodes.h"

/* Write a class body such as "A-Za-z0-9._-" as an XSD character class. */
static void put_class(FILE *out, const char *cls)
{
	fputc('[', out);
	for (const char *p = cls; *p; p++) {
		if (p[1] == '-' && p[2]) {
			fprintf(out, "%c-%c", p[0], p[2]);
			p += 2;
		} else if (strchr("-[]\\^", *p)) {
			fprintf(out, "\\%c", *p);
		} else {
			fputc(*p, out);
		}
	}
	fputc(']', out);
}

static void put_enum(FILE *out, const char *value)
{
	fprintf(out, "      <xs:enumeration value=\"%s\"/>\n", value);
}

/* An optional field may be given empty (clear it); required ones may not. */
static void open_pattern(FILE *out, const struct field *f)
{
	fputs("      <xs:pattern value=\"", out);
	if (!(f->flags & F_REQUIRED))
		fputs("(", out);
	(void)f;
}

static void close_pattern(FILE *out, const struct field *f)
{
	if (!(f->flags & F_REQUIRED))
		fputs(")?", out);
	fputs("\"/>\n", out);
}

static void put_simple_type(FILE *out, const struct field *f)
{
	fprintf(out, "  <xs:simpleType name=\"%s\">\n", f->name);
	fprintf(out, "    <xs:annotation><xs:documentation>%s</xs:documentation></xs:annotation>\n",
		f->doc);
	fputs("    <xs:restriction base=\"xs:string\">\n", out);
	switch (f->type) {
	case FT_TEXT:
		if (f->min_len)
			fprintf(out, "      <xs:minLength value=\"%u\"/>\n", f->min_len);
		if (f->max_len)
			fprintf(out, "      <xs:maxLength value=\"%u\"/>\n", f->max_len);
		break;
	case FT_SECRET:
		break; /* its length is the password_weak rule, checked with the record */
	case FT_CODE:
		open_pattern(out, f);
		put_class(out, f->first_chars);
		put_class(out, f->rest_chars);
		fprintf(out, "{0,%u}", f->max_len - 1);
		close_pattern(out, f);
		break;
	case FT_EMAIL:
		fprintf(out, "      <xs:maxLength value=\"%u\"/>\n", f->max_len);
		open_pattern(out, f);
		fputs(".{1,64}@[^@\\s]{1,255}", out);
		close_pattern(out, f);
		break;
	case FT_COUNTRY:
	case FT_CURRENCY: {
		bool country = f->type == FT_COUNTRY;
		size_t n = country ? iso_country_count() : iso_currency_count();
		if (!(f->flags & F_REQUIRED))
			put_enum(out, "");
		for (size_t i = 0; i < n; i++)
			put_enum(out, country ? iso_country_at(i) : iso_currency_at(i));
		break;
	}
	case FT_DATE:
		open_pattern(out, f);
		fputs("\\d{4}-\\d{2}-\\d{2}", out);
		close_pattern(out, f);
		break;
	case FT_TIME:
		open_pattern(out, f);
		fputs("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z", out);
		close_pattern(out, f);
		break;
	case FT_BOOL:
		open_pattern(out, f);
		fputs("[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]|1|0", out);
		close_pattern(out, f);
		break;
	case FT_AMOUNT:
		open_pattern(out, f);
		fputs("[0-9]+(\\.[0-9]+)?", out);
		close_pattern(out, f);
		break;
	case FT_ENUM:
		if (!(f->flags & F_REQUIRED))
			put_enum(out, "");
		for (const char *const *v = f->values; *v; v++)
			put_enum(out, *v);
		break;
	case FT_TOKENS:
		/* an empty <subscription/> clears the list, as an empty CSV cell does */
		fputs("      <xs:pattern value=\"([a-z0-9_]{1,40})?\"/>\n", out);
		break;
	case FT_HASH:
		open_pattern(out, f);
		fputs("$2[aby]$[0-9]{2}$[./A-Za-z0-9]{53}"
		      "|$y$[./A-Za-z0-9]+$[./A-Za-z0-9]+$[./A-Za-z0-9]+"
		      "|$argon2id$v=19$m=[0-9]+,t=[0-9]+,p=[0-9]+$[A-Za-z0-9+/]+$[A-Za-z0-9+/]+",
		      out);
		close_pattern(out, f);
		break;
	}
	fputs("    </xs:restriction>\n  </xs:simpleType>\n", out);
}

int xsd_write(const struct entity *e, FILE *out)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<!-- acctbatch schema for %s. Generated from src/entity.c by "
		"'acctbatch schema %s'; do not edit. -->\n",
		e->plural, e->plural);
	fputs("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
	      "elementFormDefault=\"qualified\">\n",
	      out);
	fprintf(out, "  <xs:element name=\"%s\">\n    <xs:complexType>\n      <xs:sequence>\n",
		e->plural);
	fprintf(out,
		"        <xs:element name=\"%s\" type=\"%s\" minOccurs=\"0\" "
		"maxOccurs=\"unbounded\"/>\n",
		e->singular, e->singular);
	fputs("      </xs:sequence>\n    </xs:complexType>\n  </xs:element>\n", out);
	/* the record element is global too: each record is validated on its own */
	fprintf(out, "  <xs:element name=\"%s\" type=\"%s\"/>\n", e->singular, e->singular);
	fprintf(out, "  <xs:complexType name=\"%s\">\n    <xs:sequence>\n", e->singular);
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (f->type == FT_TOKENS)
			fprintf(out,
				"      <xs:element name=\"%s\" type=\"%s\" "
				"minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n",
				f->values[0], f->name);
		else
			fprintf(out,
				"      <xs:element name=\"%s\" type=\"%s\" minOccurs=\"0\"/>\n",
				f->name, f->name);
	}
	fputs("    </xs:sequence>\n  </xs:complexType>\n", out);
	for (size_t i = 0; i < e->nfields; i++)
		put_simple_type(out, &e->fields[i]);
	fputs("</xs:schema>\n", out);
	return ferror(out) ? -1 : 0;
}

char *xsd_text(const struct entity *e, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);

	if (!mem)
		return NULL;
	if (xsd_write(e, mem) != 0) {
		fclose(mem);
		free(buf);
		return NULL;
	}
	if (fclose(mem) != 0) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}
