#!/usr/bin/env python3
"""Writes the Android module's Maven publication where Gradle cannot run.

It reads what platforms/android/build.gradle.kts reads, and nothing else:
  - the version, description, licence and repository URL: Cargo.toml [package]
  - group, artifact id, POM name: platforms/android/gradle.properties
  - each dependency and its scope: the `dependencies { }` block of
    build.gradle.kts (`api(libs.x)`, `implementation(libs.x)`,
    `api(variantOf(libs.x) { artifactType("aar") })`), resolved through
  - platforms/android/gradle/libs.versions.toml (module and version).
A dependency line it does not understand is an error, not a silent omission.

Output, in Maven repository layout under --repo-dir (what `gradle publish` to a
file repository writes): GROUP/ARTIFACT/VERSION/ARTIFACT-VERSION.pom, a
-sources.jar of the Kotlin sources when --kotlin-generated is given (with
--notices, the licence notices of what the library bundles as
META-INF/miniapp-auth/THIRD-PARTY-NOTICES.txt, where the AAR's classes.jar has
them), the .md5/.sha1/.sha256/.sha512 of each, and
GROUP/ARTIFACT/maven-metadata.xml. It does not make the AAR (that needs the
Android SDK and Gradle).

  scripts/render-pom.py --repo-dir DIR [--repository URL] [--kotlin-generated DIR [--notices FILE]]
"""
import argparse
import hashlib
import os
import re
import sys
import tomllib
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
ANDROID = ROOT / "platforms" / "android"
LICENCE_URLS = {  # the same table as build.gradle.kts
    "MIT": "https://opensource.org/licenses/MIT",
    "Apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0.txt",
}
SCOPES = {"api": "compile", "implementation": "runtime"}  # what maven-publish writes
NOTICES_ENTRY = "META-INF/miniapp-auth/THIRD-PARTY-NOTICES.txt"  # as in build.gradle.kts' resources


def fail(message):
    print(f"render-pom: {message}", file=sys.stderr)
    sys.exit(1)


def cargo_package():
    with open(ROOT / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["package"]


def gradle_properties():
    props = {}
    for line in (ANDROID / "gradle.properties").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            props[key.strip()] = value.strip()
    return props


def catalog():
    with open(ANDROID / "gradle" / "libs.versions.toml", "rb") as f:
        return tomllib.load(f)


def accessor(alias):
    """The Kotlin accessor Gradle generates for a catalog alias (- _ . → .)."""
    return re.sub(r"[-_.]", ".", alias)


def resolve(alias_accessor, cat):
    for alias, entry in cat["libraries"].items():
        if accessor(alias) == alias_accessor:
            group, name = entry["module"].split(":")
            version = entry.get("version")
            if isinstance(version, dict) or version is None:
                ref = entry.get("version.ref") or entry.get("version", {}).get("ref")
                if ref is None:
                    fail(f"catalog library {alias} has no version")
                version = cat["versions"][ref]
            return group, name, version
    fail(f"libs.{alias_accessor} is not in gradle/libs.versions.toml [libraries]")


def gradle_dependencies(cat):
    """(configuration, group, artifact, version, type) for each line of the
    top-level dependencies { } block of build.gradle.kts, in order."""
    text = (ANDROID / "build.gradle.kts").read_text()
    match = re.search(r"^dependencies \{\n(.*?)^\}", text, re.S | re.M)
    if not match:
        fail("build.gradle.kts has no top-level `dependencies { }` block")
    plain = re.compile(r"^(api|implementation)\(libs\.([\w.]+)\)$")
    variant = re.compile(r'^(api|implementation)\(variantOf\(libs\.([\w.]+)\)\s*\{\s*artifactType\("(\w+)"\)\s*\}\)$')
    deps = []
    for line in match.group(1).splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        if m := plain.match(line):
            configuration, name, kind = m.group(1), m.group(2), None
        elif m := variant.match(line):
            configuration, name, kind = m.group(1), m.group(2), m.group(3)
        else:
            fail(f"build.gradle.kts: a dependency line this script cannot render: {line!r} "
                 "(use libs.… from gradle/libs.versions.toml, or teach scripts/render-pom.py the form)")
        group, artifact, version = resolve(name, cat)
        deps.append((configuration, group, artifact, version, kind))
    if not deps:
        fail("build.gradle.kts declares no dependencies")
    return deps


def pom(repository):
    package, props, cat = cargo_package(), gradle_properties(), catalog()
    for key in ("GROUP", "POM_ARTIFACT_ID", "POM_NAME"):
        if key not in props:
            fail(f"platforms/android/gradle.properties has no {key}")
    repository = repository or package.get("repository")
    if not repository:
        fail('Cargo.toml [package] has no repository = "https://…" (the POM\'s url and scm); '
             "add it, or pass --repository")
    licences = [part.strip() for part in package["license"].split(" OR ")]
    for licence in licences:
        if licence not in LICENCE_URLS:
            fail(f"no URL known for licence {licence} (Cargo.toml license = {package['license']!r})")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<project xmlns="http://maven.apache.org/POM/4.0.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">',
        "  <modelVersion>4.0.0</modelVersion>",
        f"  <groupId>{escape(props['GROUP'])}</groupId>",
        f"  <artifactId>{escape(props['POM_ARTIFACT_ID'])}</artifactId>",
        f"  <version>{escape(package['version'])}</version>",
        "  <packaging>aar</packaging>",
        f"  <name>{escape(props['POM_NAME'])}</name>",
        f"  <description>{escape(package['description'])}</description>",
        f"  <url>{escape(repository)}</url>",
        "  <licenses>",
    ]
    for licence in licences:
        lines += [
            "    <license>",
            f"      <name>{escape(licence)}</name>",
            f"      <url>{escape(LICENCE_URLS[licence])}</url>",
            "      <distribution>repo</distribution>",
            "    </license>",
        ]
    lines += [
        "  </licenses>",
        "  <scm>",
        f"    <connection>scm:git:{escape(repository)}.git</connection>",
        f"    <url>{escape(repository)}</url>",
        "  </scm>",
        "  <dependencies>",
    ]
    for configuration, group, artifact, version, kind in gradle_dependencies(cat):
        lines += ["    <dependency>",
                  f"      <groupId>{escape(group)}</groupId>",
                  f"      <artifactId>{escape(artifact)}</artifactId>",
                  f"      <version>{escape(version)}</version>"]
        if kind:
            lines.append(f"      <type>{escape(kind)}</type>")
        lines += [f"      <scope>{SCOPES[configuration]}</scope>", "    </dependency>"]
    lines += ["  </dependencies>", "</project>", ""]
    return props["GROUP"], props["POM_ARTIFACT_ID"], package["version"], "\n".join(lines)


def write_checksums(path):
    data = path.read_bytes()
    for algorithm in ("md5", "sha1", "sha256", "sha512"):
        Path(f"{path}.{algorithm}").write_text(hashlib.new(algorithm, data).hexdigest())


def sources_jar(path, kotlin_generated, notices=None):
    """The Kotlin sources (hand-written layer and generated bindings), as Gradle's
    withSourcesJar() packs them: paths relative to each source root; and the
    notices file, if given."""
    roots = [ANDROID / "src" / "main" / "kotlin", Path(kotlin_generated)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as jar:
        if notices:
            info = zipfile.ZipInfo(NOTICES_ENTRY, date_time=(1980, 2, 1, 0, 0, 0))
            jar.writestr(info, Path(notices).read_bytes(), zipfile.ZIP_DEFLATED)
        for root in roots:
            if not root.is_dir():
                continue
            for file in sorted(root.rglob("*.kt")):
                info = zipfile.ZipInfo(str(file.relative_to(root)), date_time=(1980, 2, 1, 0, 0, 0))
                jar.writestr(info, file.read_bytes(), zipfile.ZIP_DEFLATED)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo-dir", required=True, help="the Maven repository to write into")
    parser.add_argument("--repository", help="the project URL (default: Cargo.toml's repository)")
    parser.add_argument("--kotlin-generated", help="the generated Kotlin bindings, for the -sources.jar")
    parser.add_argument("--notices", help="THIRD-PARTY-NOTICES.txt (scripts/notices.sh), into the -sources.jar")
    args = parser.parse_args()
    if args.notices and not args.kotlin_generated:
        fail("--notices goes into the sources jar: give --kotlin-generated too")
    if args.notices and not Path(args.notices).is_file():
        fail(f"--notices {args.notices} is not a file")
    group, artifact, version, text = pom(args.repository)
    base = Path(args.repo_dir) / group.replace(".", "/") / artifact
    folder = base / version
    folder.mkdir(parents=True, exist_ok=True)
    pom_path = folder / f"{artifact}-{version}.pom"
    pom_path.write_text(text)
    write_checksums(pom_path)
    if args.kotlin_generated:
        if not Path(args.kotlin_generated).is_dir():
            fail(f"--kotlin-generated {args.kotlin_generated} is not a directory")
        write_checksums(sources_jar(folder / f"{artifact}-{version}-sources.jar", args.kotlin_generated, args.notices))
    versions = sorted(p.name for p in base.iterdir() if p.is_dir())
    metadata = base / "maven-metadata.xml"
    metadata.write_text("\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<metadata>",
        f"  <groupId>{group}</groupId>",
        f"  <artifactId>{artifact}</artifactId>",
        "  <versioning>",
        f"    <latest>{versions[-1]}</latest>",
        f"    <release>{versions[-1]}</release>",
        "    <versions>",
        *[f"      <version>{v}</version>" for v in versions],
        "    </versions>",
        "  </versioning>",
        "</metadata>",
        "",
    ]))
    write_checksums(metadata)
    print(os.path.relpath(pom_path))


if __name__ == "__main__":
    main()
