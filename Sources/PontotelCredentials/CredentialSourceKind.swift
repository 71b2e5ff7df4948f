/// Where a login was found or stored. The raw values are stable: they appear in `--json` output.
public enum CredentialSourceKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case environment
    case secretsDirectory = "secrets-directory"
    case keyring
    case dotenv
    case memory

    public var description: String { rawValue }

    /// True for stores that keep the secret in a plaintext file.
    public var isPlaintext: Bool { self == .dotenv }
}
