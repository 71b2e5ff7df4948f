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
            var document = try readForRewrite()
            let keys = Keys(environment)
            try set(stored.login.username, keys.username, in: &document, field: "username")
            try set(stored.login.password.reveal(), keys.password, in: &document, field: "password")
            if let previous = stored.previousPassword {
                try set(previous.reveal(), keys.previousPassword, in: &document, field: "previous password")
            } else {
                document.removeValue(forKey: keys.previousPassword)
            }
            if let changed = stored.passwordChangedAt {
                try set(Self.formatDate(changed), keys.changedAt, in: &document, field: "change time")
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
            guard FileManager.default.fileExists(atPath: path) else { return false }
            var document = try readForRewrite()
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

    /// Refuses values that no store can keep faithfully, and `${NAME}` references, which
    /// python-dotenv (1.x) expands even in single quotes, so no quoting keeps them intact.
    static func validate(_ stored: StoredLogin) throws(CredentialError) {
        try LoginValidation.check(stored)
        let fields = [("username", stored.login.username), ("password", stored.login.password.reveal())]
            + (stored.previousPassword.map { [("previous password", $0.reveal())] } ?? [])
        for (field, value) in fields where !DotenvDocument.isStorable(value) {
            throw CredentialError(
                .invalidValue,
                "The \(field) contains a ${NAME} reference, which dotenv readers expand, so it cannot be kept in a .env file unchanged.",
                fix: "store it in the keyring (--store keyring), or choose a \(field) without ${...}")
        }
    }

    /// The current file as a document, refusing to rewrite one with bytes that are not UTF-8
    /// (rewriting would replace them and corrupt lines that are not ours).
    private func readForRewrite() throws(CredentialError) -> DotenvDocument {
        let document = DotenvDocument(parsing: try SecureFile.read(path) ?? Data())
        if document.hadInvalidUTF8 {
            throw CredentialError(
                .fileFailure, "\(path) contains bytes that are not valid UTF-8; rewriting it could damage lines that are not pontotel's.",
                fix: "fix the file's encoding, or choose another file with --dotenv")
        }
        return document
    }

    private func set(
        _ value: String, _ key: String, in document: inout DotenvDocument, field: String
    ) throws(CredentialError) {
        guard document.set(value, forKey: key) else {
            throw CredentialError(
                .invalidValue,
                "The \(field) cannot be written to \(path) so that it reads back unchanged (the file may have an unterminated quote).",
                fix: "check \(path) for a broken line, or use --store keyring")
        }
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
