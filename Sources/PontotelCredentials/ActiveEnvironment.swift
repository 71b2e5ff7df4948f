import Foundation

/// The environment commands act on, and why: `--env`, else `PONTOTEL_ENV`, else the one saved
/// by `pontotel env use`, else sandbox (the safe default).
public struct ActiveEnvironment: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        case option
        case variable
        case saved(path: String)
        case defaultValue

        /// A stable word for `--json` output.
        public var code: String {
            switch self {
            case .option: return "option"
            case .variable: return "PONTOTEL_ENV"
            case .saved: return "config"
            case .defaultValue: return "default"
            }
        }

        public var explanation: String {
            switch self {
            case .option: return "chosen with --env"
            case .variable: return "set by PONTOTEL_ENV"
            case .saved(let path): return "saved by `pontotel env use` in \(path)"
            case .defaultValue: return "the default (nothing else chose one)"
            }
        }
    }

    public var environment: PontotelEnvironment
    public var reason: Reason

    public init(environment: PontotelEnvironment, reason: Reason) {
        self.environment = environment
        self.reason = reason
    }

    /// Resolves the active environment. Throws `invalidConfiguration` when `PONTOTEL_ENV` or the
    /// config file names something that is not an environment.
    public static func resolve(
        option: PontotelEnvironment?, settings: CredentialSettings
    ) throws(CredentialError) -> ActiveEnvironment {
        if let option { return ActiveEnvironment(environment: option, reason: .option) }
        if let text = settings.environment["PONTOTEL_ENV"], !text.isEmpty {
            guard let environment = PontotelEnvironment(parsing: text) else {
                throw CredentialError(
                    .invalidConfiguration, "PONTOTEL_ENV is \"\(text)\", which is not an environment.",
                    fix: "set PONTOTEL_ENV to sandbox or production, or unset it")
            }
            return ActiveEnvironment(environment: environment, reason: .variable)
        }
        let path = settings.paths.configFile
        if let saved = try savedValue(path) {
            guard let environment = PontotelEnvironment(parsing: saved) else {
                throw CredentialError(
                    .invalidConfiguration, "\(path) names the environment \"\(saved)\", which does not exist.",
                    fix: "run `pontotel env use sandbox` or `pontotel env use production`")
            }
            return ActiveEnvironment(environment: environment, reason: .saved(path: path))
        }
        return ActiveEnvironment(environment: .sandbox, reason: .defaultValue)
    }

    /// Saves the environment for later commands (`pontotel env use`), keeping other settings.
    public static func save(_ environment: PontotelEnvironment, settings: CredentialSettings) throws(CredentialError) {
        let path = settings.paths.configFile
        try SecureFile.withExclusiveLock(path) { () throws(CredentialError) in
            var lines = String(decoding: try SecureFile.read(path) ?? Data(), as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            lines.removeAll { Self.key(of: $0) == "environment" }
            lines.append("environment=\(environment.rawValue)")
            try SecureFile.atomicWrite(Data((lines.joined(separator: "\n") + "\n").utf8), to: path)
        }
    }

    private static func savedValue(_ path: String) throws(CredentialError) -> String? {
        guard let data = try SecureFile.read(path) else { return nil }
        var value: String?
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let text = String(line)
            if key(of: text) == "environment", let equals = text.firstIndex(of: "=") {
                value = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return value
    }

    private static func key(of line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
        return trimmed[..<equals].trimmingCharacters(in: .whitespaces)
    }
}
