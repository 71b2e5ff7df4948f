import Foundation
import PontotelCredentials
import PontotelTestSupport
import Testing

/// The keyring store against a real gnome-keyring on the private D-Bus session that scripts/test
/// starts. These tests fail (never skip) when that session is missing. Serialized: they share
/// the session's keyring.
@Suite("Keyring store (real Secret Service)", .serialized)
struct KeyringStoreTests {
    let store = KeyringStore(timeout: .seconds(10))

    init() throws {
        try TestHarness.requirePrivateSession()
        for environment in PontotelEnvironment.allCases { try store.delete(environment) }
    }

    @Test func passesTheConformanceSuite() throws {
        try CredentialStoreConformance.checkWritableStore(store)
    }

    @Test func secretToolAndPythonKeyringReadTheCurrentPassword() throws {
        let current = "Cur'rent \"pass\" #1 ção"
        try store.save(
            StoredLogin(
                login: Login(username: "alice", password: Secret(current)),
                previousPassword: Secret("Previous-Pass-0"), passwordChangedAt: Date()),
            for: .sandbox)
        try store.save(StoredLogin(login: Login(username: "bob", password: Secret("prod-pass"))), for: .production)

        let secretTool = try ProcessRunner.run(
            try #require(ProcessRunner.which("secret-tool")),
            ["lookup", "service", "pontotel-sandbox", "username", "alice"],
            environment: ProcessInfo.processInfo.environment)
        #expect(secretTool.status == 0)
        #expect(secretTool.stdout == current)

        let python = try ProcessRunner.run(
            try TestHarness.python(), ["-m", "keyring", "get", "pontotel-sandbox", "alice"],
            environment: pythonKeyringEnvironment())
        #expect(python.status == 0, "python keyring: \(python.stderr)")
        #expect(python.stdout == current + "\n")

        let production = try ProcessRunner.run(
            try TestHarness.python(), ["-m", "keyring", "get", "pontotel-production", "bob"],
            environment: pythonKeyringEnvironment())
        #expect(production.stdout == "prod-pass\n")

        // Only the current password matches the service lookup: metadata and the previous
        // password live in an item without a `service` attribute.
        let search = try ProcessRunner.run(
            try #require(ProcessRunner.which("secret-tool")), ["search", "--all", "service", "pontotel-sandbox"],
            environment: ProcessInfo.processInfo.environment)
        #expect(itemCount(search.stdout) == 1)
        #expect(!search.output.contains("Previous-Pass-0"))
        #expect(search.stdout.contains(current))
    }

    @Test func readsItemsWrittenBySecretToolAndPythonKeyring() throws {
        let secretTool = try ProcessRunner.run(
            try #require(ProcessRunner.which("secret-tool")),
            ["store", "--label", "by secret-tool", "service", "pontotel-sandbox", "username", "st-user"],
            environment: ProcessInfo.processInfo.environment, stdin: "from secret-tool")
        #expect(secretTool.status == 0)
        #expect(try store.load(.sandbox)?.login == Login(username: "st-user", password: Secret("from secret-tool")))

        let python = try ProcessRunner.run(
            try TestHarness.python(), ["-c", "import keyring,sys; keyring.set_password('pontotel-production', 'py-user', sys.stdin.read())"],
            environment: pythonKeyringEnvironment(), stdin: "from python keyring")
        #expect(python.status == 0, "\(python.stderr)")
        #expect(try store.load(.production)?.login == Login(username: "py-user", password: Secret("from python keyring")))

        // Setting our own login replaces theirs: one login per environment.
        try store.save(StoredLogin(login: Login(username: "py-user", password: Secret("ours"))), for: .production)
        let lookup = try ProcessRunner.run(
            try TestHarness.python(), ["-m", "keyring", "get", "pontotel-production", "py-user"],
            environment: pythonKeyringEnvironment())
        #expect(lookup.stdout == "ours\n")
        let search = try ProcessRunner.run(
            try #require(ProcessRunner.which("secret-tool")), ["search", "--all", "service", "pontotel-production"],
            environment: ProcessInfo.processInfo.environment)
        #expect(itemCount(search.stdout) == 1)
    }

    @Test func rotationInTheKeyringKeepsTheLookupOnTheCurrentPassword() async throws {
        let credentials = Credentials(settings: try CredentialSettings(environment: [:]), keyring: store)
        try credentials.set(Login(username: "rot", password: Secret("old-Pass-1")), for: .sandbox)
        try await credentials.rotate(.sandbox, to: Secret("new-Pass-2")) { _ in }
        let lookup = try ProcessRunner.run(
            try #require(ProcessRunner.which("secret-tool")), ["lookup", "service", "pontotel-sandbox", "username", "rot"],
            environment: ProcessInfo.processInfo.environment)
        #expect(lookup.stdout == "new-Pass-2")
        let python = try ProcessRunner.run(
            try TestHarness.python(), ["-m", "keyring", "get", "pontotel-sandbox", "rot"], environment: pythonKeyringEnvironment())
        #expect(python.stdout == "new-Pass-2\n")
        let search = try ProcessRunner.run(
            try #require(ProcessRunner.which("secret-tool")), ["search", "--all", "service", "pontotel-sandbox"],
            environment: ProcessInfo.processInfo.environment)
        #expect(itemCount(search.stdout) == 1)
        #expect(!search.output.contains("old-Pass-1"), "the previous password is not in any item the lookup matches")
        #expect(try store.load(.sandbox)?.previousPassword == Secret("old-Pass-1"))
        try credentials.rollback(.sandbox)
        let back = try ProcessRunner.run(
            try #require(ProcessRunner.which("secret-tool")), ["lookup", "service", "pontotel-sandbox", "username", "rot"],
            environment: ProcessInfo.processInfo.environment)
        #expect(back.stdout == "old-Pass-1")
    }

    @Test func tokenCacheUsesItsOwnKeyringItem() throws {
        let settings = try CredentialSettings(environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PONTOTEL_") || $0.key.hasPrefix("PONTOTEL_TEST") })
        let cache = SharedTokenCache(settings: settings)
        #expect(cache.location == "keyring")
        let key = TokenKey(environment: .sandbox, username: "tok", baseURL: "https://127.0.0.1:9/pontotel/api/v4")
        let token = CachedToken(token: Secret("token-in-keyring"), expiresAt: Date(timeIntervalSince1970: 2_000_000_000))
        cache.save(token, for: key)
        #expect(cache.load(key) == token)
        let lookup = try ProcessRunner.run(
            try #require(ProcessRunner.which("secret-tool")), ["search", "--all", "service", "pontotel-sandbox"],
            environment: ProcessInfo.processInfo.environment)
        #expect(!lookup.output.contains("token-in-keyring"))
        cache.removeAll(.sandbox)
        #expect(cache.load(key) == nil)
    }

    /// `secret-tool search` prints one `[/path]` header line per item.
    private func itemCount(_ output: String) -> Int {
        output.split(separator: "\n").filter { $0.hasPrefix("[/") }.count
    }

    private func pythonKeyringEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
        return environment
    }
}
