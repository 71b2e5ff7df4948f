import Foundation
import PontotelClient
import PontotelTestSupport
import PontotelCredentials
import Testing

@Suite("Token lifecycle (real TLS)")
struct TokenLifecycleTests {
    @Test func tokenIsReused() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        for _ in 0..<5 { _ = try await client.send(.get, "/jornadas/") }
        let stats = try await server.stats()
        #expect(stats.logins == 1)
        #expect(stats.requests == 6)
    }

    @Test func concurrentCallsShareOneLogin() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 { group.addTask { _ = try await client.send(.get, "/empregadores/") } }
            try await group.waitForAll()
        }
        let stats = try await server.stats()
        #expect(stats.logins == 1)
        #expect(stats.entries(method: "GET", pathSuffix: "/empregadores/").count == 200)
    }

    @Test func tokenIsRefreshedBeforeExpiry() async throws {
        let server = try FakePontotelServer.start()
        let manual = ManualClock()
        let client = try makeClient(server) { $0.clock = manual.clock }
        _ = try await client.send(.get, "/jornadas/")
        manual.advance(3600 - 120)
        _ = try await client.send(.get, "/jornadas/")
        #expect(try await server.stats().logins == 1)
        manual.advance(65)  // now 55 s before expiry: inside the 60 s margin
        _ = try await client.send(.get, "/jornadas/")
        #expect(try await server.stats().logins == 2)
    }

    @Test func missingExpiresInDefaultsToAnHour() async throws {
        let server = try FakePontotelServer.start()
        try await server.control("POST", "config", ["omit_expires_in": true])
        let manual = ManualClock()
        let client = try makeClient(server) { $0.clock = manual.clock }
        let token = try await client.token()
        #expect(abs(token.expiresAt.timeIntervalSince(manual.current.withLock { $0 }) - 3600) < 1)
    }

    @Test func expiredTokenMidListTriggersOneReLogin() async throws {
        let server = try FakePontotelServer.start()
        try await server.seed(250)
        let client = try makeClient(server)
        var seen = 0
        for try await _ in client.items("/empregados/", pageSize: 50, as: Empregado.self) {
            seen += 1
            if seen == 60 { try await server.control("POST", "expire_tokens") }
        }
        #expect(seen == 250)
        let stats = try await server.stats()
        #expect(stats.logins == 2)
        #expect(stats.entries(method: "GET", pathSuffix: "/empregados/").count == 6)  // 5 pages + 1 refused
    }

    @Test func wrongPasswordIsAnAuthenticationErrorAfterOneAttempt() async throws {
        let server = try FakePontotelServer.start()
        let canary = "canary-PASSWORD-9f3e1"
        let client = try makeClient(server, password: canary)
        let error = await pontotelError { _ = try await client.send(.get, "/jornadas/") }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.status == 401)
        let text = "\(error.map { "\($0)" } ?? "") \(String(reflecting: error as Any))"
        #expect(!text.contains(canary))
        var dumped = ""
        dump(error, to: &dumped)
        #expect(!dumped.contains(canary))
        let stats = try await server.stats()
        #expect(stats.failedLogins == 1)
        #expect(stats.requests == 1)
    }

    @Test func errorDescriptionsNeverContainTheToken() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        let token = try await client.token()
        let secret = token.token.reveal()
        #expect(!"\(token)".contains(secret))
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains(secret))
        let notFound = await pontotelError { _ = try await client.send(.get, "/empregados/999999/") }
        #expect(notFound?.status == 404)
        #expect(notFound?.apiError == "not_found")
        var errorDump = ""
        dump(notFound, to: &errorDump)
        #expect(!"\(notFound!)".contains(secret))
        #expect(!errorDump.contains(secret))
        #expect(!errorDump.contains(alicePassword))
    }
}
