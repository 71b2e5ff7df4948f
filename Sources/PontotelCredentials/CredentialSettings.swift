import Foundation

/// Which writable store to use: chosen with `--store` or `PONTOTEL_STORE`; `nil` means automatic
/// (the keyring when one can be reached, else the `.env` file with a warning).
public enum StoreChoice: String, Sendable, CaseIterable {
    case keyring
    case dotenv
}

/// Everything that decides where logins are read and written, gathered from the process
/// environment and command-line options, validated once.
public struct CredentialSettings: Sendable {
    public var environment: [String: String]
    public var paths: PontotelPaths
    /// The `.env` file: `--dotenv`, else `PONTOTEL_DOTENV`, else the default under the config dir.
    public var dotenvPath: String
    /// A forced store, or nil for automatic.
    public var store: StoreChoice?
    /// Deadline of each keyring call (`PONTOTEL_KEYRING_TIMEOUT`, seconds, default 5).
    public var keyringTimeout: Duration
    /// Add a `.env` inside a git work tree to `.gitignore` instead of refusing to write it.
    public var addToGitignore: Bool
    /// Passwords older than this many days are reported (`PONTOTEL_ROTATION_DAYS`, default 90).
    public var rotationDays: Int

    /// Reads the settings; throws `invalidConfiguration` for a bad `PONTOTEL_STORE`,
    /// `PONTOTEL_KEYRING_TIMEOUT` or `PONTOTEL_ROTATION_DAYS`.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        dotenvPath: String? = nil,
        store: StoreChoice? = nil,
        addToGitignore: Bool = false
    ) throws(CredentialError) {
        self.environment = environment
        self.paths = PontotelPaths(environment: environment)
        self.dotenvPath = dotenvPath ?? paths.defaultDotenvFile
        self.addToGitignore = addToGitignore
        if let store {
            self.store = store
        } else if let text = environment["PONTOTEL_STORE"], !text.isEmpty {
            guard let choice = StoreChoice(rawValue: text.lowercased()) else {
                throw CredentialError(
                    .invalidConfiguration, "PONTOTEL_STORE is \"\(text)\", which is not a store.",
                    fix: "set PONTOTEL_STORE to keyring or dotenv, or unset it")
            }
            self.store = choice
        } else {
            self.store = nil
        }
        keyringTimeout = .seconds(5)
        if let text = environment["PONTOTEL_KEYRING_TIMEOUT"], !text.isEmpty {
            guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                throw CredentialError(
                    .invalidConfiguration, "PONTOTEL_KEYRING_TIMEOUT is \"\(text)\", not a number of seconds.",
                    fix: "set it to a number of seconds between 0 and 3600 (e.g. 5 or 0.5), or unset it")
            }
            keyringTimeout = .milliseconds(Int64(seconds * 1000))
        }
        rotationDays = 90
        if let text = environment["PONTOTEL_ROTATION_DAYS"], !text.isEmpty {
            guard let days = Int(text), days > 0 else {
                throw CredentialError(
                    .invalidConfiguration, "PONTOTEL_ROTATION_DAYS is \"\(text)\", not a positive number of days.",
                    fix: "set it to a whole number of days (e.g. 90), or unset it")
            }
            rotationDays = days
        }
    }
}
