import Foundation
import PontotelClient
import PontotelTestSupport
import PontotelCredentials
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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
    _ server: FakePontotelServer, username: String = "alice", password: String = alicePassword,
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
