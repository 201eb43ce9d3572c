#!/usr/bin/env bash
# Compiles the generated Kotlin bindings with the scenarios in this folder (kotlinc)
# and runs them on the JVM against the real debug library (JNA).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/toolchains.sh
source "$root/scripts/toolchains.sh"
provision_kotlin
generate_test_bindings
out="$FOREIGN_TESTS"
lib="$KOTLIN_HOME/lib"
classpath="$JNA_JAR:$lib/kotlinx-coroutines-core-jvm.jar"
jar="$out/kotlin-scenarios.jar"
rm -f "$jar"
echo "kotlin: compiling the generated bindings and the scenarios (kotlinc $KOTLIN_VERSION)"
if ! "$KOTLIN_HOME/bin/kotlinc" -nowarn "$out/kotlin/com/miniappauth/miniapp_auth.kt" \
    "$root/tests/kotlin/Scenarios.kt" -cp "$classpath" -d "$jar" >"$out/kotlinc.log" 2>&1; then
    cat "$out/kotlinc.log" >&2
    echo "kotlin: compilation failed" >&2
    exit 1
fi
java -Djna.library.path="$root/target/debug" -cp "$jar:$classpath:$lib/kotlin-stdlib.jar" ScenariosKt
