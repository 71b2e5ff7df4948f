import Foundation

/// A throwaway user session for one test: a temporary HOME and XDG directories, a private D-Bus
/// daemon, and (optionally) gnome-keyring's Secret Service unlocked with a throwaway password.
///
/// Each instance is independent, so tests that use one can run in parallel, and none can reach
/// the keyring of the person running the suite. The bus has no service activation: a Secret
/// Service exists only when this type starts one.
public final class PrivateKeyring: @unchecked Sendable {
    public let root: String
    public let home: String
    public let busAddress: String
    private let bus: Process
    private var keyring: Process?

    /// Starts the bus, and the keyring unless `withSecretService` is false.
    public init(withSecretService: Bool = true) throws {
        root = TestHarness.temporaryDirectory("pontotel-keyring")
        home = root + "/home"
        for directory in [home, home + "/.config", home + "/.local/share", home + "/.cache", root + "/run"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        chmod(root + "/run", 0o700)
        let config = root + "/bus.conf"
        let template = try String(
            contentsOfFile: try TestHarness.variable("PONTOTEL_TEST_SCRIPTS") + "/private-bus.conf.in", encoding: .utf8)
        try template.replacingOccurrences(of: "@LISTEN@", with: "unix:path=\(root)/bus")
            .write(toFile: config, atomically: true, encoding: .utf8)
        bus = Process()
        bus.executableURL = URL(fileURLWithPath: ProcessRunner.which("dbus-daemon") ?? "/usr/bin/dbus-daemon")
        bus.arguments = ["--config-file=\(config)", "--nofork", "--nopidfile"]
        bus.standardOutput = FileHandle.nullDevice
        bus.standardError = FileHandle.nullDevice
        try bus.run()
        busAddress = "unix:path=\(root)/bus"
        try Self.waitFor(timeout: 10) { FileManager.default.fileExists(atPath: "\(self.root)/bus") }
        if withSecretService { try startKeyring() }
    }

    /// The environment for a process that should use this session and nothing of the real user.
    public var environment: [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": home,
            "XDG_CONFIG_HOME": home + "/.config",
            "XDG_DATA_HOME": home + "/.local/share",
            "XDG_CACHE_HOME": home + "/.cache",
            "XDG_RUNTIME_DIR": root + "/run",
            "DBUS_SESSION_BUS_ADDRESS": busAddress,
            "LANG": "C.UTF-8",
        ]
    }

    /// Starts gnome-keyring's Secret Service on the bus, login collection unlocked.
    public func startKeyring() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessRunner.which("gnome-keyring-daemon") ?? "/usr/bin/gnome-keyring-daemon")
        process.arguments = ["--foreground", "--unlock", "--components=secrets"]
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("pontotel-test-keyring".utf8))
        try input.fileHandleForWriting.close()
        keyring = process
        try Self.waitFor(timeout: 15) { self.nameHasOwner("org.freedesktop.secrets") }
    }

    /// Kills the Secret Service (as if it crashed) and waits until it is gone from the bus.
    public func killKeyring() throws {
        guard let keyring else { return }
        kill(keyring.processIdentifier, SIGKILL)
        keyring.waitUntilExit()
        self.keyring = nil
        try Self.waitFor(timeout: 10) { !self.nameHasOwner("org.freedesktop.secrets") }
    }

    /// Freezes the Secret Service (SIGSTOP): it stays on the bus but never answers, like a
    /// daemon stuck behind an unlock prompt nobody can see. `resumeKeyring` undoes it.
    public func freezeKeyring() {
        if let keyring { kill(keyring.processIdentifier, SIGSTOP) }
    }

    public func resumeKeyring() {
        if let keyring { kill(keyring.processIdentifier, SIGCONT) }
    }

    /// Locks the login collection, as a screen lock or `secret-tool lock` would.
    public func lockCollection() throws {
        let result = try gdbus([
            "call", "--session", "--dest", "org.freedesktop.secrets",
            "--object-path", "/org/freedesktop/secrets",
            "--method", "org.freedesktop.Secret.Service.Lock",
            "['/org/freedesktop/secrets/collection/login']",
        ])
        guard result.status == 0 else { throw TestHarness.Missing(description: "locking failed: \(result.stderr)") }
    }

    public func stop() {
        if let keyring, keyring.isRunning {
            kill(keyring.processIdentifier, SIGCONT)
            kill(keyring.processIdentifier, SIGKILL)
            keyring.waitUntilExit()
        }
        keyring = nil
        if bus.isRunning { kill(bus.processIdentifier, SIGKILL); bus.waitUntilExit() }
        TestHarness.cleanUp(root)
    }

    deinit { stop() }

    private func nameHasOwner(_ name: String) -> Bool {
        guard let result = try? gdbus([
            "call", "--session", "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
            "--method", "org.freedesktop.DBus.NameHasOwner", name,
        ]) else { return false }
        return result.stdout.contains("true")
    }

    private func gdbus(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(
            ProcessRunner.which("gdbus") ?? "/usr/bin/gdbus", arguments, environment: environment, timeout: 10)
    }

    static func waitFor(timeout: TimeInterval, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return }
            usleep(20_000)
        }
        throw TestHarness.Missing(description: "a private keyring did not start within \(Int(timeout)) s")
    }
}
