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
import javax.inject.Inject

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
    `maven-publish`
}

// The [package] table of ../../Cargo.toml: `key = "value"` lines only. Read
// through a provider, so the configuration cache knows the file is an input.
val cargoPackage: Map<String, String> = run {
    var inPackage = false
    val fields = mutableMapOf<String, String>()
    val line = Regex("""^([A-Za-z0-9_-]+)\s*=\s*"(.*)"\s*$""")
    providers.fileContents(layout.projectDirectory.file("../../Cargo.toml")).asText.get().lines().forEach { raw ->
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
        // The licence notices of what the library bundles (build-rust.sh):
        // META-INF/miniapp-auth/THIRD-PARTY-NOTICES.txt in the AAR's classes.jar.
        resources.srcDir("build/rustNotices")
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

// build-rust.sh as a task with its inputs and outputs declared: Gradle runs cargo
// only when something the library is built from changed, and the task touches
// no `project` when it runs (its properties are set at configuration time from
// providers), so it is configuration-cache compatible. Not run here: this
// project's machines have no Gradle nor Android SDK (docs/host-guide.md, "What is
// checked here, and what is not"); scripts/check-packaging.py checks the
// declarations.
abstract class BuildRust : DefaultTask() {
    // What the library, its bindings and its notices are made from.
    @get:InputFiles
    @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val sources: ConfigurableFileCollection

    // The NDK and extra rustc flags change the libraries too.
    @get:Input
    @get:Optional
    abstract val ndk: Property<String>

    @get:Input
    @get:Optional
    abstract val rustflags: Property<String>

    @get:Internal
    abstract val script: RegularFileProperty

    @get:OutputDirectory
    abstract val jniLibs: DirectoryProperty

    @get:OutputDirectory
    abstract val kotlinBindings: DirectoryProperty

    @get:OutputDirectory
    abstract val notices: DirectoryProperty

    @get:Inject
    abstract val execOperations: ExecOperations

    @TaskAction
    fun build() {
        execOperations.exec { commandLine("bash", script.get().asFile.absolutePath) }
    }
}

val crate = layout.projectDirectory.dir("../..")
val buildRust by tasks.registering(BuildRust::class) {
    description = "Builds the Rust library for Android, generates the Kotlin bindings and the licence notices."
    sources.from(
        crate.file("Cargo.toml"),
        crate.file("Cargo.lock"),
        crate.dir("src"),
        crate.file("uniffi.toml"),
        crate.file(".cargo/config.toml"),
        crate.dir("uniffi"),
        crate.file("scripts/generate-bindings.sh"),
        crate.file("scripts/notices.sh"),
        crate.file("about.toml"),
        crate.file("about.hbs"),
        layout.projectDirectory.file("build-rust.sh"),
    )
    ndk.set(providers.environmentVariable("ANDROID_NDK_HOME").orElse(providers.environmentVariable("ANDROID_NDK_ROOT")))
    rustflags.set(providers.environmentVariable("RUSTFLAGS"))
    script.set(layout.projectDirectory.file("build-rust.sh"))
    // What build-rust.sh writes (the source set above reads the first two).
    jniLibs.set(layout.buildDirectory.dir("rustJniLibs"))
    kotlinBindings.set(crate.dir("bindings/kotlin/generated"))
    notices.set(layout.buildDirectory.dir("rustNotices"))
}
tasks.named("preBuild") { dependsOn(buildRust) }
