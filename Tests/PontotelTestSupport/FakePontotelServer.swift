import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The fake Pontotel API (`Tests/Fixtures/fake_pontotel.py`) on loopback over real TLS, signed
/// by the test CA that scripts/test makes the system trust inside its mount namespace.
/// It dies with the test process (it exits when its stdin closes).
public final class FakePontotelServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let input: Pipe

    public init(plainHTTP: Bool = false) throws {
        let fixtures = try TestHarness.fixtures()
        let ca = try TestHarness.caDirectory()
        process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessRunner.which("python3") ?? "/usr/bin/python3")
        process.arguments = [
            "\(fixtures)/fake_pontotel.py", "--cert", "\(ca)/server.pem", "--key", "\(ca)/server.key", "--port", "0",
        ] + (plainHTTP ? ["--plain-http"] : [])
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        let handle = output.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw TestHarness.Missing(description: "the fake Pontotel server did not start (said \"\(text)\")")
        }
        self.port = port
    }

    /// `https://127.0.0.1:PORT/pontotel/api/v4`
    public var baseURL: String { "https://127.0.0.1:\(port)/pontotel/api/v4" }
    /// The same server under another origin (`localhost`), for cross-origin tests.
    public var otherOriginBaseURL: String { "https://localhost:\(port)/pontotel/api/v4" }

    /// A control call (`reset`, `config`, `seed`, `fault`, `expire_tokens`, `users`, `stats`).
    @discardableResult
    public func control(_ path: String, _ body: [String: Any]? = nil, method: String? = nil) throws -> [String: Any] {
        var request = URLRequest(url: URL(string: "https://127.0.0.1:\(port)/_control/\(path)")!)
        request.httpMethod = method ?? (body == nil ? "GET" : "POST")
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, error in
            box.set(data, error)
            semaphore.signal()
        }.resume()
        guard semaphore.wait(timeout: .now() + 30) == .success else {
            throw TestHarness.Missing(description: "control call \(path) timed out")
        }
        if let error = box.error { throw error }
        return (try? JSONSerialization.jsonObject(with: box.data ?? Data()) as? [String: Any]) ?? [:]
    }

    /// Counters: `logins`, `failed_logins`, `requests`, `creates`, `rate_limited`, and `log`.
    public func stats() throws -> [String: Any] { try control("stats") }

    public func count(_ name: String) throws -> Int { (try stats()[name] as? Int) ?? -1 }

    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var data: Data?
    private(set) var error: Error?
    func set(_ data: Data?, _ error: Error?) {
        lock.lock()
        self.data = data
        self.error = error
        lock.unlock()
    }
}
