import Foundation
import PontotelClient
import PontotelCredentials
import PontotelTestSupport
import Testing

/// Clients (standing in for separate processes) share one bearer token by default.
@Suite("Shared tokens between clients")
struct SharedTokenTests {
    @Test func clientsShareOneLoginByDefaultAndDropARefusedToken() async throws {
        let server = try FakePontotelServer.start()
        let runtime = TestHarness.temporaryDirectory("pontotel-runtime")
        defer { TestHarness.cleanUp(runtime) }
        try await server.seed(3)
        func client() throws -> PontotelClient {
            try makeClient(server) {
                $0.sharesTokens = true
                // The default store, as the client builds it from the environment; forced to
                // files (PONTOTEL_STORE=dotenv) in a private runtime directory.
                $0.environmentVariables = ["XDG_RUNTIME_DIR": runtime, "PONTOTEL_STORE": "dotenv"]
            }
        }
        for _ in 0..<5 { _ = try await client().send(.get, "/empregados/") }
        #expect(try await server.stats().logins == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: runtime + "/pontotel/tokens")
        #expect(files.count == 1)
        #expect(FileMode.of(runtime + "/pontotel/tokens/" + files[0]) == 0o600)

        // A token the server no longer accepts is dropped and replaced by one login.
        _ = try await server.control("POST", "expire_tokens", [:])
        for _ in 0..<3 { _ = try await client().send(.get, "/empregados/") }
        #expect(try await server.stats().logins == 2)

        // Turned off, each client logs in for itself.
        _ = try await makeClient(server).send(.get, "/empregados/")
        #expect(try await server.stats().logins == 3)
    }
}
