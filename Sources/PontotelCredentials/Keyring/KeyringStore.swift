import Foundation

/// Logins in the Linux keyring (Secret Service over D-Bus, through libsecret), default collection.
///
/// Items it writes for an environment (sandbox shown):
/// - the login: attributes `service=pontotel-sandbox`, `username=<user>`, secret = the current
///   password. This is exactly what `secret-tool lookup service pontotel-sandbox username <user>`
///   and `keyring get pontotel-sandbox <user>` read.
/// - its metadata: attributes `pontotel-item=state`, `pontotel-environment=sandbox`, secret = JSON
///   with the change time and the previous password. It has no `service` attribute, so the lookup
///   above never returns it; attributes never change, mutable data stays in the secret.
/// Items made by secret-tool or Python keyring for the same service are found too.
public struct KeyringStore: CredentialStore {
    public let kind = CredentialSourceKind.keyring
    public let isWritable = true
    public var location: String { "Secret Service, default collection" }

    let client: SecretServiceClient

    /// - Parameter timeout: the deadline for each libsecret call; nothing waits longer.
    public init(timeout: Duration = .seconds(5)) {
        client = SecretServiceClient(timeout: timeout)
    }

    /// Whether a Secret Service answers. Throws `keyringUnavailable` when there is none,
    /// `keyringLocked` when it does not answer in time.
    public func checkReachable() throws(CredentialError) {
        try client.ping()
    }

    public func load(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin? {
        try load(environment, withMetadata: true)
    }

    /// One D-Bus search instead of two: what `credentials get` and the API client need.
    public func loadLogin(_ environment: PontotelEnvironment) throws(CredentialError) -> StoredLogin? {
        try load(environment, withMetadata: false)
    }

    private func load(_ environment: PontotelEnvironment, withMetadata: Bool) throws(CredentialError) -> StoredLogin? {
        let items = try client.search(["service": environment.keyringService])
            .filter { $0.attributes["username"] != nil }
        guard !items.isEmpty else { return nil }
        if items.contains(where: { $0.isLocked || $0.secret == nil }) {
            throw CredentialError(
                .keyringLocked,
                "The \(environment) login is in a locked keyring collection.",
                fix: "unlock the keyring (log in to the desktop session, or `gnome-keyring-daemon --unlock`), or use --store dotenv")
        }
        // One login per environment; if other tools left several, the newest wins.
        let current = items.max { $0.modified < $1.modified }!
        let username = current.attributes["username"]!
        var stored = StoredLogin(
            login: Login(username: username, password: current.secret!),
            passwordChangedAt: current.modified)
        if withMetadata, let state = try loadState(environment), state.username == username,
            state.currentPassword.map({ Secret($0) == current.secret! }) ?? true
        {
            stored.previousPassword = state.previousPassword.map(Secret.init).flatMap { $0 == current.secret! ? nil : $0 }
            stored.passwordChangedAt = state.changedAt ?? current.modified
        }
        return stored
    }

    public func save(_ stored: StoredLogin, for environment: PontotelEnvironment) throws(CredentialError) {
        try LoginValidation.check(stored)
        let username = stored.login.username
        // The state first (previous password, change time, and the password it belongs to),
        // then the login. If the second write fails, the login is unchanged and the new state
        // does not match it, so it is ignored: nothing current is ever lost.
        let state = KeyringLoginState(
            username: username, changedAt: stored.passwordChangedAt,
            previousPassword: stored.previousPassword?.reveal(), currentPassword: stored.login.password.reveal())
        try client.store(
            stateAttributes(environment), label: "Pontotel \(environment) login metadata",
            secret: Secret(state.encoded()))
        try client.store(
            loginAttributes(environment, username: username),
            label: "Pontotel \(environment) login (\(username))",
            secret: stored.login.password)
        // One login per environment: drop other users' items and foreign duplicates of ours.
        let ours = Set(loginAttributes(environment, username: username).keys).union(["xdg:schema"])
        try client.delete(["service": environment.keyringService]) { attributes in
            attributes["username"] != username || !Set(attributes.keys).isSubset(of: ours)
        }
    }

    @discardableResult
    public func delete(_ environment: PontotelEnvironment) throws(CredentialError) -> Bool {
        let logins = try client.delete(["service": environment.keyringService])
        try client.delete(stateAttributes(environment))
        return logins > 0
    }

    // MARK: Items

    func loginAttributes(_ environment: PontotelEnvironment, username: String) -> [String: String] {
        ["service": environment.keyringService, "username": username]
    }

    func stateAttributes(_ environment: PontotelEnvironment) -> [String: String] {
        ["pontotel-item": "state", "pontotel-environment": environment.rawValue]
    }

    private func loadState(_ environment: PontotelEnvironment) throws(CredentialError) -> KeyringLoginState? {
        let items = try client.search(stateAttributes(environment))
        guard let item = items.max(by: { $0.modified < $1.modified }), let secret = item.secret
        else { return nil }
        return KeyringLoginState(decoding: secret.reveal())
    }
}

/// The metadata kept as the secret of the state item: JSON, so it can grow.
struct KeyringLoginState: Codable {
    var username: String
    var changedAt: Date?
    var previousPassword: String?
    /// The password this state belongs to: a state whose login write failed is recognised.
    var currentPassword: String?

    enum CodingKeys: String, CodingKey {
        case username
        case changedAt = "changed_at"
        case previousPassword = "previous_password"
        case currentPassword = "current_password"
    }

    init(username: String, changedAt: Date?, previousPassword: String?, currentPassword: String?) {
        self.username = username
        self.changedAt = changedAt
        self.previousPassword = previousPassword
        self.currentPassword = currentPassword
    }

    init?(decoding text: String) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let value = try? decoder.decode(Self.self, from: Data(text.utf8)) else { return nil }
        self = value
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
