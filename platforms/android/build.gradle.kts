// An AAR holding the generated Kotlin bindings and the Rust library for
// arm64-v8a, armeabi-v7a and x86_64. `build-rust.sh` produces both.
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.1.0"
}

android {
    namespace = "com.miniappauth"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].apply {
        java.srcDir("../../bindings/kotlin/generated")
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
}

dependencies {
    // JNA as an AAR carries its own native dispatch library per ABI.
    implementation("net.java.dev.jna:jna:5.14.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
}

val buildRust by tasks.registering(Exec::class) {
    description = "Builds the Rust library for Android and generates the Kotlin bindings."
    commandLine("bash", "build-rust.sh")
}
tasks.named("preBuild") { dependsOn(buildRust) }
