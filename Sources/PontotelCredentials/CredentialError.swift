import Foundation

/// The one error type of `PontotelCredentials`. A struct wrapping a code, so new codes do not
/// break callers; its `description` names the problem and the fix and never contains a secret.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No login is stored for the environment anywhere.
        public static let notFound = Code(rawValue: "not-found")
        /// No Secret Service can be reached (no D-Bus session, no service on the bus).
        public static let keyringUnavailable = Code(rawValue: "keyring-unavailable")
        /// A Secret Service is there but locked, the unlock prompt was refused, or it timed out.
        public static let keyringLocked = Code(rawValue: "keyring-locked")
        /// Another keyring failure (D-Bus error, daemon crashed mid-call).
        public static let keyringFailure = Code(rawValue: "keyring-failure")
        /// A file could not be read or written.
        public static let fileFailure = Code(rawValue: "file-failure")
        /// Writing a plaintext file that git would commit.
        public static let unsafeLocation = Code(rawValue: "unsafe-location")
        /// A value that cannot be stored safely (empty, newline, NUL).
        public static let invalidValue = Code(rawValue: "invalid-value")
        /// `save`/`delete` on a read-only source (environment variables, secrets directory).
        public static let readOnlySource = Code(rawValue: "read-only-source")
        /// No previous password to roll back to.
        public static let noPreviousPassword = Code(rawValue: "no-previous-password")
        /// A configuration value (environment variable, config file) is not valid.
        public static let invalidConfiguration = Code(rawValue: "invalid-configuration")
    }

    public var code: Code
    /// What went wrong, without secrets.
    public var message: String
    /// What the user can do about it.
    public var fix: String?

    public init(_ code: Code, _ message: String, fix: String? = nil) {
        self.code = code
        self.message = message
        self.fix = fix
    }

    public var description: String {
        if let fix { return "\(message)\n  fix: \(fix)" }
        return message
    }
}
