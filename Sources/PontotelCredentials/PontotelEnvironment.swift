/// One of Pontotel's two API environments. Each has its own login, kept apart in every store.
public enum PontotelEnvironment: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case sandbox
    case production

    /// The Secret Service `service` attribute that `secret-tool` and Python keyring look up.
    public var keyringService: String { "pontotel-\(rawValue)" }

    /// The upper-case word used in variable names (`PONTOTEL_SANDBOX_USERNAME`).
    public var variableWord: String { rawValue.uppercased() }

    /// The API base URL Pontotel publishes for this environment.
    public var defaultBaseURL: String {
        switch self {
        case .sandbox: return "https://sandbox-apis.pontotel.com.br/pontotel/api/v4"
        case .production: return "https://apis.pontotel.com.br/pontotel/api/v4"
        }
    }

    public var description: String { rawValue }

    /// Parses `sandbox` / `production` (case-insensitive); nil for anything else.
    public init?(parsing text: String) {
        self.init(rawValue: text.lowercased().trimmingCharacters(in: .whitespaces))
    }
}

import Foundation
