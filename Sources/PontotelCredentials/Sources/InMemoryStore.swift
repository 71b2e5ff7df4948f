import Synchronization

/// A store in memory: for unit tests of logic and for tools that manage their own secrets.
public final class InMemoryStore: CredentialStore {
    public let kind = CredentialSourceKind.memory
    public let isWritable = true
    public var location: String { "memory" }
    private let logins = Mutex<[PontotelEnvironment: StoredLogin]>([:])

    public init(_ initial: [PontotelEnvironment: StoredLogin] = [:]) {
        logins.withLock { $0 = initial }
    }

    public func load(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin? {
        logins.withLock { $0[environment] }
    }

    public func save(_ stored: StoredLogin, for environment: PontotelEnvironment) throws(CredentialError) {
        try LoginValidation.check(stored)
        logins.withLock { $0[environment] = stored }
    }

    public func delete(_ environment: PontotelEnvironment) throws(CredentialError) -> Bool {
        logins.withLock { $0.removeValue(forKey: environment) != nil }
    }
}
