// JVM stand-in for android.os.Build, which the generated bindings reference
// because uniffi.toml asks for the Android cleaner. Only the test suites and the
// FFI benchmarks compile this (on Android the real class is there); SDK_INT 0
// makes the generated code take its non-Android path (JNA's cleaner).
package android.os

object Build {
    object VERSION {
        @JvmField val SDK_INT: Int = 0
    }
    object VERSION_CODES {
        const val UPSIDE_DOWN_CAKE: Int = 34
    }
}
