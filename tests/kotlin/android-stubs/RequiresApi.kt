// JVM stand-in for androidx.annotation.RequiresApi (see Build.kt).
package androidx.annotation

@Retention(AnnotationRetention.BINARY)
annotation class RequiresApi(val value: Int)
