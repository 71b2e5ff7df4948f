import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The fake Pontotel server (Tests/Fixtures/fake_pontotel.py) as a subprocess over real TLS.
/// Its stdin is a pipe we keep open, so it dies with the test process.
public final class FakePontotelServer: @unchecked Sendable {
    let process = Process()
    let stdin = Pipe()
    public let port: Int
    public let plainHTTP: Bool

    public static let apiPath = "/pontotel/api/v4"

    /// Starts a server; records an issue and throws when the test environment is not set up.
    public static func start(plainHTTP: Bool = false) throws -> FakePontotelServer {
        let environment = ProcessInfo.processInfo.environment
        guard let fixtures = environment["PONTOTEL_TEST_FIXTURES"], let caDirectory = environment["PONTOTEL_TEST_CA_DIR"] else {
            Issue.record(
                "PONTOTEL_TEST_FIXTURES and PONTOTEL_TEST_CA_DIR must be set: run the suite through the repo's test command (scripts/with-test-ca.sh) so the fake server's CA is trusted")
            throw SetupError.missingEnvironment
        }
        return try FakePontotelServer(fixtures: fixtures, caDirectory: caDirectory, plainHTTP: plainHTTP)
    }

    public enum SetupError: Error { case missingEnvironment, noPort(String) }

    private init(fixtures: String, caDirectory: String, plainHTTP: Bool) throws {
        self.plainHTTP = plainHTTP
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", fixtures + "/fake_pontotel.py", "--port", "0", "--watch", "on"]
        if plainHTTP {
            arguments.append("--plain-http")
        } else {
            arguments += ["--cert", caDirectory + "/server.pem", "--key", caDirectory + "/server.key"]
        }
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var buffer = ""
        let deadline = Date().addingTimeInterval(15)
        while !buffer.contains("\n"), Date() < deadline {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = buffer.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }),
            let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
        else {
            process.terminate()
            throw SetupError.noPort(buffer)
        }
        self.port = port
    }

    /// Synchronous control call, for tests that are not async. (URLSession's callback, not a
    /// Task: blocking a cooperative thread on a Task could starve the pool.)
    @discardableResult
    public func call(_ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        let request = try controlRequest(body == nil ? "GET" : "POST", path, body)
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, error in
            box.set((try? JSONSerialization.jsonObject(with: data ?? Data())) as? [String: Any], error)
            semaphore.signal()
        }.resume()
        guard semaphore.wait(timeout: .now() + 30) == .success else {
            throw TestHarness.Missing(description: "control call \(path) timed out")
        }
        if let error = box.error { throw error }
        return box.value ?? [:]
    }

    private func controlRequest(_ method: String, _ path: String, _ body: [String: Any]?) throws -> URLRequest {
        var request = URLRequest(url: URL(string: root + "/_control/" + path)!)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        return request
    }

    /// One counter from the server's stats (`logins`, `failed_logins`, `requests`, ...).
    public func count(_ name: String) throws -> Int { (try call("stats")[name] as? Int) ?? -1 }

    public func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? stdin.fileHandleForWriting.close()
    }

    public var root: String { "\(plainHTTP ? "http" : "https")://127.0.0.1:\(port)" }
    /// `https://127.0.0.1:PORT/pontotel/api/v4`
    public var baseURL: URL { URL(string: root + Self.apiPath)! }
    public func url(host: String = "127.0.0.1", scheme: String = "https", _ path: String) -> String {
        "\(scheme)://\(host):\(port)\(path)"
    }

    /// A control call; the JSON answer.
    @discardableResult
    public func control(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        let request = try controlRequest(method, path, body)
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    public func fault(_ body: [String: Any]) async throws { try await control("POST", "fault", body) }
    public func seed(_ count: Int) async throws { try await control("POST", "seed", ["count": count, "empregador_id": 1]) }

    public func stats() async throws -> Stats { Stats(raw: try await control("GET", "stats")) }

    public struct Stats {
        public var raw: [String: Any]
        public func int(_ key: String) -> Int { raw[key] as? Int ?? -1 }
        public var logins: Int { int("logins") }
        public var failedLogins: Int { int("failed_logins") }
        public var requests: Int { int("requests") }
        public var creates: Int { int("creates") }
        public var rateLimited: Int { int("rate_limited") }
        public var log: [[String: Any]] { raw["log"] as? [[String: Any]] ?? [] }
        public func entries(method: String? = nil, pathSuffix: String) -> [[String: Any]] {
            log.filter { ($0["path"] as? String ?? "").hasSuffix(pathSuffix) && (method == nil || $0["method"] as? String == method) }
        }
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value: [String: Any]?
    private(set) var error: Error?
    func set(_ value: [String: Any]?, _ error: Error?) {
        lock.lock()
        self.value = value
        self.error = error
        lock.unlock()
    }
}
