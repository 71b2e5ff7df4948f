import Foundation

/// Logins in a `.env` file (plaintext, mode 0600): the fallback when no keyring can be reached.
///
/// Keys for an environment (sandbox shown): `PONTOTEL_SANDBOX_USERNAME`,
/// `PONTOTEL_SANDBOX_PASSWORD`, and, written by rotation, `PONTOTEL_SANDBOX_PREVIOUS_PASSWORD`
/// and `PONTOTEL_SANDBOX_PASSWORD_CHANGED_AT` (ISO 8601). Every other line is kept as it was.
/// Writes are atomic and serialised by a lock, so concurrent processes lose nothing.
public struct DotenvStore: CredentialStore {
    public let kind = CredentialSourceKind.dotenv
    public let isWritable = true
    public let path: String
    /// When the file is inside a git work tree and not ignored: add it to `.gitignore` instead of
    /// refusing to write.
    public var addToGitignore: Bool

    public var location: String { path }

    public init(path: String, addToGitignore: Bool = false) {
        self.path = path
        self.addToGitignore = addToGitignore
    }

    public func load(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin? {
        guard let data = try SecureFile.read(path) else { return nil }
        return try Self.login(in: DotenvDocument(parsing: data), environment, path: path)
    }

    public func save(_ stored: StoredLogin, for environment: PontotelEnvironment) throws(CredentialError) {
        try Self.validate(stored)
        try checkGit()
        try SecureFile.withExclusiveLock(path) { () throws(CredentialError) in
            var document = DotenvDocument(parsing: try SecureFile.read(path) ?? Data())
            let keys = Keys(environment)
            document.set(stored.login.username, forKey: keys.username)
            document.set(stored.login.password.reveal(), forKey: keys.password)
            if let previous = stored.previousPassword {
                document.set(previous.reveal(), forKey: keys.previousPassword)
            } else {
                document.removeValue(forKey: keys.previousPassword)
            }
            if let changed = stored.passwordChangedAt {
                document.set(Self.formatDate(changed), forKey: keys.changedAt)
            } else {
                document.removeValue(forKey: keys.changedAt)
            }
            try SecureFile.atomicWrite(Data(document.serialized().utf8), to: path)
        }
    }

    @discardableResult
    public func delete(_ environment: PontotelEnvironment) throws(CredentialError) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        return try SecureFile.withExclusiveLock(path) { () throws(CredentialError) -> Bool in
            guard let data = try SecureFile.read(path) else { return false }
            var document = DotenvDocument(parsing: data)
            let keys = Keys(environment)
            let existed = document.value(forKey: keys.username) != nil
                || document.value(forKey: keys.password) != nil
            for key in keys.all { document.removeValue(forKey: key) }
            try SecureFile.atomicWrite(Data(document.serialized().utf8), to: path)
            return existed
        }
    }

    /// The git work tree that would commit this file (inside it and not ignored), if any.
    public func unignoredGitWorkTree() -> String? { GitGuard.unignoredWorkTree(for: path) }

    /// A warning when the file is readable by group or others.
    public func permissionWarning() -> String? { SecureFile.permissionWarning(path) }

    // MARK: Details

    struct Keys {
        let username, password, previousPassword, changedAt: String
        init(_ environment: PontotelEnvironment) {
            let prefix = "PONTOTEL_\(environment.variableWord)_"
            username = prefix + "USERNAME"
            password = prefix + "PASSWORD"
            previousPassword = prefix + "PREVIOUS_PASSWORD"
            changedAt = prefix + "PASSWORD_CHANGED_AT"
        }
        var all: [String] { [username, password, previousPassword, changedAt] }
    }

    static func login(
        in document: DotenvDocument, _ environment: PontotelEnvironment, path: String
    ) throws(CredentialError) -> StoredLogin? {
        let keys = Keys(environment)
        let username = document.value(forKey: keys.username).flatMap { $0.isEmpty ? nil : $0 }
        let password = document.value(forKey: keys.password).flatMap { $0.isEmpty ? nil : $0 }
        switch (username, password) {
        case (nil, nil):
            return nil
        case (let username?, let password?):
            return StoredLogin(
                login: Login(username: username, password: Secret(password)),
                previousPassword: document.value(forKey: keys.previousPassword)
                    .flatMap { $0.isEmpty ? nil : Secret($0) },
                passwordChangedAt: document.value(forKey: keys.changedAt).flatMap(parseDate))
        default:
            let missing = username == nil ? keys.username : keys.password
            throw CredentialError(
                .invalidConfiguration, "\(path) has an incomplete \(environment) login: \(missing) is missing or empty.",
                fix: "run `pontotel credentials set --env \(environment) --store dotenv` to write both")
        }
    }

    /// Refuses values that no store can keep faithfully.
    static func validate(_ stored: StoredLogin) throws(CredentialError) {
        try LoginValidation.check(stored)
    }

    private func checkGit() throws(CredentialError) {
        guard let workTree = GitGuard.unignoredWorkTree(for: path) else { return }
        if addToGitignore {
            try GitGuard.addToGitignore(path, workTree: workTree)
            return
        }
        throw CredentialError(
            .unsafeLocation,
            "Refusing to write credentials to \(path): it is inside the git work tree \(workTree) and not ignored, so it could be committed.",
            fix: "pass --add-to-gitignore to add it to \(workTree)/.gitignore, or choose a file outside the repository with --dotenv")
    }

    static func formatDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    static func parseDate(_ text: String) -> Date? {
        ISO8601DateFormatter().date(from: text)
    }
}
