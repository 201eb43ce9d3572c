// JVM stand-in for android.system.SystemCleaner (see Build.kt): never called on
// the JVM (SDK_INT is 0), present so the generated code compiles.
package android.system

object SystemCleaner {
    fun cleaner(): java.lang.ref.Cleaner = throw UnsupportedOperationException("android.system.SystemCleaner is Android-only")
}
