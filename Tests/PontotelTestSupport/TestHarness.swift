import Foundation

/// What `scripts/test` provides to the suite. Tests that need a piece of it fail (never skip)
/// when it is missing, naming the command that sets it up.
public enum TestHarness {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    public static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(description: "\(name) is not set: run the suite with scripts/test (it sets up the private keyring, test CA and Python venv)")
        }
        return value
    }

    /// The built `pontotel` binary.
    public static func binary() throws -> String { try variable("PONTOTEL_TEST_BINARY") }
    /// A Python with keyring, python-dotenv and requests installed.
    public static func python() throws -> String { try variable("PONTOTEL_TEST_PYTHON") }
    public static func fixtures() throws -> String { try variable("PONTOTEL_TEST_FIXTURES") }
    public static func caDirectory() throws -> String { try variable("PONTOTEL_TEST_CA_DIR") }

    /// Throws unless this process runs in the private D-Bus session made by scripts/test, so that
    /// in-process keyring tests can never touch the keyring of the person running them.
    public static func requirePrivateSession() throws {
        let marker = try variable("PONTOTEL_TEST_PRIVATE_SESSION")
        guard marker == ProcessInfo.processInfo.environment["DBUS_SESSION_BUS_ADDRESS"] else {
            throw Missing(description: "DBUS_SESSION_BUS_ADDRESS is not the private test session: run scripts/test")
        }
    }

    /// A fresh temporary directory, removed by the caller with `cleanUp`.
    public static func temporaryDirectory(_ label: String = "pontotel-test") -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func cleanUp(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
