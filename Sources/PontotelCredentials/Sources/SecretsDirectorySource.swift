import Foundation

/// Read-only logins from a directory of one-value files, as mounted by systemd
/// (`LoadCredential=`, `$CREDENTIALS_DIRECTORY`), Kubernetes secret volumes, Docker
/// `/run/secrets` or Vault Agent templates (`PONTOTEL_SECRETS_DIR`).
///
/// Files: `pontotel-sandbox-username`, `pontotel-sandbox-password` and the production pair.
/// Trailing newlines are ignored. Ranks right after environment variables.
public struct SecretsDirectorySource: CredentialStore {
    public let kind = CredentialSourceKind.secretsDirectory
    public let isWritable = false
    public let directory: String
    public var location: String { directory }

    public init(directory: String) { self.directory = directory }

    /// The directory named by `PONTOTEL_SECRETS_DIR`, else `CREDENTIALS_DIRECTORY`, if any.
    public static func configured(in environment: [String: String]) -> SecretsDirectorySource? {
        for name in ["PONTOTEL_SECRETS_DIR", "CREDENTIALS_DIRECTORY"] {
            if let directory = environment[name], !directory.isEmpty {
                return SecretsDirectorySource(directory: directory)
            }
        }
        return nil
    }

    public func load(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin? {
        let usernameFile = "\(directory)/pontotel-\(environment.rawValue)-username"
        let passwordFile = "\(directory)/pontotel-\(environment.rawValue)-password"
        let username = try read(usernameFile)
        let password = try read(passwordFile)
        switch (username, password) {
        case (nil, nil): return nil
        case (let username?, let password?):
            try LoginValidation.check(username, field: "username in \(usernameFile)")
            try LoginValidation.check(password, field: "password in \(passwordFile)")
            return StoredLogin(login: Login(username: username, password: Secret(password)))
        default:
            let missing = username == nil ? usernameFile : passwordFile
            throw CredentialError(
                .invalidConfiguration, "The secrets directory has an incomplete \(environment) login: \(missing) is missing or empty.",
                fix: "provide both pontotel-\(environment)-username and pontotel-\(environment)-password")
        }
    }

    public func save(_ stored: StoredLogin, for environment: PontotelEnvironment) throws(CredentialError) {
        throw CredentialError(
            .readOnlySource, "The secrets directory \(directory) is read-only for pontotel.",
            fix: "update the secret where it is managed (systemd-creds, Kubernetes, Vault)")
    }

    public func delete(_ environment: PontotelEnvironment) throws(CredentialError) -> Bool {
        throw CredentialError(
            .readOnlySource, "The secrets directory \(directory) is read-only for pontotel.",
            fix: "remove the secret where it is managed (systemd-creds, Kubernetes, Vault)")
    }

    private func read(_ path: String) throws(CredentialError) -> String? {
        guard let data = try SecureFile.read(path) else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text.isEmpty ? nil : text
    }
}
