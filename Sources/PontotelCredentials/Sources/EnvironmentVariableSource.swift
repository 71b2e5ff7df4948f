import Foundation

/// Read-only logins from process environment variables; they override every store.
///
/// `PONTOTEL_SANDBOX_USERNAME` / `PONTOTEL_SANDBOX_PASSWORD` (and the production pair) apply to
/// their environment. The generic `PONTOTEL_USERNAME` / `PONTOTEL_PASSWORD` from Pontotel's
/// integration guide apply to the environment named by `PONTOTEL_ENV`, or to sandbox when it is
/// unset: never to production by accident.
public struct EnvironmentVariableSource: CredentialStore, CustomReflectable {
    public let kind = CredentialSourceKind.environment
    public let isWritable = false
    public var location: String { "environment variables" }
    private let variables: [String: String]

    public init(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        // Keep only our variables, so a dump of this value can never show others.
        self.variables = variables.filter { $0.key.hasPrefix("PONTOTEL_") }
    }

    /// The variable names that supply this environment's login, when any do.
    public func variableNames(for environment: PontotelEnvironment) -> (username: String, password: String)? {
        let specific = ("PONTOTEL_\(environment.variableWord)_USERNAME", "PONTOTEL_\(environment.variableWord)_PASSWORD")
        if isSet(specific.0) || isSet(specific.1) { return specific }
        let generic = ("PONTOTEL_USERNAME", "PONTOTEL_PASSWORD")
        guard isSet(generic.0) || isSet(generic.1) else { return nil }
        let target = variables["PONTOTEL_ENV"].flatMap(PontotelEnvironment.init(parsing:)) ?? .sandbox
        return target == environment ? generic : nil
    }

    public func load(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin? {
        guard let names = variableNames(for: environment) else { return nil }
        guard let username = value(names.username), let password = value(names.password) else {
            let missing = isSet(names.username) ? names.password : names.username
            let present = isSet(names.username) ? names.username : names.password
            throw CredentialError(
                .invalidConfiguration,
                "\(present) is set but \(missing) is not, so the \(environment) login from the environment is incomplete.",
                fix: "set \(missing) too, or unset \(present) to use the stored login")
        }
        return StoredLogin(login: Login(username: username, password: Secret(password)))
    }

    public func save(_ stored: StoredLogin, for environment: PontotelEnvironment) throws(CredentialError) {
        throw CredentialError(
            .readOnlySource, "Environment variables are read-only for pontotel.",
            fix: "use --store keyring or --store dotenv")
    }

    public func delete(_ environment: PontotelEnvironment) throws(CredentialError) -> Bool {
        throw CredentialError(
            .readOnlySource, "Environment variables are read-only for pontotel.",
            fix: "unset the PONTOTEL_* variables in your shell")
    }

    /// Reflection shows no values: `dump()` of this source never prints a secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    private func isSet(_ name: String) -> Bool { value(name) != nil }
    private func value(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }
}
