#!/usr/bin/env bash
# The JVM artifacts (issue #21, "a JVM build of the library a host's plain JVM
# unit test loads", as matrix-rust-sdk publishes sdk-jvm beside sdk-android):
#   miniapp-auth-jvm.jar      the Kotlin layer (com.miniappauth), the desktop
#                             flavour of the generated bindings (no Android
#                             cleaner: platforms/jvm/uniffi-jvm.toml) and the
#                             desktop library as a JNA resource
#                             (linux-x86-64/libminiapp_auth.so: JNA extracts and
#                             loads it from the classpath, no jna.library.path)
#   miniapp-auth-testing.jar  the testing part (com.miniappauth.testing:
#                             ScriptedConsentUi, Fixtures), for test scopes only
# A host's JVM or Robolectric test puts both (with JNA 5.17+, kotlinx-coroutines
# and the Kotlin stdlib) on its test classpath. The AAR carries Android's .so
# files and cannot be loaded on a desktop JVM.
#   platforms/jvm/build-jar.sh LIBRARY OUT_DIR
# LIBRARY: the desktop libminiapp_auth.so (target/release for a release,
# target/debug for the tests). Needs kotlinc (scripts/toolchains.sh provision_kotlin).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/toolchains.sh
source "$root/scripts/toolchains.sh"
[ $# = 2 ] || { echo "usage: $0 LIBRARY OUT_DIR" >&2; exit 2; }
library=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mkdir -p "$2"
out=$(cd "$2" && pwd)
[ -f "$library" ] || { echo "jvm: no library at $library" >&2; exit 1; }
provision_kotlin
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) resource=linux-x86-64 ;;
    Linux-aarch64) resource=linux-aarch64 ;;
    Darwin-arm64) resource=darwin-aarch64 ;;
    Darwin-x86_64) resource=darwin-x86-64 ;;
    *) echo "jvm: no JNA resource prefix known for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
lib="$KOTLIN_HOME/lib"
deps="$JNA_JAR:$lib/kotlinx-coroutines-core-jvm.jar"
work="$out/jvm-build"
rm -rf "$work"
mkdir -p "$work/classes/$resource" "$work/bindings"
# The desktop flavour of the generated Kotlin, from the library's own metadata.
(cd "$root" && cargo build -p uniffi-bindgen >/dev/null 2>&1 || cargo build -p uniffi-bindgen)
"$root/target/debug/uniffi-bindgen" generate "$library" --no-format --language kotlin \
    --config "$here/uniffi-jvm.toml" --out-dir "$work/bindings" >"$work/generate.log" 2>&1 \
    || { cat "$work/generate.log" >&2; exit 1; }
if grep -vE '^\s*//' "$work/bindings/com/miniappauth/internal/miniapp_auth.kt" | grep -q 'android\.'; then
    echo "jvm: the desktop bindings still name an android class" >&2; exit 1
fi
kotlinc_to() { # log, out, args...
    local log="$1" dest="$2"; shift 2
    "$KOTLIN_HOME/bin/kotlinc" -nowarn "$@" -d "$dest" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
}
kotlinc_to "$work/generated.log" "$work/classes" "$work/bindings/com/miniappauth/internal/miniapp_auth.kt" -cp "$deps"
kotlinc_to "$work/layer.log" "$work/classes" -Xexplicit-api=strict \
    "$root"/platforms/android/src/main/kotlin/com/miniappauth/*.kt -cp "$work/classes:$deps"
cp "$library" "$work/classes/$resource/libminiapp_auth.so"
mkdir -p "$out"
(cd "$work/classes" && jar cf "$out/miniapp-auth-jvm.jar" .)
# The testing part may make the layer's results (Fixtures.okResult): a friend of the layer.
kotlinc_to "$work/testing.log" "$work/testing-classes" -Xexplicit-api=strict -Xfriend-paths="$out/miniapp-auth-jvm.jar" \
    "$root"/platforms/android/testing/src/main/kotlin/com/miniappauth/testing/*.kt -cp "$out/miniapp-auth-jvm.jar:$deps"
(cd "$work/testing-classes" && jar cf "$out/miniapp-auth-testing.jar" .)
echo "jvm: $out/miniapp-auth-jvm.jar ($resource/libminiapp_auth.so inside) and $out/miniapp-auth-testing.jar"
