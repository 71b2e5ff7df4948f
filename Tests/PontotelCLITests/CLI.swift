import Foundation
import PontotelTestSupport
import Testing

/// Runs the built `pontotel` binary as a user would, in an environment we control.
struct CLI {
    var environment: [String: String]

    init(_ environment: [String: String]) { self.environment = environment }

    /// A session with its own D-Bus and gnome-keyring.
    init(keyring: PrivateKeyring) { environment = keyring.environment }

    @discardableResult
    func run(_ arguments: String..., stdin: String? = nil, extra: [String: String] = [:], timeout: TimeInterval = 60) throws -> ProcessResult {
        try run(arguments, stdin: stdin, extra: extra, timeout: timeout)
    }

    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, extra: [String: String] = [:], timeout: TimeInterval = 60) throws -> ProcessResult {
        var environment = self.environment
        for (key, value) in extra { environment[key] = value }
        return try ProcessRunner.run(
            try TestHarness.binary(), arguments, environment: environment, stdin: stdin, timeout: timeout)
    }

    func secretTool(_ arguments: String...) throws -> ProcessResult {
        try ProcessRunner.run(ProcessRunner.which("secret-tool") ?? "/usr/bin/secret-tool", arguments, environment: environment)
    }

    var home: String { environment["HOME"]! }
    var dotenvPath: String { environment["XDG_CONFIG_HOME"]! + "/pontotel/.env" }
}

/// A session with no D-Bus at all (a container, an SSH session without a bus).
func sessionWithoutDBus() -> (CLI, String) {
    let root = TestHarness.temporaryDirectory("pontotel-nobus")
    let environment = [
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        "HOME": root,
        "XDG_CONFIG_HOME": root + "/.config",
        "XDG_RUNTIME_DIR": root + "/run",
        "LANG": "C.UTF-8",
    ]
    try? FileManager.default.createDirectory(atPath: root + "/run", withIntermediateDirectories: true)
    return (CLI(environment), root)
}
