// An AAR holding the Kotlin layer (src/main/kotlin), the generated Kotlin
// bindings and the Rust library for arm64-v8a, armeabi-v7a and x86_64
// (`build-rust.sh` produces the last two), published as
// com.miniappauth:miniapp-auth:<the crate's version>.
//
// One source each: versions of plugins and dependencies in
// gradle/libs.versions.toml; group, artifact id and POM name in gradle.properties;
// version, description, licence and repository URL in the crate's Cargo.toml.
// scripts/render-pom.py writes the same POM from the same files where Gradle
// cannot run, and tests/packaging checks that both read them the same way.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
    `maven-publish`
}

// The [package] table of ../../Cargo.toml: `key = "value"` lines only.
val cargoPackage: Map<String, String> = run {
    var inPackage = false
    val fields = mutableMapOf<String, String>()
    val line = Regex("""^([A-Za-z0-9_-]+)\s*=\s*"(.*)"\s*$""")
    file("../../Cargo.toml").readLines().forEach { raw ->
        val text = raw.trim()
        if (text.startsWith("[")) inPackage = text == "[package]"
        else if (inPackage) line.matchEntire(text)?.let { fields[it.groupValues[1]] = it.groupValues[2] }
    }
    fields
}
fun cargo(key: String): String = cargoPackage[key]
    ?: throw GradleException("Cargo.toml's [package] has no $key (the AAR's POM takes it from there)")

group = providers.gradleProperty("GROUP").get()
version = cargo("version")

android {
    namespace = "com.miniappauth"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].apply {
        // The hand-written layer and the UniFFI-generated bindings.
        java.srcDirs("src/main/kotlin", "../../bindings/kotlin/generated")
        jniLibs.srcDir("build/rustJniLibs")
    }
    packaging {
        // Keep the .so files page-aligned and uncompressed (16 KB pages).
        jniLibs.useLegacyPackaging = false
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    publishing {
        singleVariant("release") {
            withSourcesJar()
        }
    }
}

dependencies {
    // `api`: hosts compile against them. The layer's API has suspend functions
    // and Flow (coroutines); the generated bindings extend JNA types.
    api(libs.kotlin.stdlib)
    // JNA as an AAR: it carries its native dispatch library per ABI.
    api(variantOf(libs.jna) { artifactType("aar") })
    api(libs.kotlinx.coroutines.android)
    // The generated code's Android cleaner uses its annotations; hosts need not.
    implementation(libs.androidx.annotation)
}

// The SPDX identifiers Cargo.toml's licence expression may name.
val licenceUrls = mapOf(
    "MIT" to "https://opensource.org/licenses/MIT",
    "Apache-2.0" to "https://www.apache.org/licenses/LICENSE-2.0.txt",
)

publishing {
    publications {
        register<MavenPublication>("release") {
            groupId = providers.gradleProperty("GROUP").get()
            artifactId = providers.gradleProperty("POM_ARTIFACT_ID").get()
            version = cargo("version")
            afterEvaluate { from(components["release"]) }
            pom {
                name.set(providers.gradleProperty("POM_NAME"))
                description.set(cargo("description"))
                // Lazy: only publishing needs the repository URL (release.sh says
                // what to add when Cargo.toml has none).
                url.set(provider { cargo("repository") })
                licenses {
                    cargo("license").split(" OR ").map { it.trim() }.forEach { id ->
                        license {
                            name.set(id)
                            url.set(licenceUrls[id] ?: throw GradleException("no URL known for licence $id"))
                            distribution.set("repo")
                        }
                    }
                }
                scm {
                    url.set(provider { cargo("repository") })
                    connection.set(provider { "scm:git:${cargo("repository")}.git" })
                }
            }
        }
    }
    repositories {
        // scripts/release.sh publishes here: -PdistRepo=<dist/VERSION/maven>.
        maven {
            name = "dist"
            url = uri(providers.gradleProperty("distRepo").orElse(layout.buildDirectory.dir("repo").map { it.asFile.path }).get())
        }
    }
}

val buildRust by tasks.registering(Exec::class) {
    description = "Builds the Rust library for Android and generates the Kotlin bindings."
    commandLine("bash", "build-rust.sh")
}
tasks.named("preBuild") { dependsOn(buildRust) }
