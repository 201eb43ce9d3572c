#!/usr/bin/env bash
# The size of the shipped library (issue #6): the stripped x86_64 cdylib from the
# release profile, with SQLite bundled (the default) and linked from the platform
# (`--no-default-features`; needs libsqlite3-dev here, iOS and Android ship one),
# and with the CLI's inspector feature on, which must not change it (issue #24).
# Every measurement runs; the exit status is 1 if any failed.
# Each build goes to its own target dir so the builds never overwrite each other.
# With --sqlcipher it also measures SQLCipher (encryption at rest; issue #13)
# with its OpenSSL compiled in, as an Android build would have to ship it.
#   scripts/library-size.sh [--sqlcipher]
set -euo pipefail
cd "$(dirname "$0")/.."
target_bytes=2000000
measure() { # label, target dir, cargo flags...
    local label="$1" dir="$2"
    shift 2
    cargo build --release --lib --target-dir "$dir" "$@" >/dev/null 2>&1 \
        || cargo build --release --lib --target-dir "$dir" "$@"
    local bytes
    bytes=$(stat -c %s "$dir/release/libminiapp_auth.so")
    # A library that links but leaves SQLite symbols undefined would fail at load time.
    if nm -D --undefined-only "$dir/release/libminiapp_auth.so" | grep -q ' sqlite3_' && [ "$label" = bundled ]; then
        echo "size: $label: SQLite symbols left undefined" >&2
        return 1
    fi
    awk -v label="$label" -v b="$bytes" 'BEGIN { printf "size: %-8s %9d bytes (%.2f MiB)\n", label, b, b / 1048576 }'
    [ "$label" != bundled ] || [ "$bytes" -le "$target_bytes" ] \
        || { echo "size: bundled is over the $target_bytes-byte target" >&2; return 1; }
}
# The library's features: SQLite bundled (the default `inspector` feature is the
# CLI's; the shipped builds leave it out).
status=0
measure bundled target --no-default-features --features bundled-sqlite || status=1
measure platform target/platform-sqlite --no-default-features || status=1
# With the CLI's inspector feature on (as `cargo build` with the defaults
# builds it): the library must be byte for byte the same size — the server's
# crates are never linked into it.
measure inspector target/with-inspector || status=1
with_inspector=$(stat -c %s target/with-inspector/release/libminiapp_auth.so)
bundled=$(stat -c %s target/release/libminiapp_auth.so)
if [ "$with_inspector" = "$bundled" ]; then
    echo "size: the inspector feature adds nothing to the library"
else
    echo "size: the inspector feature changed the library ($bundled -> $with_inspector bytes)" >&2
    status=1
fi
if [ "${1:-}" = --sqlcipher ]; then
    measure sqlcipher target/sqlcipher --no-default-features \
        --features rusqlite/bundled-sqlcipher-vendored-openssl || status=1
fi
exit $status
