#!/usr/bin/env bash
# Makes the static library a host links (libminiapp_auth.a, the XCFramework's
# slices) define, as globals, the UniFFI entry points and nothing else.
#
#   scripts/static-lib-exports.sh --header MiniAppAuthFFI.h IN.a OUT.a
#   scripts/static-lib-exports.sh --header MiniAppAuthFFI.h --check ARCHIVE
#
# Why: the archive cargo makes (crate-type staticlib) defines every global of its
# dependencies — 268 sqlite3_* functions of the bundled, stripped SQLite (no JSON,
# no FTS5; .cargo/config.toml), Rust's std, compiler-builtins. A host linked with
# it and with its own SQLite (the system's, SQLCipher, WCDB) gets one SQLite for
# both: its own calls land in ours (json_extract: "no such function", fts5: "no
# such module") or the link fails on duplicate symbols. rusqlite has no symbol
# prefix option, so the archive is post-processed: one relocatable link of all
# its members (every internal reference, sqlite3_* included, resolved inside),
# then every global that is not an entry point made local. The host's sqlite3_*
# then bind to the host's SQLite, ours to ours (docs/host-guide.md, "Coexisting
# with the host's SQLite"; tests/packaging/c-host.sh proves both sides).
#
# The entry points are the functions the generated C header declares
# (uniffi_miniapp_auth_* and ffi_miniapp_auth_*, scripts/generate-bindings.sh),
# not whatever `nm` finds under those prefixes: the header is what the Swift
# module imports, so the exported set is the declared API by construction, and a
# header/archive mismatch (bindings from another build) stops here — a declared
# function the archive lacks, or a prefixed global the header does not declare,
# is an error — instead of at the host's link.
#
# GNU binutils (ELF; verified on Linux by tests/packaging/c-host.sh):
#   objcopy -R .llvmbc -R .llvmcmd    drop the LLVM bitcode rustc embeds in each
#                                     object (for LTO by Rust dependants; no C or
#                                     Swift host uses it, and an LLVM linker
#                                     plugin would otherwise try to read it)
#   ld -r --whole-archive --gc-sections --require-defined=ENTRY...
#                                     one object, kept to what the entry points
#                                     reach (a missing entry point is an error)
#   objcopy --keep-global-symbols=LIST  everything else local
#   ar rcsD                           the archive (deterministic)
# LD, OBJCOPY, AR and READELF may name a cross toolchain's tools.
#
# Apple (Mach-O; NOT verified: written without macOS, see the guide):
#   xcrun ld -r -arch ARCH -force_load IN.a -exported_symbols_list LIST
#     (LIST with Mach-O's leading underscore; non-listed globals become private
#     externs, which -r turns into local symbols since -keep_private_externs is
#     not given)
#   xcrun libtool -static
# One architecture per input (cargo's per-target archive): run it before lipo.
#
# Either way the result is checked (the --check mode): its defined globals must
# be exactly the header's entry points.
set -euo pipefail
prefixes='(uniffi|ffi)_miniapp_auth_' # UniFFI's symbol names for the crate miniapp_auth

usage() { echo "usage: $0 --header MiniAppAuthFFI.h (IN.a OUT.a | --check ARCHIVE)" >&2; exit 2; }
die() { echo "static-lib-exports: $*" >&2; exit 1; }

header=""
check=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --header) [ $# -ge 2 ] || usage; header="$2"; shift 2 ;;
        --check) [ $# -ge 2 ] || usage; check="$2"; shift 2 ;;
        -*) usage ;;
        *) args+=("$1"); shift ;;
    esac
done
[ -n "$header" ] || usage
if [ -n "$check" ]; then [ ${#args[@]} = 0 ] || usage; else [ ${#args[@]} = 2 ] || usage; fi
[ -f "$header" ] || die "no header $header (scripts/generate-bindings.sh writes it)"

apple=0
[ "$(uname -s)" = Darwin ] && apple=1
LD=${LD:-ld}
OBJCOPY=${OBJCOPY:-objcopy}
AR=${AR:-ar}
READELF=${READELF:-readelf}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The entry points: every function the header declares under the prefixes.
grep -oE "${prefixes}[A-Za-z0-9_]+[[:space:]]*\(" "$header" | sed -E 's/[[:space:]]*\($//' \
    | LC_ALL=C sort -u >"$tmp/entry-points"
[ -s "$tmp/entry-points" ] || die "$header declares no ${prefixes}* function"
# The names as the object format spells them (Mach-O puts an underscore first).
if [ "$apple" = 1 ]; then sed 's/^/_/' "$tmp/entry-points"; else cat "$tmp/entry-points"; fi >"$tmp/symbols"

defined_globals() { # archive or object -> its defined global (and weak) symbol names, sorted
    if [ "$apple" = 1 ]; then
        # (lines "ADDRESS TYPE NAME"; a fat archive's "(for architecture …):" headers skipped)
        xcrun nm -gU "$1" | awk 'NF == 3 && $1 ~ /^[0-9a-fA-F]+$/ {print $3}'
    else
        # readelf, not nm: objects carrying .llvmbc make nm hand them to an LLVM
        # linker plugin when one is installed, and it may list nothing.
        "$READELF" -sW "$1" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" && $8 != "" {print $8}'
    fi | LC_ALL=C sort -u
}

check_exports() { # archive
    defined_globals "$1" >"$tmp/defined"
    local missing extra
    missing=$(LC_ALL=C comm -23 "$tmp/symbols" "$tmp/defined")
    extra=$(LC_ALL=C comm -13 "$tmp/symbols" "$tmp/defined")
    [ -z "$missing" ] || die "$1 does not define $(grep -c . <<<"$missing") entry point(s) $header declares: $(head -5 <<<"$missing" | paste -sd' ' -)"
    [ -z "$extra" ] || die "$1 defines $(grep -c . <<<"$extra") global(s) that are not entry points: $(head -5 <<<"$extra" | paste -sd' ' -)"
}

if [ -n "$check" ]; then
    check_exports "$check"
    echo "static-lib-exports: $check defines exactly the $(grep -c . "$tmp/symbols") entry points of $header"
    exit 0
fi

in="${args[0]}"
out="${args[1]}"
[ -f "$in" ] || die "no archive $in"

# The archive and the header must come from the same sources.
defined_globals "$in" >"$tmp/in-defined"
stray=$(grep -E "^_?${prefixes}" "$tmp/in-defined" | LC_ALL=C comm -23 - "$tmp/symbols" || true)
[ -z "$stray" ] || die "$in defines entry points $header does not declare (bindings from another build?): $(head -5 <<<"$stray" | paste -sd' ' -)"
missing=$(LC_ALL=C comm -23 "$tmp/symbols" "$tmp/in-defined")
[ -z "$missing" ] || die "$in lacks entry points $header declares (bindings from another build?): $(head -5 <<<"$missing" | paste -sd' ' -)"

if [ "$apple" = 1 ]; then
    # UNVERIFIED: written from ld64's and ld-prime's documentation, never run here.
    read -r -a archs <<<"$(xcrun lipo -archs "$in")"
    [ ${#archs[@]} = 1 ] || die "$in holds ${archs[*]}: give one architecture's archive (process before lipo)"
    xcrun ld -r -arch "${archs[0]}" -force_load "$in" -exported_symbols_list "$tmp/symbols" -o "$tmp/libminiapp_auth.o"
    rm -f "$out"
    xcrun libtool -static -o "$out" "$tmp/libminiapp_auth.o"
else
    "$OBJCOPY" -R .llvmbc -R .llvmcmd "$in" "$tmp/in.a"
    # --force-group-allocation: no COMDAT group survives (a group whose signature
    # another library also uses, e.g. DW.ref.rust_eh_personality of a second Rust
    # library, would otherwise be merged with that one at the host's link).
    "$LD" -r --gc-sections --force-group-allocation \
        $(sed 's/^/--require-defined=/' "$tmp/symbols") \
        --whole-archive "$tmp/in.a" --no-whole-archive -o "$tmp/libminiapp_auth.o"
    "$OBJCOPY" --keep-global-symbols="$tmp/symbols" "$tmp/libminiapp_auth.o"
    rm -f "$out"
    "$AR" rcsD "$out" "$tmp/libminiapp_auth.o"
fi
check_exports "$out"
echo "static-lib-exports: $out: $(grep -c . "$tmp/symbols") entry points global, all else local ($(stat -c %s "$in" 2>/dev/null || stat -f %z "$in") -> $(stat -c %s "$out" 2>/dev/null || stat -f %z "$out") bytes)"
