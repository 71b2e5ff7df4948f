import Foundation

/// A login found by ``Credentials/resolve(_:)``, with where it came from.
public struct ResolvedLogin: Sendable, CustomStringConvertible {
    public var stored: StoredLogin
    public var source: CredentialSourceKind
    /// The file, directory or keyring it was read from; never a secret.
    public var location: String
    /// Problems worth telling the user about (a file readable by others, a stale copy).
    public var warnings: [String]

    public var login: Login { stored.login }
    public var description: String { "\(stored.login) from \(source) (\(location))" }
}

/// The outcome of a write: which store took it and what the user should be told.
public struct WriteOutcome: Sendable {
    public var store: CredentialSourceKind
    public var location: String
    /// E.g. "no keyring: stored in plaintext" — the CLI prints these to stderr, every time.
    public var warnings: [String]
}

/// The entry point of `PontotelCredentials`: resolves, stores, rotates and deletes logins across
/// the sources, in order: environment variables, secrets directory, keyring, `.env` file.
///
/// ```swift
/// let credentials = try Credentials()
/// let login = try credentials.resolve(.sandbox).login   // Login(username:password:)
/// ```
public struct Credentials: Sendable {
    public let settings: CredentialSettings
    public let environmentVariables: EnvironmentVariableSource
    public let secretsDirectory: SecretsDirectorySource?
    public let keyring: any CredentialStore
    public let dotenv: DotenvStore

    /// Sources from the process environment and the default files.
    public init(settings: CredentialSettings? = nil) throws(CredentialError) {
        let resolved: CredentialSettings
        if let settings { resolved = settings } else { resolved = try CredentialSettings() }
        let settings = resolved
        self.init(
            settings: settings,
            keyring: KeyringStore(timeout: settings.keyringTimeout))
    }

    /// Sources with a given keyring store (an ``InMemoryStore`` in unit tests).
    public init(settings: CredentialSettings, keyring: any CredentialStore) {
        self.settings = settings
        environmentVariables = EnvironmentVariableSource(settings.environment)
        secretsDirectory = SecretsDirectorySource.configured(in: settings.environment)
        self.keyring = keyring
        dotenv = DotenvStore(path: settings.dotenvPath, addToGitignore: settings.addToGitignore)
    }

    /// The sources consulted by `resolve`, in order: environment variables and the secrets
    /// directory override every store; a forced store (`--store`) is the only store consulted.
    public var readSources: [any CredentialStore] {
        var sources: [any CredentialStore] = [environmentVariables]
        if let secretsDirectory { sources.append(secretsDirectory) }
        return sources + writableStores
    }

    /// The login for `environment` from the first source that has one.
    ///
    /// A keyring that is not there at all is skipped (the `.env` file is read next); a keyring
    /// that is there but locked or not answering is an error, because skipping it could pick a
    /// stale plaintext copy.
    ///
    /// With `includeMetadata: false` the previous password and change time may be missing, in
    /// exchange for one keyring round trip instead of two (for callers that only need the login).
    public func resolve(
        _ environment: PontotelEnvironment, includeMetadata: Bool = true
    ) throws(CredentialError) -> ResolvedLogin {
        var warnings: [String] = []
        var unreachableKeyring: CredentialError?
        for source in readSources {
            let stored: StoredLogin?
            do {
                stored = try includeMetadata ? source.load(environment) : source.loadLogin(environment)
            } catch where error.code == .keyringUnavailable && settings.store == nil {
                unreachableKeyring = error
                continue
            }
            guard let stored else { continue }
            if source.kind == .dotenv, let warning = dotenv.permissionWarning() {
                warnings.append(warning)
            }
            return ResolvedLogin(
                stored: stored, source: source.kind, location: source.location, warnings: warnings)
        }
        var error = notFound(environment)
        if let unreachableKeyring {
            error.message += " The keyring could not be searched: \(unreachableKeyring.message)"
        }
        throw error
    }

    /// The store writes go to, and the warnings to print. Automatic choice: the keyring when a
    /// Secret Service answers, else the `.env` file with a plaintext warning. A forced keyring that
    /// cannot be reached, or a keyring that is locked, is an error — never a silent downgrade.
    public func writableStore() throws(CredentialError) -> (store: any CredentialStore, warnings: [String]) {
        switch settings.store {
        case .dotenv:
            return (dotenv, ["storing the login in plaintext in \(dotenv.path) (chosen with --store dotenv / PONTOTEL_STORE)"])
        case .keyring:
            try checkKeyring()
            return (keyring, [])
        case nil:
            do {
                try checkKeyring()
                return (keyring, [])
            } catch where error.code == .keyringUnavailable {
                return (
                    dotenv,
                    ["no keyring (Secret Service) can be reached: storing the login in plaintext in \(dotenv.path); use --store keyring to require the keyring"]
                )
            }
        }
    }

    /// Stores a new login for `environment` (replacing the old one), stamped with the time.
    @discardableResult
    public func set(
        _ login: Login, for environment: PontotelEnvironment, now: Date = Date()
    ) throws(CredentialError) -> WriteOutcome {
        try LoginValidation.check(StoredLogin(login: login))
        let (store, warnings) = try writableStore()
        try store.save(StoredLogin(login: login, passwordChangedAt: now), for: environment)
        return WriteOutcome(
            store: store.kind, location: store.location,
            warnings: warnings + shadowWarnings(environment, writtenTo: store.kind))
    }

    /// The stores pontotel writes to, in reading order: the forced one, else keyring and `.env`.
    public var writableStores: [any CredentialStore] {
        switch settings.store {
        case .keyring: return [keyring]
        case .dotenv: return [dotenv]
        case nil: return [keyring, dotenv]
        }
    }

    /// Removes the login for `environment` from every writable store (or the forced one).
    /// Returns the stores it was removed from; throws `notFound` when none had it.
    @discardableResult
    public func delete(_ environment: PontotelEnvironment) throws(CredentialError) -> [CredentialSourceKind] {
        var removed: [CredentialSourceKind] = []
        for store in writableStores {
            do {
                if try store.delete(environment) { removed.append(store.kind) }
            } catch where error.code == .keyringUnavailable && settings.store == nil {
                continue
            }
        }
        guard !removed.isEmpty else { throw notFound(environment) }
        return removed
    }

    /// One line of `credentials list`: a login (or the error reading it) in one source.
    public struct Listing: Sendable {
        public var environment: PontotelEnvironment
        public var source: CredentialSourceKind
        public var location: String
        public var stored: StoredLogin?
        public var error: CredentialError?
        /// True for the login `resolve` would pick for this environment.
        public var isActive: Bool
    }

    /// Every login in every source, both environments, with the one in use marked.
    public func list() -> [Listing] {
        var listings: [Listing] = []
        for environment in PontotelEnvironment.allCases {
            var foundActive = false
            for source in readSources {
                do {
                    guard let stored = try source.load(environment) else { continue }
                    listings.append(
                        Listing(
                            environment: environment, source: source.kind, location: source.location,
                            stored: stored, error: nil, isActive: !foundActive))
                    foundActive = true
                } catch {
                    if error.code == .keyringUnavailable { continue }
                    listings.append(
                        Listing(
                            environment: environment, source: source.kind, location: source.location,
                            stored: nil, error: error, isActive: false))
                }
            }
        }
        return listings
    }

    /// Whether the keyring answers: nil when it does, else the error.
    public func keyringProblem() -> CredentialError? {
        do { try checkKeyring(); return nil } catch { return error }
    }

    /// The password's age in whole days, and a warning when it is older than the rotation limit.
    public func rotationWarning(for stored: StoredLogin, environment: PontotelEnvironment, now: Date = Date()) -> String? {
        guard let changed = stored.passwordChangedAt else { return nil }
        let days = Int(now.timeIntervalSince(changed) / 86_400)
        guard days >= settings.rotationDays else { return nil }
        return "the \(environment) password was last changed \(days) days ago (limit \(settings.rotationDays)): run `pontotel credentials rotate --env \(environment)`"
    }

    // MARK: Helpers

    func checkKeyring() throws(CredentialError) {
        if let keyring = keyring as? KeyringStore {
            try keyring.checkReachable()
        }
    }

    func notFound(_ environment: PontotelEnvironment) -> CredentialError {
        let place: String =
            switch settings.store {
            case .keyring: "in the keyring"
            case .dotenv: "in \(dotenv.path)"
            case nil: "in environment variables, the keyring or \(dotenv.path)"
            }
        return CredentialError(
            .notFound, "No \(environment) login is stored \(place).",
            fix: "run `pontotel credentials set --env \(environment)`")
    }

    /// Warnings about copies of the login that will shadow, or be shadowed by, what was written.
    func shadowWarnings(_ environment: PontotelEnvironment, writtenTo kind: CredentialSourceKind) -> [String] {
        var warnings: [String] = []
        if let names = environmentVariables.variableNames(for: environment) {
            warnings.append("\(names.username)/\(names.password) are set in the environment and override the stored \(environment) login")
        }
        if let secretsDirectory, (try? secretsDirectory.load(environment)) != nil {
            warnings.append("the secrets directory \(secretsDirectory.directory) has a \(environment) login that overrides the stored one")
        }
        if kind == .keyring, (try? dotenv.load(environment)) ?? nil != nil {
            warnings.append("an older \(environment) login remains in plaintext in \(dotenv.path): remove it with `pontotel credentials delete --env \(environment) --store dotenv`")
        }
        return warnings
    }
}
