import Foundation
import PontotelCredentials
import PontotelTestSupport
import Testing

@Suite("Every store passes the conformance suite")
struct StoreConformanceTests {
    @Test func inMemoryStore() throws {
        try CredentialStoreConformance.checkWritableStore(InMemoryStore())
    }

    @Test func dotenvStore() throws {
        let directory = TestHarness.temporaryDirectory()
        defer { TestHarness.cleanUp(directory) }
        let path = directory + "/nested/pontotel/.env"
        try CredentialStoreConformance.checkWritableStore(DotenvStore(path: path))
        // Files we write are owner-only, and so is the directory we create.
        #expect(FileMode.of(path) == 0o600)
        #expect(FileMode.of(directory + "/nested/pontotel") == 0o700)
    }

    @Test func environmentVariableSource() throws {
        let expected = StoredLogin(login: Login(username: "envuser", password: Secret("env-Secret$1")))
        let source = EnvironmentVariableSource([
            "PONTOTEL_SANDBOX_USERNAME": "envuser", "PONTOTEL_SANDBOX_PASSWORD": "env-Secret$1",
            "UNRELATED_SECRET": "do-not-keep",
        ])
        try CredentialStoreConformance.checkReadOnlySource(source, expected: expected)
        #expect(!CredentialStoreConformance.dumped(source).contains("do-not-keep"))
    }

    @Test func secretsDirectorySource() throws {
        let directory = TestHarness.temporaryDirectory()
        defer { TestHarness.cleanUp(directory) }
        try "svc-user\n".write(toFile: directory + "/pontotel-sandbox-username", atomically: true, encoding: .utf8)
        try "dir Secret'\"\\ 1\n".write(toFile: directory + "/pontotel-sandbox-password", atomically: true, encoding: .utf8)
        let expected = StoredLogin(login: Login(username: "svc-user", password: Secret("dir Secret'\"\\ 1")))
        try CredentialStoreConformance.checkReadOnlySource(SecretsDirectorySource(directory: directory), expected: expected)
    }
}
