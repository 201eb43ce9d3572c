#!/usr/bin/env bash
# The Headers tree of each MiniAppAuthFFI.xcframework slice, made from the
# generated C header and module map (platform-neutral: runs on Linux too).
#
#   xcframework-headers.sh GENERATED_SWIFT_DIR OUT_DIR
#
# OUT_DIR/MiniAppAuthFFI/MiniAppAuthFFI.h
# OUT_DIR/MiniAppAuthFFI/module.modulemap    (module MiniAppAuthFFI, that header)
#
# The module map is UniFFI's less its `use "_Builtin_stdbool"` and
# `use "_Builtin_stdint"` lines. As reported in uniffi-rs#2917 (open; not
# reproducible here without Xcode), Xcode 26's clang has no such standalone
# modules (Apple's builtin headers belong to the system modules), so the module
# fails to build, the generated Swift's `#if canImport(MiniAppAuthFFI)` is false
# and the build ends in "cannot find type 'RustBuffer'". The header includes
# <stdbool.h> and <stdint.h> itself; `use` lines only state dependencies. Every
# other line (the module, its header, `export *`, `use "Darwin"`) is kept, which
# this script checks. tests/swift/run.sh compiles against this tree.
#
# Why a subfolder: Xcode copies every static-library XCFramework slice's Headers/
# into one shared $BUILT_PRODUCTS_DIR/include/, so two XCFrameworks that both
# ship Headers/module.modulemap write the same file ("Multiple commands produce
# …/include/module.modulemap", or "redefinition of module"). In a subfolder
# named after the module, nothing collides, and clang still finds the module:
# for `import MiniAppAuthFFI` it looks for <search dir>/MiniAppAuthFFI/module.modulemap.
# The folder must carry the module's exact name (a folder named otherwise is
# not found by Xcode's explicit-module scanner), which this script checks.
# build-xcframework.sh passes OUT_DIR to `xcodebuild -create-xcframework -headers`.
set -euo pipefail
module=MiniAppAuthFFI # uniffi.toml: ffi_module_name / ffi_module_filename

# The module map as shipped: the generated one less its `use "_Builtin_…"` lines.
ffi_modulemap() { # generated modulemap -> stdout
    grep -Ev '^[[:space:]]*use[[:space:]]+"_Builtin_[A-Za-z0-9_]+"[[:space:]]*$' "$1"
}

ffi_headers() { # generated dir, out dir
    local gen="$1" out="$2"
    local header="$gen/$module.h" map="$gen/$module.modulemap"
    [ -f "$header" ] || { echo "xcframework-headers: no $header (run scripts/generate-bindings.sh)" >&2; return 1; }
    [ -f "$map" ] || { echo "xcframework-headers: no $map (run scripts/generate-bindings.sh)" >&2; return 1; }
    grep -Eq "^(framework +)?module +$module +\{" "$map" \
        || { echo "xcframework-headers: $map does not declare module $module (uniffi.toml ffi_module_name?)" >&2; return 1; }
    grep -Eq "header +\"$module\.h\"" "$map" \
        || { echo "xcframework-headers: $map does not name header \"$module.h\"" >&2; return 1; }
    rm -rf "$out"
    mkdir -p "$out/$module"
    cp "$header" "$out/$module/$module.h"
    ffi_modulemap "$map" >"$out/$module/module.modulemap"
    ! grep -n '_Builtin_' "$out/$module/module.modulemap" >&2 \
        || { echo "xcframework-headers: a _Builtin_ line of $map is left in the module map (above)" >&2; return 1; }
    # Nothing but those lines is dropped.
    grep -v '_Builtin_' "$map" | cmp -s - "$out/$module/module.modulemap" \
        || { echo "xcframework-headers: the module map lost more than its _Builtin_ lines" >&2; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    [ $# = 2 ] || { echo "usage: $0 GENERATED_SWIFT_DIR OUT_DIR" >&2; exit 2; }
    ffi_headers "$1" "$2"
    echo "xcframework-headers: $2/$module/{$module.h,module.modulemap}"
fi
