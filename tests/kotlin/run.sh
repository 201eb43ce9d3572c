#!/usr/bin/env bash
# Compiles the Kotlin layer (platforms/android/src/main/kotlin) over the generated
# bindings, then the scenarios and the host guide's compiled samples against the
# layer (kotlinc), and runs them on the JVM against the real debug library (JNA):
#   1. the scenarios (Scenarios.kt, ChangeStream.kt, the samples' tests);
#   2. the main-safety run (MainSafety.kt) under strace, checked by
#      scripts/check-main-thread-io.py: no database I/O on the "main" thread.
# Each prints "kotlin: N passed, M failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/toolchains.sh
source "$root/scripts/toolchains.sh"
provision_kotlin
generate_test_bindings
out="$FOREIGN_TESTS"
lib="$KOTLIN_HOME/lib"
classpath="$JNA_JAR:$lib/kotlinx-coroutines-core-jvm.jar"
build="$out/kotlin-build"
generated="$build/kotlin-generated.jar"
layer="$build/kotlin-layer.jar"
jar="$build/kotlin-scenarios.jar"
java_out="$build/java-host"
rm -rf "$build"
kotlinc() { # log, args...
    local log="$1"; shift
    if ! "$KOTLIN_HOME/bin/kotlinc" -nowarn "$@" >"$log" 2>&1; then
        cat "$log" >&2
        return 1
    fi
}
# Everything the jars are built from: unchanged, the last build is reused.
key=$(inputs_hash "$out/kotlin/com/miniappauth/internal/miniapp_auth.kt" "$root"/tests/kotlin/android-stubs/*.kt \
    "$root"/platforms/android/src/main/kotlin/com/miniappauth/*.kt "$root/tests/kotlin/JavaHost.java" \
    "$root"/platforms/android/testing/src/main/kotlin/com/miniappauth/testing/*.kt "$root"/platforms/jvm/* \
    "$root"/tests/kotlin/jvm-host/*.kt \
    "$root"/tests/kotlin/*.kt "$root"/docs/samples/android/*.kt -- "kotlinc $KOTLIN_VERSION" "$(javac -version 2>&1)")
if build_cache_restore kotlin "$key" "$build"; then
    echo "kotlin: sources unchanged since the last build: reusing its classes ($key)"
else
    mkdir -p "$build"
    echo "kotlin: compiling the generated bindings, then the layer in explicit API mode (kotlinc $KOTLIN_VERSION)"
    # The generated code asks for the Android cleaner (uniffi.toml); on the JVM three
    # stand-ins for the Android classes it names let it compile (SDK_INT 0: JNA's cleaner).
    kotlinc "$out/kotlinc-generated.log" "$out/kotlin/com/miniappauth/internal/miniapp_auth.kt" \
        "$root"/tests/kotlin/android-stubs/*.kt \
        -cp "$classpath" -d "$generated" || { echo "kotlin: compiling the generated bindings failed" >&2; exit 1; }
    # The layer is the public API: explicit API mode (every public declaration
    # says so, with its type), as the Kotlin library-author guidelines ask.
    kotlinc "$out/kotlinc-layer.log" -Xexplicit-api=strict \
        "$root"/platforms/android/src/main/kotlin/com/miniappauth/*.kt \
        -cp "$generated:$classpath" -d "$layer" || { echo "kotlin: compiling the layer (explicit API mode) failed" >&2; exit 1; }
    echo "kotlin: compiling the Java host (javac) and the scenarios and the samples (kotlinc) against the layer"
    mkdir -p "$java_out"
    # The Java host sees the layer only: the generated classes are not on its
    # compile classpath, so it cannot import them (issue #21).
    if ! javac -d "$java_out" -cp "$layer:$classpath:$lib/kotlin-stdlib.jar" "$root/tests/kotlin/JavaHost.java" >"$out/javac.log" 2>&1; then
        cat "$out/javac.log" >&2; echo "kotlin: javac failed" >&2; exit 1
    fi
    kotlinc "$out/kotlinc.log" "$root"/tests/kotlin/*.kt "$root"/docs/samples/android/*.kt \
        -cp "$layer:$generated:$java_out:$classpath" -d "$jar" || { echo "kotlin: compilation failed" >&2; exit 1; }
    echo "kotlin: the JVM artifacts (platforms/jvm/build-jar.sh) and a host's JVM unit test against them alone"
    bash "$root/platforms/jvm/build-jar.sh" "$root/target/debug/libminiapp_auth.so" "$build/jvm" >"$out/jvm-jar.log" 2>&1 \
        || { cat "$out/jvm-jar.log" >&2; echo "kotlin: building the JVM artifacts failed" >&2; exit 1; }
    kotlinc "$out/kotlinc-jvm-host.log" "$root"/tests/kotlin/jvm-host/*.kt \
        -cp "$build/jvm/miniapp-auth-jvm.jar:$build/jvm/miniapp-auth-testing.jar:$lib/kotlinx-coroutines-core-jvm.jar" \
        -d "$build/jvm/host-test.jar" || { echo "kotlin: compiling the JVM host test failed" >&2; exit 1; }
    build_cache_keep kotlin "$key" "$build"
fi
# The jar carries the library as built now (the classes above depend only on the sources).
jvm_resource="$build/jvm/jvm-build/classes"
cp "$root/target/debug/libminiapp_auth.so" "$jvm_resource/linux-x86-64/libminiapp_auth.so"
(cd "$jvm_resource" && jar uf "$build/jvm/miniapp-auth-jvm.jar" linux-x86-64/libminiapp_auth.so)
# The locked API (issue #21): the layer's public API, dumped from its classes,
# must equal the committed platforms/android/api/miniapp-auth.api (review the
# diff; MINIAPP_AUTH_UPDATE_API=1 rewrites the file), and no public declaration
# of the layer's sources may name a generated type.
api_check() {
    local committed="$root/platforms/android/api/miniapp-auth.api" fresh="$out/miniapp-auth.api" leaks
    bash "$root/scripts/kotlin-api.sh" "$layer" com/miniappauth >"$fresh" || return 1
    # (A private constructor or property on a public line is not public API.)
    leaks=$(grep -nE '^\s*(public|protected)\b' "$root"/platforms/android/src/main/kotlin/com/miniappauth/*.kt \
        | sed -E 's/(private|internal) (constructor)?\([^)]*\)//g; s/(private|internal) va[lr] [a-zA-Z]+: [A-Za-z.]+//g' \
        | grep -E '(com\.miniappauth\.internal|\bGenerated[A-Z]|\bG[A-Z][a-z])' || true)
    if [ -n "$leaks" ]; then
        echo "kotlin: api: public declarations naming a generated type:"; echo "$leaks"; return 1
    fi
    if [ "${MINIAPP_AUTH_UPDATE_API:-}" = 1 ]; then
        cp "$fresh" "$committed"; echo "kotlin: api: rewrote ${committed#"$root"/}"
    fi
    if ! diff -u "$committed" "$fresh"; then
        echo "kotlin: api: the public API differs from ${committed#"$root"/} (above); if meant, MINIAPP_AUTH_UPDATE_API=1 ./test.sh kotlin and commit it"
        return 1
    fi
    echo "kotlin: api: the public API ($(grep -c '^public' "$fresh") types) equals ${committed#"$root"/}; explicit API mode"
}
if api_check; then echo "kotlin: 1 passed, 0 failed"; else echo "kotlin: 0 passed, 1 failed"; api_failed=1; fi

run() { java -Djna.library.path="$root/target/debug" -Dminiapp.auth.root="$root" \
    -cp "$jar:$java_out:$layer:$generated:$classpath:$lib/kotlin-stdlib.jar" "$@"; }
status=${api_failed:-0}
run ScenariosKt || status=1

echo "kotlin: a host's JVM unit test: the JVM jar and the testing jar only, the library loaded from the jar (no jna.library.path)"
java -cp "$build/jvm/host-test.jar:$build/jvm/miniapp-auth-jvm.jar:$build/jvm/miniapp-auth-testing.jar:$classpath:$lib/kotlin-stdlib.jar" \
    HostUnitTestKt || status=1

echo "kotlin: the main-safety run under strace"
java=(java -Djna.library.path="$root/target/debug" -cp "$jar:$layer:$generated:$classpath:$lib/kotlin-stdlib.jar" MainSafety)
main_safety_check kotlin "$out" "openBlocking and close()" "${java[@]}" -- "${java[@]}" control || status=1
exit $status
