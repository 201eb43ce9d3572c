/* A C host of the static library, as an iOS app is one: it links
 * libminiapp_auth.a AND the platform's SQLite (-lsqlite3) and uses both, each
 * for itself. tests/packaging/c-host.sh links it twice:
 *   - with the archive scripts/static-lib-exports.sh made: every check below
 *     must pass (the host's sqlite3_* calls reach the platform's SQLite, with
 *     JSON and FTS5; the engine's reach the bundled copy inside the archive);
 *   - with cargo's archive as it comes (the control): the host's own calls land
 *     in the bundled, stripped SQLite (SQLITE_OMIT_JSON, no FTS5;
 *     .cargo/config.toml), so the version, json_extract and fts5 checks fail.
 *
 *   c_host DB_PATH     one line per check ("c-host: NAME: pass|fail[: detail]");
 *                      exit status 0 only if all passed
 *
 * The engine is reached through the generated C header only, as the Swift
 * bindings reach it: arguments lowered into RustBuffers, a ConsentUi vtable
 * registered (no dialog is ever shown here, so its methods are never called).
 */
#if !defined(__clang__) /* the header's nullability annotations are Clang's */
#define _Nonnull
#define _Nullable
#endif
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "MiniAppAuthFFI.h"

static int failures;

static void check(int passed, const char *what, const char *detail) {
    /* pass/fail, not the suite's ok/FAILED: these lines are quoted in the suite's own. */
    printf("c-host: %s: %s%s%s\n", what, passed ? "pass" : "fail", detail[0] ? ": " : "", detail);
    if (!passed) failures++;
}

/* --- the host's own SQLite --------------------------------------------------- */

static void host_sqlite(void) {
    char detail[256];
    snprintf(detail, sizeof detail, "sqlite3_libversion() %s, compiled against sqlite3.h %s",
             sqlite3_libversion(), SQLITE_VERSION);
    check(sqlite3_libversion_number() == SQLITE_VERSION_NUMBER, "the host's sqlite3_* are the platform's", detail);

    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        check(0, "the host opens its own database", sqlite3_errmsg(db));
        return;
    }
    sqlite3_stmt *stmt = NULL;
    int value = -1;
    if (sqlite3_prepare_v2(db, "SELECT json_extract('{\"a\":1}', '$.a')", -1, &stmt, NULL) == SQLITE_OK
        && sqlite3_step(stmt) == SQLITE_ROW) {
        value = sqlite3_column_int(stmt, 0);
        snprintf(detail, sizeof detail, "json_extract('{\"a\":1}', '$.a') = %d", value);
    } else {
        snprintf(detail, sizeof detail, "%s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(stmt);
    check(value == 1, "the host's json_extract", detail);

    char *error = NULL;
    long matches = -1;
    stmt = NULL;
    if (sqlite3_exec(db,
                     "CREATE VIRTUAL TABLE notes USING fts5(body);"
                     "INSERT INTO notes VALUES ('hello sqlite'), ('goodbye');",
                     NULL, NULL, &error) == SQLITE_OK
        && sqlite3_prepare_v2(db, "SELECT count(*) FROM notes WHERE notes MATCH 'hello'", -1, &stmt, NULL) == SQLITE_OK
        && sqlite3_step(stmt) == SQLITE_ROW) {
        matches = sqlite3_column_int64(stmt, 0);
        snprintf(detail, sizeof detail, "%ld row matches 'hello'", matches);
    } else {
        snprintf(detail, sizeof detail, "%s", error ? error : sqlite3_errmsg(db));
    }
    sqlite3_free(error);
    sqlite3_finalize(stmt);
    check(matches == 1, "the host's fts5 table", detail);
    sqlite3_close(db);
}

/* --- the engine, through the C ABI ------------------------------------------- */

static int ui_frees;
static void ui_free(uint64_t handle) { (void)handle; ui_frees++; }
static uint64_t ui_clone(uint64_t handle) { return handle; }
/* No method: this host never triggers a dialog (a call would crash, loudly). */
static const UniffiVTableCallbackInterfaceConsentUi ui_vtable = {.uniffiFree = ui_free, .uniffiClone = ui_clone};

static uint32_t read_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Did the call succeed? Says why not (a panic carries its message). */
static int call_ok(RustCallStatus *status, const char *what) {
    if (status->code == 0) return 1;
    char detail[300];
    int len = (int)status->errorBuf.len;
    if (status->code == 2 && status->errorBuf.data) /* a panic: the message, as UTF-8 */
        snprintf(detail, sizeof detail, "panicked: %.*s", len > 250 ? 250 : len, (const char *)status->errorBuf.data);
    else if (status->code == 1 && len > 8) /* an error: its variant, then (here) a string: its length, its bytes */
        snprintf(detail, sizeof detail, "error variant %u: %.*s", read_be32(status->errorBuf.data),
                 len - 8 > 250 ? 250 : len - 8, (const char *)status->errorBuf.data + 8);
    else
        snprintf(detail, sizeof detail, "RustCallStatus code %d", status->code);
    check(0, what, detail);
    return 0;
}

static RustBuffer bytes_buffer(const void *data, int32_t len) {
    RustCallStatus status = {0};
    RustBuffer buffer = ffi_miniapp_auth_rustbuffer_from_bytes((ForeignBytes){.len = len, .data = data}, &status);
    call_ok(&status, "rustbuffer_from_bytes");
    return buffer;
}
static RustBuffer string_arg(const char *s) { return bytes_buffer(s, (int32_t)strlen(s)); } /* a String: its bytes */
static RustBuffer none_arg(void) { return bytes_buffer("\0", 1); }                        /* an Option: tag 0 */

/* A method call consumes the object handle it is given: the bindings pass a clone. */
static uint64_t clone_engine(uint64_t handle) {
    RustCallStatus status = {0};
    uint64_t clone = uniffi_miniapp_auth_fn_clone_authengine(handle, &status);
    call_ok(&status, "AuthEngine clone");
    return clone;
}

static void engine(const char *db_path) {
    uniffi_miniapp_auth_fn_init_callback_vtable_consentui(&ui_vtable);

    RustCallStatus status = {0};
    /* The UI's handle: the host's to choose; the bindings' are odd numbers. */
    uint64_t handle = uniffi_miniapp_auth_fn_constructor_authengine_open(string_arg(db_path), 1, none_arg(), &status);
    if (!call_ok(&status, "AuthEngine.open")) return;
    check(handle != 0, "AuthEngine.open", db_path);

    status = (RustCallStatus){0};
    uniffi_miniapp_auth_fn_method_authengine_set_grant(clone_engine(handle), string_arg("u1"), string_arg("wxA"),
                                                      none_arg(), string_arg("scope.camera"), 1, &status);
    if (call_ok(&status, "AuthEngine.setGrant")) check(1, "AuthEngine.setGrant", "u1 wxA scope.camera granted");

    /* Vec<String>: a big-endian i32 count, then each string as an i32 length and its bytes. */
    status = (RustCallStatus){0};
    RustBuffer users = uniffi_miniapp_auth_fn_method_authengine_list_users(clone_engine(handle), &status);
    if (call_ok(&status, "AuthEngine.listUsers")) {
        char detail[128] = "unexpected answer";
        int passed = users.len == 4 + 4 + 2 && read_be32(users.data) == 1 && read_be32(users.data + 4) == 2
                     && memcmp(users.data + 8, "u1", 2) == 0;
        if (passed) snprintf(detail, sizeof detail, "[\"u1\"], read back from the file");
        check(passed, "AuthEngine.listUsers", detail);
        status = (RustCallStatus){0};
        ffi_miniapp_auth_rustbuffer_free(users, &status);
        call_ok(&status, "rustbuffer_free");
    }

    status = (RustCallStatus){0};
    uniffi_miniapp_auth_fn_free_authengine(handle, &status);
    call_ok(&status, "AuthEngine free");

    /* What the engine's SQLite left on disk is a SQLite database. */
    char magic[16] = {0};
    FILE *file = fopen(db_path, "rb");
    size_t got = file ? fread(magic, 1, sizeof magic, file) : 0;
    if (file) fclose(file);
    check(got == sizeof magic && memcmp(magic, "SQLite format 3", 16) == 0, "the engine wrote a SQLite file", db_path);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DB_PATH\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* every line out before a crash */
    host_sqlite();
    engine(argv[1]);
    printf("c-host: %d check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
