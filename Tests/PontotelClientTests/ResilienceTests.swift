import Foundation
import PontotelClient
import PontotelTestSupport
import PontotelCredentials
import Testing

@Suite("Rate limits, retries and bad answers (real TLS)")
struct ResilienceTests {
    @Test func retryAfterIsHonouredThenGivesUpWhenTooLong() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server) { $0.maxRetryAfter = .seconds(2) }
        _ = try await client.token()
        try await server.fault(["kind": "status", "status": 429, "count": 2, "headers": ["Retry-After": "0.2"],
                                "body": ["error": "rate_limit_exceeded", "message": "slow down"]])
        let start = Date()
        _ = try await client.send(.get, "/jornadas/")
        #expect(Date().timeIntervalSince(start) >= 0.35)
        #expect(try await server.stats().entries(pathSuffix: "/jornadas/").count == 3)

        try await server.fault(["kind": "status", "status": 429, "headers": ["Retry-After": "120"],
                                "body": ["error": "rate_limit_exceeded", "message": "slow down"]])
        let error = await pontotelError { _ = try await client.send(.get, "/jornadas/") }
        #expect(error?.code == .rateLimited)
        #expect(error?.retryAfter == .seconds(120))
        #expect(error?.fix?.contains("retry after") == true)
        #expect(try await server.stats().entries(pathSuffix: "/jornadas/").count == 4)
    }

    @Test func pacingUnderServerRateLimitAvoids429() async throws {
        let server = try FakePontotelServer.start()
        try await server.seed(60)
        try await server.control("POST", "config", ["rate_limit": ["limit": 5, "window": 0.5]])
        let client = try makeClient(server) { $0.maxRateLimitRetries = 0 }
        let start = Date()
        var count = 0
        for try await _ in client.employees.list(pageSize: 4) { count += 1 }
        let elapsed = Date().timeIntervalSince(start)
        #expect(count == 60)
        let stats = try await server.stats()
        #expect(stats.rateLimited == 0)
        // 16 requests (login + 15 pages) at 5 per 0.5 s need at least 3 full windows, and should
        // not take much more than 4.
        #expect(elapsed >= 1.2)
        #expect(elapsed < 4)
    }

    @Test func clientSideLimitSpacesRequests() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server) { $0.clientRateLimit = ClientRateLimit(requests: 3, per: .milliseconds(300)) }
        let start = Date()
        for _ in 0..<5 { _ = try await client.send(.get, "/jornadas/") }  // + 1 login = 6 requests
        #expect(Date().timeIntervalSince(start) >= 0.3)
    }

    @Test func serverErrorsAreRetriedForGETButPOSTIsNeverRepeated() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        _ = try await client.token()
        try await server.fault(["kind": "status", "status": 503, "count": 2, "path_prefix": "/pontotel/api/v4/jornadas"])
        _ = try await client.send(.get, "/jornadas/")
        #expect(try await server.stats().entries(pathSuffix: "/jornadas/").count == 3)

        try await server.fault(["kind": "status", "status": 500, "count": 5, "method": "POST", "path_prefix": "/pontotel/api/v4/empregados"])
        let error = await pontotelError {
            _ = try await client.employees.create(Empregado(empregadorID: 1, cpf: "52998224725", nome: "Ana"))
        }
        #expect(error?.status == 500)
        let stats = try await server.stats()
        #expect(stats.entries(method: "POST", pathSuffix: "/empregados/").count == 1)
        #expect(stats.creates == 0)
    }

    @Test func droppedConnectionIsRetriedForGET() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        _ = try await client.token()
        try await server.fault(["kind": "drop", "path_prefix": "/pontotel/api/v4/jornadas"])
        _ = try await client.send(.get, "/jornadas/")
        #expect(try await server.stats().entries(pathSuffix: "/jornadas/").count == 2)
    }

    @Test func malformedJSONIsAnInvalidResponse() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        _ = try await client.token()
        try await server.fault(["kind": "malformed", "path_prefix": "/pontotel/api/v4/empregados"])
        let error = await pontotelError { for try await _ in client.employees.list() {} }
        #expect(error?.code == .invalidResponse)
    }
}
