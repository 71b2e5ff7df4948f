import Foundation
import PontotelCredentials
import PontotelTestSupport
import Testing

struct VerificationRejected: Error {}

@Suite("Rotation with verification and rollback")
struct RotationTests {
    func credentials(keyring: any CredentialStore = InMemoryStore(), environment: [String: String] = [:]) throws -> Credentials {
        Credentials(settings: try CredentialSettings(environment: environment), keyring: keyring)
    }

    @Test func acceptedRotationKeepsThePreviousPasswordAndTheTime() async throws {
        let credentials = try credentials()
        try credentials.set(Login(username: "alice", password: Secret("old-pw")), for: .sandbox)
        var verified: [String] = []
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let outcome = try await credentials.rotate(.sandbox, to: Secret("new-pw"), now: now) { login in
            verified.append(login.username)
            #expect(login.password == Secret("new-pw"), "verification sees the new password")
        }
        #expect(verified == ["alice"])
        #expect(outcome.store == .memory)
        let stored = try credentials.resolve(.sandbox).stored
        #expect(stored.password == Secret("new-pw"))
        #expect(stored.previousPassword == Secret("old-pw"))
        #expect(stored.passwordChangedAt == now)
    }

    @Test func rejectedRotationChangesNothing() async throws {
        let credentials = try credentials()
        try credentials.set(Login(username: "alice", password: Secret("old-pw")), for: .sandbox, now: Date(timeIntervalSince1970: 1))
        let before = try credentials.resolve(.sandbox).stored
        await #expect(throws: VerificationRejected.self) {
            try await credentials.rotate(.sandbox, to: Secret("wrong-pw")) { _ in throw VerificationRejected() }
        }
        #expect(try credentials.resolve(.sandbox).stored == before)
    }

    @Test func rollbackSwapsAndFailsClearlyWithoutAPreviousPassword() async throws {
        let credentials = try credentials()
        try credentials.set(Login(username: "alice", password: Secret("one")), for: .sandbox)
        #expect {
            try credentials.rollback(.sandbox)
        } throws: { ($0 as? CredentialError)?.code == .noPreviousPassword }
        try await credentials.rotate(.sandbox, to: Secret("two")) { _ in }
        try credentials.rollback(.sandbox)
        var stored = try credentials.resolve(.sandbox).stored
        #expect(stored.password == Secret("one"))
        #expect(stored.previousPassword == Secret("two"))
        try credentials.rollback(.sandbox)
        stored = try credentials.resolve(.sandbox).stored
        #expect(stored.password == Secret("two"))
    }

    @Test func rotationNeedsAStoredLogin() async throws {
        let none = try credentials()
        await #expect {
            try await none.rotate(.sandbox, to: Secret("x")) { _ in }
        } throws: { ($0 as? CredentialError)?.code == .notFound }
        let fromEnvironment = try credentials(environment: ["PONTOTEL_SANDBOX_USERNAME": "e", "PONTOTEL_SANDBOX_PASSWORD": "p"])
        await #expect {
            try await fromEnvironment.rotate(.sandbox, to: Secret("x")) { _ in }
        } throws: { ($0 as? CredentialError)?.code == .readOnlySource }
    }

    @Test func rotationAgeIsReported() throws {
        let credentials = try credentials(environment: ["PONTOTEL_ROTATION_DAYS": "30"])
        let now = Date()
        let old = StoredLogin(login: Login(username: "a", password: Secret("p")), passwordChangedAt: now.addingTimeInterval(-31 * 86_400))
        #expect(credentials.rotationWarning(for: old, environment: .sandbox, now: now)?.contains("31 days") == true)
        let fresh = StoredLogin(login: Login(username: "a", password: Secret("p")), passwordChangedAt: now.addingTimeInterval(-29 * 86_400))
        #expect(credentials.rotationWarning(for: fresh, environment: .sandbox, now: now) == nil)
    }
}

@Suite("Shared token cache in files")
struct SharedTokenCacheFileTests {
    @Test func savesLoadsAndInvalidatesPerEnvironment() throws {
        let directory = TestHarness.temporaryDirectory("pontotel-tokens")
        defer { TestHarness.cleanUp(directory) }
        let cache = SharedTokenCache(directory: directory)
        let key = TokenKey(environment: .sandbox, username: "alice", baseURL: "https://127.0.0.1:1/pontotel/api/v4")
        let other = TokenKey(environment: .production, username: "alice", baseURL: key.baseURL)
        #expect(cache.load(key) == nil)
        let token = CachedToken(token: Secret("tok-canary-123"), expiresAt: Date(timeIntervalSince1970: 2_000_000_000))
        cache.save(token, for: key)
        cache.save(token, for: other)
        #expect(cache.load(key) == token)
        #expect(cache.load(TokenKey(environment: .sandbox, username: "bob", baseURL: key.baseURL)) == nil)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/tokens")
        for name in files {
            #expect(FileMode.of(directory + "/tokens/" + name) == 0o600)
        }
        #expect(!String(describing: token).contains("canary"))
        cache.removeAll(.sandbox)
        #expect(cache.load(key) == nil)
        #expect(cache.load(other) == token)
    }
}
