import Foundation
import PontotelClient
import PontotelCredentials
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A scripted transport: answers by closure and records requests.
final class ScriptedTransport: HTTPTransport, Sendable {
    let handler: @Sendable (URLRequest) async throws -> (Int, [String: String], String)
    let requests = Mutex<[URLRequest]>([])
    init(_ handler: @escaping @Sendable (URLRequest) async throws -> (Int, [String: String], String)) { self.handler = handler }
    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        requests.withLock { $0.append(request) }
        let (status, headers, body) = try await handler(request)
        return (Data(body.utf8), HTTPURLResponse(url: request.url!, statusCode: status, httpVersion: "HTTP/1.1", headerFields: headers)!)
    }
    var count: Int { requests.withLock { $0.count } }
}

/// An in-memory shared token store with a real lock.
final class MemoryTokenStore: SharedTokenStore, @unchecked Sendable {
    let tokens = Mutex<[TokenKey: CachedToken]>([:])
    let removals = Mutex(0)
    func load(_ key: TokenKey) -> CachedToken? { tokens.withLock { $0[key] } }
    func save(_ token: CachedToken, for key: TokenKey) { tokens.withLock { $0[key] = token } }
    func remove(_ key: TokenKey) {
        tokens.withLock { $0[key] = nil }
        removals.withLock { $0 += 1 }
    }
    func withLoginLock<T>(_ key: TokenKey, _ body: () async throws -> T) async rethrows -> T { try await body() }
}

@Suite("Client logic over an in-memory transport")
struct InMemoryTransportTests {
    static let base = URL(string: "https://api.example.test/pontotel/api/v4")!
    static let login = LoginProvider.fixed(Login(username: "bob", password: Secret("pw-canary-1")))

    func client(_ transport: ScriptedTransport, _ configure: (inout PontotelClient.Configuration) -> Void = { _ in }) throws -> PontotelClient {
        var configuration = PontotelClient.Configuration()
        configuration.sharesTokens = false
        configuration.environmentVariables = [:]
        configuration.retry.baseDelay = .milliseconds(1)
        configure(&configuration)
        return try PontotelClient(environment: .sandbox, baseURL: Self.base, login: Self.login, configuration: configuration, transport: transport)
    }

    @Test func nextLinkBackToAPageAlreadyReadStops() async throws {
        let transport = ScriptedTransport { request in
            if request.url!.path.hasSuffix("/login") { return (200, [:], #"{"access_token":"t"}"#) }
            let next = "https://api.example.test/pontotel/api/v4/x/?page=1&page_size=2"
            return (200, [:], #"{"count":99,"next":"\#(next)","previous":null,"results":[{"id":1},{"id":2}]}"#)
        }
        var seen = 0
        let error = await pontotelError {
            for try await _ in try client(transport).items("/x/", query: [URLQueryItem(name: "page", value: "1")], pageSize: 2, as: JSONValue.self) {
                seen += 1
            }
        }
        #expect(error?.code == .invalidResponse)
        #expect(seen == 2)
        #expect(transport.count == 2, "one login, one page: the loop is caught before fetching again")
    }

    @Test(arguments: ["delta", "epoch"])
    func exhaustedBudgetWaitsForTheReset(format: String) async throws {
        let manual = ManualClock()
        let start = manual.current.withLock { $0 }
        let transport = ScriptedTransport { request in
            if request.url!.path.hasSuffix("/login") { return (200, [:], #"{"access_token":"t"}"#) }
            let reset = format == "delta" ? "2" : String(Int(start.timeIntervalSince1970) + 2)
            return (200, ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset], "{}")
        }
        let client = try client(transport) { $0.clock = manual.clock }
        _ = try await client.send(.get, "/x/")
        let before = manual.current.withLock { $0 }
        _ = try await client.send(.get, "/x/")
        let waited = manual.current.withLock { $0 }.timeIntervalSince(before)
        #expect(waited >= 1.0 && waited <= 2.1, "waited \(waited) s for the reset, no more")
    }

    @Test func unauthorizedOnLoginIsNeverRetried() async throws {
        let transport = ScriptedTransport { _ in (401, [:], #"{"error":"authentication_failed","message":"Invalid credentials"}"#) }
        let error = await pontotelError { _ = try await client(transport).send(.get, "/x/") }
        #expect(error?.code == .authenticationFailed)
        #expect(transport.count == 1)
        #expect(!"\(error!)".contains("pw-canary-1"))
    }

    @Test func persistent401OnCallsLogsInAgainOnlyOnce() async throws {
        let transport = ScriptedTransport { request in
            request.url!.path.hasSuffix("/login") ? (200, [:], #"{"access_token":"tok-canary","expires_in":3600}"#) : (401, [:], "{}")
        }
        let error = await pontotelError { _ = try await client(transport).send(.get, "/x/") }
        #expect(error?.status == 401)
        #expect(error?.code == .api)
        #expect(transport.count == 4)  // login, call, login, call
        #expect(!"\(error!)".contains("tok-canary"))
    }

    @Test func sharedStoreIsConsultedSavedAndClearedOn401() async throws {
        let store = MemoryTokenStore()
        let key = TokenKey(environment: .sandbox, username: "bob", baseURL: Self.base.absoluteString)
        store.save(CachedToken(token: Secret("stored-token"), expiresAt: Date().addingTimeInterval(3000)), for: key)
        let transport = ScriptedTransport { request in
            if request.url!.path.hasSuffix("/login") { return (200, [:], #"{"access_token":"fresh-token"}"#) }
            let auth = request.value(forHTTPHeaderField: "Authorization")
            return auth == "Bearer fresh-token" ? (200, [:], "{}") : (401, [:], "{}")
        }
        let client = try client(transport) {
            $0.sharesTokens = true
            $0.sharedTokenStore = store
        }
        _ = try await client.send(.get, "/x/")
        #expect(transport.requests.withLock { $0.map { $0.url!.path } } == ["/pontotel/api/v4/x", "/pontotel/api/v4/login", "/pontotel/api/v4/x"])
        #expect(store.removals.withLock { $0 } == 1)
        #expect(store.load(key)?.token.reveal() == "fresh-token")
    }

    @Test func postIsNotRetriedOnConnectionFailureButPutIs() async throws {
        let transport = ScriptedTransport { request in
            if request.url!.path.hasSuffix("/login") { return (200, [:], #"{"access_token":"t"}"#) }
            throw URLError(.networkConnectionLost)
        }
        let client = try client(transport)
        let post = await pontotelError { _ = try await client.send(.post, "/x/", body: Data("{}".utf8)) }
        #expect(post?.code == .network)
        #expect(transport.count == 2)
        let put = await pontotelError { _ = try await client.send(.put, "/x/", body: Data("{}".utf8)) }
        #expect(put?.code == .network)
        #expect(transport.count == 2 + 4)
    }

    @Test(arguments: ["http://api.example.test/v4", "ftp://api.example.test/v4", "https:///nohost", "https://user:pw@api.example.test/v4"])
    func nonHTTPSBaseURLsAreRefused(text: String) async throws {
        let transport = ScriptedTransport { _ in (200, [:], "{}") }
        let error = await pontotelError {
            _ = try PontotelClient(environment: .sandbox, baseURL: URL(string: text)!, login: Self.login, transport: transport)
        }
        #expect(error?.code == .httpsRequired)
        #expect(error?.description.contains("pw") == false || text.contains("user:pw") == false)
        #expect(transport.count == 0)
    }

    @Test func baseURLComesFromTheEnvironmentVariableOrTheDefault() throws {
        let fromVariable = try PontotelClient.resolveBaseURL(
            nil, environment: .production, variables: ["PONTOTEL_PRODUCTION_BASE_URL": "https://proxy.example/api/"])
        #expect(fromVariable.absoluteString == "https://proxy.example/api")
        let fallback = try PontotelClient.resolveBaseURL(nil, environment: .sandbox, variables: [:])
        #expect(fallback.absoluteString == PontotelEnvironment.sandbox.defaultBaseURL)
    }
}
