import Foundation
internal import MiniAppAuthBindings

/// What the engine's host-side operations (opening, registering, administration)
/// throw. Mini-app calls never throw: they answer in WeChat's dialect
/// (`ApiResult`). Each case has a readable `errorDescription`; none carries
/// personal data beyond what the host passed in.
public enum MiniAppAuthError: Error, Sendable, Equatable, LocalizedError {
    /// The database could not be opened, read or written; retrying may help (after freeing disk space, say).
    case storage(reason: String)
    /// The file was written by a newer version of this library; it was left untouched.
    case databaseTooNew(found: Int64, supported: Int64)
    /// An app manifest was rejected; nothing was registered.
    case invalidManifest(reason: String)
    /// A scope name or definition was rejected; nothing changed.
    case invalidScope(reason: String)
    /// An argument (a user or app id, a path, …) was rejected; nothing changed.
    case invalidArgument(reason: String)
    /// The engine was closed (`close()`, `shutdown()`); nothing changed. Open a new one.
    case closed

    /// The error in words, for a log or an alert.
    public var errorDescription: String? {
        switch self {
        case .storage(let reason): return "miniapp-auth storage error: \(reason)"
        case .databaseTooNew(let found, let supported):
            return "the database has schema version \(found), newer than this library's \(supported); "
                + "it was left untouched (upgrade the library or use another file)"
        case .invalidManifest(let reason): return "invalid manifest: \(reason)"
        case .invalidScope(let reason): return "invalid scope: \(reason)"
        case .invalidArgument(let reason): return "invalid argument: \(reason)"
        case .closed: return "the engine was closed"
        }
    }

    init(_ error: AuthError) {
        switch error {
        case .Storage(let reason): self = .storage(reason: reason)
        case .DatabaseTooNew(let found, let supported): self = .databaseTooNew(found: found, supported: supported)
        case .InvalidManifest(let reason): self = .invalidManifest(reason: reason)
        case .InvalidScope(let reason): self = .invalidScope(reason: reason)
        case .InvalidArgument(let reason): self = .invalidArgument(reason: reason)
        case .Closed: self = .closed
        }
    }
}

/// Runs a generated call, rethrowing its `AuthError` as a `MiniAppAuthError`.
@inline(__always)
func translated<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AuthError {
        throw MiniAppAuthError(error)
    }
}

@inline(__always)
func translatedAsync<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AuthError {
        throw MiniAppAuthError(error)
    }
}
