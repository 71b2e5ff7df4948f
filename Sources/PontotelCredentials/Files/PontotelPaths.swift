import Foundation

/// Where pontotel keeps its files, following the XDG base directory spec.
public struct PontotelPaths: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    var home: String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        return NSHomeDirectory()
    }

    /// `$XDG_CONFIG_HOME/pontotel`, falling back to `~/.config/pontotel`.
    public var configDirectory: String {
        base("XDG_CONFIG_HOME", fallback: "\(home)/.config") + "/pontotel"
    }

    /// The `.env` file: `PONTOTEL_DOTENV` when set, else `<configDirectory>/.env`.
    public var defaultDotenvFile: String {
        if let path = environment["PONTOTEL_DOTENV"], !path.isEmpty { return path }
        return configDirectory + "/.env"
    }

    /// The file that remembers `pontotel env use`.
    public var configFile: String { configDirectory + "/config" }

    /// A private directory for caches of secrets (tokens): `$XDG_RUNTIME_DIR/pontotel` (tmpfs,
    /// per user, gone at logout) or `$XDG_CACHE_HOME/pontotel`.
    public var runtimeDirectory: String {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return runtime + "/pontotel"
        }
        return base("XDG_CACHE_HOME", fallback: "\(home)/.cache") + "/pontotel"
    }

    private func base(_ variable: String, fallback: String) -> String {
        // The XDG spec: relative paths are invalid and must be ignored.
        if let value = environment[variable], value.hasPrefix("/") { return value }
        return fallback
    }
}
