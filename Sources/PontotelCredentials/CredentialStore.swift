import Foundation

/// A place that holds Pontotel logins, one per environment.
///
/// The contract every conforming store meets (checked by the shared conformance suite in
/// `Tests/PontotelCredentialsTests/CredentialStoreConformance.swift`):
/// - `load` returns nil when nothing is stored for the environment, never an empty login;
/// - `save` replaces whatever was stored for that environment (one login per environment) and
///   never touches the other environment;
/// - `save` followed by `load` returns exactly what was saved (username, password, previous
///   password, change time to the second);
/// - `delete` removes everything stored for the environment and reports whether anything was there;
/// - read-only sources throw ``CredentialError`` with code `.readOnlySource` from `save` and `delete`;
/// - no error, `description` or `dump()` of a store ever contains a secret.
public protocol CredentialStore: Sendable, CustomStringConvertible {
    /// The kind of store, used to report where a login came from.
    var kind: CredentialSourceKind { get }
    /// Whether `save` and `delete` are supported.
    var isWritable: Bool { get }
    /// A human-readable location (a file path, "default keyring collection"); never a secret.
    var location: String { get }

    func load(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin?
    func save(_ stored: StoredLogin, for environment: PontotelEnvironment) throws(CredentialError)
    @discardableResult
    func delete(_ environment: PontotelEnvironment) throws(CredentialError) -> Bool

    /// The login alone, without metadata (previous password, change time). Stores where the
    /// metadata costs an extra round trip (the keyring) skip it; the default calls `load`.
    func loadLogin(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin?
}

extension CredentialStore {
    public func loadLogin(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin? {
        try load(environment)
    }

    public var description: String { "\(kind) store at \(location)" }
}
