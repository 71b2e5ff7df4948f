import Foundation
import PontotelClient
import PontotelCredentials
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The fake Pontotel server (Tests/Fixtures/fake_pontotel.py) as a subprocess over real TLS.
/// Its stdin is a pipe we keep open, so it dies with the test process.
final class FakeServer: @unchecked Sendable {
    let process = Process()
    let stdin = Pipe()
    let port: Int
    let plainHTTP: Bool

    static let apiPath = "/pontotel/api/v4"

    /// Starts a server; records an issue and throws when the test environment is not set up.
    static func start(plainHTTP: Bool = false) throws -> FakeServer {
        let environment = ProcessInfo.processInfo.environment
        guard let fixtures = environment["PONTOTEL_TEST_FIXTURES"], let caDirectory = environment["PONTOTEL_TEST_CA_DIR"] else {
            Issue.record(
                "PONTOTEL_TEST_FIXTURES and PONTOTEL_TEST_CA_DIR must be set: run the suite through the repo's test command (scripts/with-test-ca.sh) so the fake server's CA is trusted")
            throw SetupError.missingEnvironment
        }
        return try FakeServer(fixtures: fixtures, caDirectory: caDirectory, plainHTTP: plainHTTP)
    }

    enum SetupError: Error { case missingEnvironment, noPort(String) }

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

    deinit {
        if process.isRunning { process.terminate() }
        try? stdin.fileHandleForWriting.close()
    }

    var root: String { "\(plainHTTP ? "http" : "https")://127.0.0.1:\(port)" }
    var baseURL: URL { URL(string: root + Self.apiPath)! }
    func url(host: String = "127.0.0.1", scheme: String = "https", _ path: String) -> String {
        "\(scheme)://\(host):\(port)\(path)"
    }

    /// A control call; the JSON answer.
    @discardableResult
    func control(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: root + "/_control/" + path)!)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    func fault(_ body: [String: Any]) async throws { try await control("POST", "fault", body) }
    func seed(_ count: Int) async throws { try await control("POST", "seed", ["count": count, "empregador_id": 1]) }

    func stats() async throws -> Stats { Stats(raw: try await control("GET", "stats")) }

    struct Stats {
        var raw: [String: Any]
        func int(_ key: String) -> Int { raw[key] as? Int ?? -1 }
        var logins: Int { int("logins") }
        var failedLogins: Int { int("failed_logins") }
        var requests: Int { int("requests") }
        var creates: Int { int("creates") }
        var rateLimited: Int { int("rate_limited") }
        var log: [[String: Any]] { raw["log"] as? [[String: Any]] ?? [] }
        func entries(method: String? = nil, pathSuffix: String) -> [[String: Any]] {
            log.filter { ($0["path"] as? String ?? "").hasSuffix(pathSuffix) && (method == nil || $0["method"] as? String == method) }
        }
    }
}

/// A clock whose time moves only when told; sleeps return at once and advance it.
final class ManualClock: Sendable {
    let current = Mutex(Date())
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var clock: ClientClock {
        ClientClock(now: { self.current.withLock { $0 } }, sleep: { self.advance($0.testSeconds) })
    }
}

extension Duration {
    var testSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

let alicePassword = "s3cret-Pass"

/// A client for `server` with a fixed login, fast retries and no environment variables.
func makeClient(
    _ server: FakeServer, username: String = "alice", password: String = alicePassword,
    baseURL: URL? = nil, transport: (any HTTPTransport)? = nil,
    _ configure: (inout PontotelClient.Configuration) -> Void = { _ in }
) throws -> PontotelClient {
    var configuration = PontotelClient.Configuration()
    configuration.sharesTokens = false
    configuration.environmentVariables = [:]
    configuration.retry.baseDelay = .milliseconds(10)
    configuration.retry.maxDelay = .milliseconds(50)
    configure(&configuration)
    return try PontotelClient(
        environment: .sandbox, baseURL: baseURL ?? server.baseURL,
        login: .fixed(Login(username: username, password: Secret(password))), configuration: configuration,
        transport: transport)
}

/// Runs `body` and returns the PontotelError it throws (recording an issue if it does not).
func pontotelError(_ body: () async throws -> Void) async -> PontotelError? {
    do {
        try await body()
        Issue.record("expected a PontotelError, got success")
        return nil
    } catch let error as PontotelError {
        return error
    } catch {
        Issue.record("expected a PontotelError, got \(type(of: error))")
        return nil
    }
}
