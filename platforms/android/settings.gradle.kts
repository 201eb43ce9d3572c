// The Android library module of miniapp-auth, buildable on its own:
//   cd platforms/android && gradle assembleRelease   →  build/outputs/aar/
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "miniapp-auth"
