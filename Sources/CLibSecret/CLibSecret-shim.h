#ifndef PONTOTEL_CLIBSECRET_SHIM_H
#define PONTOTEL_CLIBSECRET_SHIM_H

#include <libsecret/secret.h>
#include <string.h>

/*
 * Helpers for Swift, which cannot call C variadic functions or use GLib's macros.
 * A system-library target cannot compile .c files, so everything here is static inline.
 */

/* The one schema for every item pontotel writes. Attributes not listed cannot be stored.
 * SECRET_SCHEMA_DONT_MATCH_NAME: our searches also find items made by secret-tool or
 * Python keyring for the same service/username. */
static inline const SecretSchema *pontotel_schema(void) {
    static const SecretSchema schema = {
        "br.com.pontotel.Credential", SECRET_SCHEMA_DONT_MATCH_NAME,
        {
            {"service", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"username", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"pontotel-item", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"pontotel-environment", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"pontotel-login", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"pontotel-base-url", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {NULL, 0},
        }
    };
    return &schema;
}

/* A string→string hash table that owns its keys and values. */
static inline GHashTable *pontotel_attributes_new(void) {
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static inline void pontotel_attributes_insert(GHashTable *table, const char *key, const char *value) {
    g_hash_table_insert(table, g_strdup(key), g_strdup(value));
}

static inline const char *pontotel_attributes_lookup(GHashTable *table, const char *key) {
    return (const char *)g_hash_table_lookup(table, key);
}

static inline guint pontotel_attributes_size(GHashTable *table) {
    return g_hash_table_size(table);
}

static inline void pontotel_hash_table_unref(GHashTable *table) {
    if (table) g_hash_table_unref(table);
}

static inline void pontotel_object_unref(gpointer object) {
    if (object) g_object_unref(object);
}

static inline void pontotel_item_list_free(GList *list) {
    g_list_free_full(list, g_object_unref);
}

static inline guint pontotel_list_length(GList *list) { return g_list_length(list); }

static inline SecretItem *pontotel_list_item(GList *list, guint index) {
    return (SecretItem *)g_list_nth_data(list, index);
}

/* A text/plain secret value copied from len bytes (not NUL terminated needed). */
static inline SecretValue *pontotel_value_new_text(const char *bytes, gssize length) {
    return secret_value_new(bytes, length, "text/plain");
}

/* Error details without touching GError fields from Swift. */
static inline gboolean pontotel_error_is_dbus(const GError *error) {
    return error && error->domain == G_DBUS_ERROR;
}
static inline gboolean pontotel_error_is_io(const GError *error) {
    return error && error->domain == G_IO_ERROR;
}
static inline gboolean pontotel_error_is_secret(const GError *error) {
    return error && error->domain == SECRET_ERROR;
}
static inline int pontotel_error_code(const GError *error) { return error ? error->code : 0; }
static inline const char *pontotel_error_message(const GError *error) {
    return error && error->message ? error->message : "";
}
static inline const char *pontotel_error_domain(const GError *error) {
    return error ? g_quark_to_string(error->domain) : "";
}

#endif
