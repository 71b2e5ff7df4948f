import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Identifies one cached bearer token: the same user, environment and API base URL.
public struct TokenKey: Hashable, Sendable, CustomStringConvertible {
    public var environment: PontotelEnvironment
    public var username: String
    public var baseURL: String

    public init(environment: PontotelEnvironment, username: String, baseURL: String) {
        self.environment = environment
        self.username = username
        self.baseURL = baseURL
    }

    public var description: String { "\(environment)/\(username)@\(baseURL)" }

    /// A stable, file-name-safe digest (FNV-1a 64) of the key.
    var digest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(environment.rawValue)\u{0}\(username)\u{0}\(baseURL)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// A bearer token and when it expires. Prints as `<redacted>`.
public struct CachedToken: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var token: Secret
    public var expiresAt: Date

    public init(token: Secret, expiresAt: Date) {
        self.token = token
        self.expiresAt = expiresAt
    }

    public var description: String { "CachedToken(<redacted>, expires \(expiresAt))" }
    public var customMirror: Mirror { Mirror(self, children: ["expiresAt": expiresAt], displayStyle: .struct) }
}

/// One bearer token shared by every process of the same user, environment and base URL, so a
/// script that runs `pontotel api` in a loop logs in once, not once per process.
///
/// Tokens live in the keyring (an item of their own, attributes `pontotel-item=token`,
/// `pontotel-environment`, `pontotel-login`, `pontotel-base-url`; never matched by the
/// `service`/`username` lookup) when a Secret Service answers, else in files of mode 0600 under
/// `$XDG_RUNTIME_DIR/pontotel/tokens` (or the user cache directory). A locked keyring means no
/// caching (never a downgrade to a file). A file lock around the login keeps concurrent
/// processes from stampeding into many logins.
public final class SharedTokenCache: Sendable {
    enum Backend: Sendable {
        case keyring(SecretServiceClient)
        case files
        case none
    }

    private let chosen: Mutex<Backend?>
    private let keyringTimeout: Duration
    private let directory: String

    /// The keyring if it answers, files if there is no keyring, nothing if the keyring is locked
    /// or not answering. Chosen on first use, so creating a cache costs nothing.
    public init(settings: CredentialSettings) {
        directory = settings.paths.runtimeDirectory
        keyringTimeout = settings.keyringTimeout
        chosen = Mutex(settings.store == .dotenv ? .files : nil)
    }

    /// Files only, in `directory` (for tools that do not want the keyring, and for tests).
    public init(directory: String) {
        self.directory = directory
        keyringTimeout = .seconds(5)
        chosen = Mutex(.files)
    }

    private var backend: Backend {
        chosen.withLock { chosen in
            if let chosen { return chosen }
            let client = SecretServiceClient(timeout: keyringTimeout)
            let backend: Backend
            do {
                try client.ping()
                backend = .keyring(client)
            } catch {
                backend = (error as? CredentialError)?.code == .keyringUnavailable ? .files : .none
            }
            chosen = backend
            return backend
        }
    }

    /// Where tokens are kept, for `status`.
    public var location: String {
        switch backend {
        case .keyring: return "keyring"
        case .files: return directory + "/tokens"
        case .none: return "nowhere (the keyring is locked)"
        }
    }

    public func load(_ key: TokenKey) -> CachedToken? {
        switch backend {
        case .keyring(let client):
            guard let item = try? client.search(attributes(key)).max(by: { $0.modified < $1.modified }),
                let secret = item.secret
            else { return nil }
            return decode(secret.reveal(), key: key)
        case .files:
            guard let data = try? SecureFile.read(file(key)) else { return nil }
            return decode(String(decoding: data, as: UTF8.self), key: key)
        case .none:
            return nil
        }
    }

    public func save(_ token: CachedToken, for key: TokenKey) {
        let text = encode(token, key: key)
        switch backend {
        case .keyring(let client):
            try? client.store(attributes(key), label: "Pontotel \(key.environment) API token (\(key.username))", secret: Secret(text))
        case .files:
            try? SecureFile.ensureDirectory(directory)
            try? SecureFile.atomicWrite(Data(text.utf8), to: file(key))
        case .none:
            break
        }
    }

    public func remove(_ key: TokenKey) {
        switch backend {
        case .keyring(let client): _ = try? client.delete(attributes(key))
        case .files: unlink(file(key))
        case .none: break
        }
    }

    /// Drops every token of `environment` (after `set`, `rotate`, `rollback`, `delete`).
    /// Clears both backends, so a token cached while the keyring was away goes too.
    public func removeAll(_ environment: PontotelEnvironment) {
        if case .keyring(let client) = backend {
            _ = try? client.delete(["pontotel-item": "token", "pontotel-environment": environment.rawValue])
        }
        let tokens = directory + "/tokens"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tokens)) ?? []
        where name.hasPrefix(environment.rawValue + "-") {
            unlink(tokens + "/" + name)
        }
    }

    /// How long a login waits for another process's login before going ahead without the lock.
    public static let loginLockTimeout: Duration = .seconds(60)

    /// Runs `body` (a login) holding an exclusive lock for `key` shared by all processes.
    /// Callers check `load` again inside, since another process may have just logged in.
    public func withLoginLock<T>(_ key: TokenKey, _ body: () async throws -> T) async rethrows -> T {
        let lockDirectory = directory + "/locks"
        try? SecureFile.ensureDirectory(lockDirectory)
        let fd = open("\(lockDirectory)/\(key.environment.rawValue)-\(key.digest).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        // Poll without blocking a thread of the cooperative pool; after `loginLockTimeout` (a
        // holder that is stopped or stuck) go on without the lock: one extra login at worst.
        var locked = false
        if fd >= 0 {
            let deadline = ContinuousClock.now + Self.loginLockTimeout
            while !locked {
                if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                    locked = true
                } else if (errno == EWOULDBLOCK || errno == EINTR) && ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(20))
                } else {
                    break
                }
            }
        }
        defer {
            if fd >= 0 {
                if locked { flock(fd, LOCK_UN) }
                close(fd)
            }
        }
        return try await body()
    }

    // MARK: Encoding

    private func attributes(_ key: TokenKey) -> [String: String] {
        [
            "pontotel-item": "token", "pontotel-environment": key.environment.rawValue,
            "pontotel-login": key.username, "pontotel-base-url": key.baseURL,
        ]
    }

    private func file(_ key: TokenKey) -> String {
        "\(directory)/tokens/\(key.environment.rawValue)-\(key.digest).json"
    }

    private func encode(_ token: CachedToken, key: TokenKey) -> String {
        let object: [String: Any] = [
            "environment": key.environment.rawValue, "username": key.username, "base_url": key.baseURL,
            "access_token": token.token.reveal(), "expires_at": token.expiresAt.timeIntervalSince1970,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private func decode(_ text: String, key: TokenKey) -> CachedToken? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object["environment"] as? String == key.environment.rawValue,
            object["username"] as? String == key.username,
            object["base_url"] as? String == key.baseURL,
            let token = object["access_token"] as? String, !token.isEmpty,
            let expires = object["expires_at"] as? Double
        else { return nil }
        return CachedToken(token: Secret(token), expiresAt: Date(timeIntervalSince1970: expires))
    }
}
