#!/usr/bin/env bash
# The Kotlin layer's public API, as the JVM sees it (issue #21, "a locked API"):
# the public and protected members of the public classes of one package in the
# compiled layer, from `javap -public`, class after class in name order — the
# view Kotlin's binary-compatibility validator takes, made with the JDK alone.
# What javap shows but Kotlin hides is left out: compiler-made classes
# (lambdas, continuations: `Outer$1`, `Outer$name$2`), members with a `$` in
# their name (accessors, `$default` bridges, mangled `internal` members), and
# and whatever mentions the generated package com.miniappauth.internal: the
# layer's `internal` classes, constructors and top-level functions, which the
# JVM sees as public (a `public` declaration naming a generated type is caught
# by tests/kotlin/run.sh's check of the sources, and would not compile in a
# host that lacks the generated classes, as JavaHost.java proves). tests/kotlin/run.sh compares the output with the committed
# platforms/android/api/*.api, so any change to the public API shows as a diff.
#   scripts/kotlin-api.sh JAR PACKAGE_DIR   e.g. kotlin-layer.jar com/miniappauth
set -euo pipefail
jar="$1"
package="$2"
classes=$(unzip -Z1 "$jar" | grep -E "^$package/[^/]+\.class$" | sed 's/\.class$//; s#/#.#g' | sort)
[ -n "$classes" ] || { echo "kotlin-api: no classes of $package in $jar" >&2; exit 1; }
# shellcheck disable=SC2086 # one argument per class
javap -public -cp "$jar" $classes | python3 -c '
import re, sys
out, header, body = [], None, []
for line in sys.stdin.read().splitlines():
    if line.startswith("Compiled from"):
        continue
    if header is None:
        header, body = line, []
        continue
    if line == "}":
        name = re.search(r"(?:class|interface) ([\w.$]+)", header).group(1)
        simple = name.rsplit(".", 1)[-1]
        made_by_compiler = re.search(r"\$(\d|[a-z])", simple)
        facade = simple.endswith("Kt")
        members = [m for m in body
                   if "$" not in re.sub(r"<[^>]*>|\(.*\)", "", m)
                   and "DefaultConstructorMarker" not in m
                   and "com.miniappauth.internal" not in m]
        layer_internal = "com.miniappauth.internal" in header
        if header.startswith("public ") and not made_by_compiler and not layer_internal and (members or not facade):
            out.append(header + "\n" + "".join(m + "\n" for m in members) + "}\n")
        header = None
        continue
    body.append(line)
print("\n".join(out), end="")
'
