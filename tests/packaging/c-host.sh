#!/usr/bin/env bash
# The static library beside a host's own SQLite (issue #21), checked on Linux
# with GNU binutils; part of the packaging suite (tests/packaging/run.sh).
#   1. builds the release static library (cargo build --release --lib) and
#      generates the C header from that very archive (uniffi-bindgen reads its
#      metadata), then runs scripts/static-lib-exports.sh on it;
#   2. nm: the processed archive's defined globals are exactly the functions the
#      header declares — no sqlite3_*, nothing of std or the other dependencies
#      (cargo's archive, the control, defines hundreds of sqlite3_*);
#   3. links tests/packaging/c_host.c (the host's own SQLite: its version,
#      json_extract, an fts5 table; the engine through the C ABI: open a file,
#      setGrant, listUsers) with the processed archive and the platform's SQLite
#      (-lsqlite3, Debian's libsqlite3-dev, installed if missing), and with the
#      processed archive and a static SQLite linked whole (as an app with
#      SQLCipher or WCDB has one): both must link and pass every check;
#   4. the controls, which prove the checks can fail: the same host with cargo's
#      archive as it comes must fail its SQLite checks (its calls reach our
#      stripped SQLite: "no such function: json_extract", "no such module: fts5"),
#      and must fail to link beside the static SQLite (multiple definitions).
# Prints "packaging: NAME: ok" or "packaging: NAME: FAILED: why" per check.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/toolchains.sh
source "$root/scripts/toolchains.sh"
set +e
failed=0
ok() { echo "packaging: $1: ok${2:+ ($2)}"; }
bad() { echo "packaging: $1: FAILED: $(tr '\n' ' ' <<<"$2" | cut -c1-600)"; failed=1; }
started=$SECONDS
work="$root/target/packaging/c-host"
rm -rf "$work"
mkdir -p "$work/gen"
cd "$root" || exit 1

# The platform's SQLite, shared and static, with its header.
multiarch=$(gcc -print-multiarch 2>/dev/null)
system_static="/usr/lib/$multiarch/libsqlite3.a"
if [ ! -f /usr/include/sqlite3.h ] || [ ! -f "$system_static" ]; then
    apt_install libsqlite3-dev || { bad "c host" "libsqlite3-dev could not be installed"; exit 1; }
fi

# 1. The release archive, its header, the processed archive.
build_started=$SECONDS
# The library's features as shipped: SQLite bundled, without the CLI's inspector.
if ! cargo build --release --lib --no-default-features --features bundled-sqlite >"$work/cargo.log" 2>&1; then
    bad "c host: release static library" "cargo build --release --lib failed: $(tail -5 "$work/cargo.log")"
    exit 1
fi
build_seconds=$((SECONDS - build_started))
raw="$root/target/release/libminiapp_auth.a"
if ! { cargo build -p uniffi-bindgen && target/debug/uniffi-bindgen generate "$raw" --no-format \
    --language swift --out-dir "$work/gen"; } >"$work/bindgen.log" 2>&1; then
    bad "c host: the header of the release archive" "uniffi-bindgen failed: $(tail -5 "$work/bindgen.log")"
    exit 1
fi
header="$work/gen/MiniAppAuthFFI.h"
processed="$work/libminiapp_auth.a"
if bash scripts/static-lib-exports.sh --header "$header" "$raw" "$processed" >"$work/exports.log" 2>&1; then
    ok "c host: scripts/static-lib-exports.sh" "$(sed -n 's/^static-lib-exports: [^:]*: //p' "$work/exports.log"); release build ${build_seconds} s"
else
    bad "c host: scripts/static-lib-exports.sh" "$(cat "$work/exports.log")"
    exit 1
fi

# 2. What each archive defines as global. The test's own reading of the header
# (not the script's), so a fault in the script shows.
grep -oE '\b(uniffi|ffi)_miniapp_auth_[A-Za-z0-9_]+ *\(' "$header" | tr -d ' (' | LC_ALL=C sort -u >"$work/expected"
nm -g --defined-only "$processed" 2>"$work/nm.err" | awk 'NF == 3 {print $3}' | LC_ALL=C sort -u >"$work/processed-globals"
extra=$(LC_ALL=C comm -13 "$work/expected" "$work/processed-globals")
missing=$(LC_ALL=C comm -23 "$work/expected" "$work/processed-globals")
if [ ! -s "$work/expected" ]; then
    bad "c host: nm: only entry points" "no entry point found in $header"
elif [ -n "$extra" ] || [ -n "$missing" ]; then
    bad "c host: nm: only entry points" "$(grep -c . <<<"$extra") other global(s) defined ($(grep -c '^sqlite3_' <<<"$extra") sqlite3_*): $(head -5 <<<"$extra" | paste -sd' '); $(grep -c . <<<"$missing") entry point(s) missing: $(head -3 <<<"$missing" | paste -sd' ') $(head -2 "$work/nm.err")"
else
    ok "c host: nm: only entry points" "the processed archive defines the header's $(wc -l <"$work/expected") functions and no other global, no sqlite3_*"
fi
# (readelf for cargo's archive: its objects carry LLVM bitcode, which makes nm
# hand them to an LLVM linker plugin where one is installed, and list nothing)
readelf -sW "$raw" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" && $8 != "" {print $8}' \
    | LC_ALL=C sort -u >"$work/raw-globals"
raw_sqlite=$(grep -c '^sqlite3_' "$work/raw-globals")
if [ "$raw_sqlite" -gt 0 ]; then
    ok "c host: the control archive exports SQLite" "cargo's archive defines $(wc -l <"$work/raw-globals") globals, $raw_sqlite of them sqlite3_*"
else
    bad "c host: the control archive exports SQLite" "no sqlite3_* global found in $raw: the controls below prove nothing"
fi

# 3 and 4. The host, linked four ways.
if ! cc -std=c11 -Wall -Wextra -Werror -I "$work/gen" -c tests/packaging/c_host.c -o "$work/c_host.o" 2>"$work/cc.log"; then
    bad "c host: compiles" "$(head -10 "$work/cc.log")"
    exit 1
fi
native=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc) # what rustc --print native-static-libs lists
link() { # name, archive, how the host's SQLite is linked (shared|static)
    local sqlite=(-lsqlite3)
    [ "$3" = shared ] || sqlite=(-Wl,--whole-archive "$system_static" -Wl,--no-whole-archive)
    cc "$work/c_host.o" "$2" "${sqlite[@]}" "${native[@]}" -o "$work/$1" >"$work/$1.link.log" 2>&1
}
run() { # name -> its output in $work/NAME.out; exit status
    rm -f "$work/$1.db"*
    "$work/$1" "$work/$1.db" >"$work/$1.out" 2>&1
}
summary() { # the host's checks, in short
    echo "$(grep -c ': pass' "$work/$1.out") checks: $(sed -n 's/^c-host: \(.*\): pass.*$/\1/p' "$work/$1.out" | paste -sd';' - | sed 's/;/; /g')"
}
for how in shared static; do
    name="processed-$how"
    what="c host: processed archive + the platform's SQLite ($how)"
    if ! link "$name" "$processed" "$how"; then
        bad "$what" "does not link: $(grep -m3 -E 'error|multiple|undefined' "$work/$name.link.log")"
    elif ! run "$name"; then
        bad "$what" "$(grep -E ': fail|rror|anic' "$work/$name.out" | head -5 | paste -sd';' -) $(tail -1 "$work/$name.out")"
    else
        ok "$what" "$(summary "$name")"
    fi
done
name=raw-shared
what="c host: control: cargo's archive + -lsqlite3 gives the host our SQLite"
if ! link "$name" "$raw" shared; then
    bad "$what" "it does not even link: $(grep -m3 -E 'error|undefined' "$work/$name.link.log")"
elif run "$name"; then
    bad "$what" "every check passed with the unprocessed archive: the test cannot tell"
elif grep -q "json_extract: fail" "$work/$name.out" && grep -q "fts5 table: fail" "$work/$name.out"; then
    ok "$what" "as expected: $(grep -E ': fail' "$work/$name.out" | sed 's/^c-host: //' | paste -sd';' - | sed 's/;/; /g')"
else
    bad "$what" "it failed otherwise than expected: $(tail -4 "$work/$name.out" | paste -sd';' -)"
fi
name=raw-static
what="c host: control: cargo's archive + a static SQLite do not link"
if link "$name" "$raw" static; then
    bad "$what" "it linked: the test cannot tell"
elif count=$(grep -c "multiple definition of \`sqlite3_" "$work/$name.link.log") && [ "$count" -gt 0 ]; then
    ok "$what" "as expected: $count multiple definitions of sqlite3_*"
else
    bad "$what" "the link failed otherwise than expected: $(grep -m3 -E 'error|undefined' "$work/$name.link.log")"
fi
echo "packaging: c host: took $((SECONDS - started)) s, of which the release build ${build_seconds} s"
exit $failed
