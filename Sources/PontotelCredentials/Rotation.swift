import Foundation

/// What `rotate` and `rollback` did.
public struct RotationOutcome: Sendable {
    public var environment: PontotelEnvironment
    public var username: String
    public var store: CredentialSourceKind
    public var location: String
    public var changedAt: Date
}

extension Credentials {
    /// The writable store that holds the login for `environment` (the forced one with `--store`),
    /// with that login. Environment variables and secrets directories cannot be rotated here.
    public func writableLogin(_ environment: PontotelEnvironment) throws(CredentialError) -> (store: any CredentialStore, stored: StoredLogin) {
        for store in writableStores {
            do {
                if let stored = try store.load(environment) { return (store, stored) }
            } catch where error.code == .keyringUnavailable && settings.store == nil {
                continue
            }
        }
        if let readOnly = try? resolve(environment), !readOnly.source.isWritableKind {
            throw CredentialError(
                .readOnlySource,
                "The \(environment) login comes from \(readOnly.source) (\(readOnly.location)), which pontotel cannot change.",
                fix: "update it where it is managed, or store a login with `pontotel credentials set --env \(environment)`")
        }
        throw notFound(environment)
    }

    /// Replaces the password after `verify` accepted it (a login against the API). The old
    /// password is kept as the previous one and the change time recorded. If `verify` throws,
    /// nothing is stored and the error is rethrown: the current login stays exactly as it was.
    public func rotate(
        _ environment: PontotelEnvironment, to newPassword: Secret, now: Date = Date(),
        verify: (Login) async throws -> Void
    ) async throws -> RotationOutcome {
        let (store, current) = try writableLogin(environment)
        let login = Login(username: current.username, password: newPassword)
        var candidate = StoredLogin(login: login, previousPassword: current.password, passwordChangedAt: now)
        try LoginValidation.check(candidate)
        if store.kind == .dotenv { try DotenvStore.validate(candidate) }
        if newPassword == current.password {
            throw CredentialError(
                .invalidValue, "The new \(environment) password is the same as the current one.",
                fix: "change the password in Pontotel first, then run rotate with the new one")
        }
        try await verify(login)
        // Re-read: if another process changed the login while we verified, keep its change as
        // the previous password only when it still is what we replaced.
        if let latest = try store.load(environment), latest.password != current.password {
            candidate.previousPassword = latest.password
        }
        try store.save(candidate, for: environment)
        return RotationOutcome(
            environment: environment, username: login.username, store: store.kind,
            location: store.location, changedAt: now)
    }

    /// Makes the previous password current again (and the current one previous).
    public func rollback(_ environment: PontotelEnvironment, now: Date = Date()) throws(CredentialError) -> RotationOutcome {
        let (store, current) = try writableLogin(environment)
        guard let previous = current.previousPassword else {
            throw CredentialError(
                .noPreviousPassword, "There is no previous \(environment) password to roll back to.",
                fix: "a previous password is kept only by `pontotel credentials rotate`")
        }
        let swapped = StoredLogin(
            login: Login(username: current.username, password: previous),
            previousPassword: current.password, passwordChangedAt: now)
        try store.save(swapped, for: environment)
        return RotationOutcome(
            environment: environment, username: current.username, store: store.kind,
            location: store.location, changedAt: now)
    }
}

extension CredentialSourceKind {
    /// Stores pontotel writes to.
    var isWritableKind: Bool { self == .keyring || self == .dotenv || self == .memory }
}
