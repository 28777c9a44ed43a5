/*
 * image.c - journal row images as objects (see image.h).
 */
#include "image.h"

json_t *image_parse(const char *text, const char *const *columns, int n)
{
	json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL, *obj;

	if (!v || json_is_object(v))
		return v;
	if (!json_is_array(v) || !columns || json_array_size(v) != (size_t)n) {
		json_decref(v);
		return NULL;
	}
	obj = json_object();
	for (int i = 0; obj && i < n; i++)
		if (json_object_set(obj, columns[i], json_array_get(v, (size_t)i)) != 0) {
			json_decref(obj);
			obj = NULL;
		}
	json_decref(v);
	return obj;
}
