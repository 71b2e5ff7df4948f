import Foundation
import PontotelClient
import PontotelTestSupport
import PontotelCredentials
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("HTTPS policy and redirects (real TLS)")
struct HTTPSPolicyTests {
    @Test func plainHTTPBaseURLIsRefusedBeforeAnyIO() async throws {
        let plain = try FakePontotelServer.start(plainHTTP: true)
        let error = await pontotelError { _ = try makeClient(plain, baseURL: plain.baseURL) }
        #expect(error?.code == .httpsRequired)
        var configuration = PontotelClient.Configuration()
        configuration.sharesTokens = false
        configuration.environmentVariables = ["PONTOTEL_SANDBOX_BASE_URL": plain.baseURL.absoluteString]
        let fromVariable = await pontotelError {
            _ = try PontotelClient(
                environment: .sandbox, login: .fixed(Login(username: "alice", password: Secret(alicePassword))),
                configuration: configuration)
        }
        #expect(fromVariable?.code == .httpsRequired)
        #expect(fromVariable?.description.contains("PONTOTEL_SANDBOX_BASE_URL") == true)
        #expect(try await plain.stats().requests == 0)
    }

    @Test func absoluteURLsOffOriginOrHTTPAreRefused() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        let http = await pontotelError { _ = try await client.send(.get, server.url(scheme: "http", "/pontotel/api/v4/jornadas/")) }
        #expect(http?.code == .httpsRequired)
        let other = await pontotelError { _ = try await client.send(.get, server.url(host: "localhost", "/pontotel/api/v4/jornadas/")) }
        #expect(other?.code == .httpsRequired)
        #expect(try await server.stats().requests == 0)
    }

    @Test func redirectToHTTPIsRefused() async throws {
        let server = try FakePontotelServer.start()
        let plain = try FakePontotelServer.start(plainHTTP: true)
        let client = try makeClient(server)
        try await server.fault([
            "kind": "redirect", "location": plain.url(scheme: "http", "/pontotel/api/v4/jornadas/"),
            "path_prefix": "/pontotel/api/v4/jornadas",
        ])
        let error = await pontotelError { _ = try await client.send(.get, "/jornadas/") }
        #expect(error?.code == .httpsRequired)
        #expect(try await plain.stats().requests == 0)
    }

    @Test func authorizationIsDroppedOnCrossOriginRedirectAndKeptOnSameOrigin() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        try await server.fault([
            "kind": "redirect", "location": server.url(host: "localhost", "/pontotel/api/v4/empregadores/"),
            "path_prefix": "/pontotel/api/v4/jornadas",
        ])
        try await server.fault([
            "kind": "redirect", "location": server.url("/pontotel/api/v4/locais-trabalho/"),
            "path_prefix": "/pontotel/api/v4/empregadores",
        ])
        // Cross-origin: the redirected request arrives without Authorization (401), the client logs in
        // again and retries once.
        _ = try? await client.send(.get, "/jornadas/")
        _ = try await client.send(.get, "/empregadores/")
        let log = try await server.stats().log
        let toLocalhost = log.filter { ($0["host"] as? String ?? "").hasPrefix("localhost") }
        #expect(!toLocalhost.isEmpty)
        #expect(toLocalhost.allSatisfy { $0["had_auth"] as? Bool == false })
        let sameOrigin = log.filter { ($0["path"] as? String ?? "").hasSuffix("/locais-trabalho/") }
        #expect(!sameOrigin.isEmpty)
        // Same origin: the call succeeds (with the header kept, or through one re-login if the
        // transport dropped it).
        #expect(try await server.stats().entries(pathSuffix: "/empregadores/").last?["status"] as? Int == 200)
    }

    @Test func loginIsNeverCarriedToAnotherOrigin() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        try await server.fault([
            "kind": "redirect", "location": server.url(host: "localhost", "/pontotel/api/v4/login/"),
            "path_prefix": "/pontotel/api/v4/login", "status": 307,
        ])
        let error = await pontotelError { _ = try await client.token() }
        #expect(error?.code == .httpsRequired)
        let log = try await server.stats().log
        #expect(log.filter { ($0["host"] as? String ?? "").hasPrefix("localhost") }.isEmpty, "the password's POST went nowhere else")
    }

    @Test func nextLinkOffOriginIsRefused() async throws {
        let server = try FakePontotelServer.start()
        try await server.seed(30)
        // Calling through "localhost" makes the server build next links on localhost, while the
        // base URL is 127.0.0.1: served through a client whose base is 127.0.0.1 via a transport
        // that rewrites the host.
        let client = try makeClient(server, transport: HostRewritingTransport(host: "localhost"))
        let error = await pontotelError {
            for try await _ in client.items("/empregados/", pageSize: 10, as: JSONValue.self) {}
        }
        #expect(error?.code == .httpsRequired)
        #expect(try await server.stats().entries(method: "GET", pathSuffix: "/empregados/").count == 1)
    }
}

/// Sends every request to another host (same port) through the real transport.
struct HostRewritingTransport: HTTPTransport {
    let host: String
    let inner = URLSessionTransport()
    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        var rewritten = request
        var components = URLComponents(url: request.url!, resolvingAgainstBaseURL: false)!
        components.host = host
        rewritten.url = components.url
        return try await inner.send(rewritten)
    }
}
