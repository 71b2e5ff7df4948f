import Foundation
import PontotelTestSupport
import Testing

/// Rotation and the shared token cache against the fake Pontotel server over real TLS, with a
/// real keyring: `rotate` changes the password only when the API accepts it; every process of a
/// user shares one bearer token.
@Suite("Rotation and the shared token cache, end to end")
struct RotationAndTokenCacheTests {
    let keyring: PrivateKeyring
    let server: FakePontotelServer
    let cli: CLI

    init() throws {
        keyring = try PrivateKeyring()
        server = try FakePontotelServer.start()
        var environment = keyring.environment
        environment["PONTOTEL_SANDBOX_BASE_URL"] = server.baseURL.absoluteString
        cli = CLI(environment)
        let set = try cli.run("credentials", "set", "--username", "alice", "--password-stdin", stdin: "s3cret-Pass\n")
        #expect(set.status == 0, "\(set.stderr)")
    }

    func lookup() throws -> String {
        try cli.secretTool("lookup", "service", "pontotel-sandbox", "username", "alice").stdout
    }

    @Test func acceptedRotationKeepsThePreviousPasswordOutOfTheLookup() throws {
        defer { keyring.stop(); server.stop() }
        try server.call("users", ["username": "alice", "password": "n3w-Pass"])
        let rotate = try cli.run("credentials", "rotate", "--password-stdin", stdin: "n3w-Pass\n")
        #expect(rotate.status == 0, "\(rotate.stderr)")
        #expect(rotate.stderr.contains("verified"))
        #expect(try lookup() == "n3w-Pass")
        let python = try ProcessRunner.run(
            try TestHarness.python(), ["-m", "keyring", "get", "pontotel-sandbox", "alice"],
            environment: cli.environment.merging(["PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"]) { $1 })
        #expect(python.stdout == "n3w-Pass\n")
        let search = try cli.secretTool("search", "--all", "service", "pontotel-sandbox")
        #expect(!search.output.contains("s3cret-Pass"), "the previous password is not returned by the lookup")
        let show = try cli.run("credentials", "show", "--json")
        #expect(show.stdout.contains("\"has_previous_password\" : true"))
        #expect(try server.count("logins") == 1)

        // Rollback brings the old one back, and rollback again swaps once more.
        #expect(try cli.run("credentials", "rollback").status == 0)
        #expect(try lookup() == "s3cret-Pass")
        #expect(try cli.run("credentials", "rollback").status == 0)
        #expect(try lookup() == "n3w-Pass")
    }

    @Test func rejectedOrUnverifiableRotationChangesNothing() throws {
        defer { keyring.stop(); server.stop() }
        let before = try cli.run("credentials", "show", "--json").stdout
        let rejected = try cli.run("credentials", "rotate", "--password-stdin", stdin: "not-the-new-one\n")
        #expect(rejected.status == 4, "\(rejected.stderr)")
        #expect(rejected.stderr.contains("unchanged"))
        #expect(!rejected.output.contains("not-the-new-one"))
        #expect(try lookup() == "s3cret-Pass")
        #expect(try server.count("failed_logins") == 1, "one attempt, never retried")

        let down = try cli.run(
            "credentials", "rotate", "--password-stdin", stdin: "n3w-Pass\n",
            extra: ["PONTOTEL_SANDBOX_BASE_URL": "https://127.0.0.1:1/pontotel/api/v4"])
        #expect(down.status == 6, "\(down.stderr)")
        #expect(try lookup() == "s3cret-Pass")
        #expect(try cli.run("credentials", "show", "--json").stdout == before, "metadata unchanged too")

        let noPrevious = try cli.run("credentials", "rollback")
        #expect(noPrevious.status == 1)
        #expect(noPrevious.stderr.contains("no previous"))

        let offline = try cli.run("credentials", "rotate", "--password-stdin", "--no-verify", stdin: "offline-Pass\n")
        #expect(offline.status == 0)
        #expect(offline.stderr.contains("NOT checked"))
        #expect(try lookup() == "offline-Pass")
    }

    @Test func rotationWorksTheSameInTheDotenvStore() throws {
        defer { keyring.stop(); server.stop() }
        let dotenv = ["--store", "dotenv"]
        #expect(try cli.run(["credentials", "set", "--username", "alice", "--password-stdin"] + dotenv, stdin: "s3cret-Pass\n").status == 0)
        try server.call("users", ["username": "alice", "password": "n3w-Pass"])
        #expect(try cli.run(["credentials", "rotate", "--password-stdin"] + dotenv, stdin: "bad\n").status == 4)
        #expect(try cli.run(["credentials", "get", "--field", "password"] + dotenv).stdout == "s3cret-Pass\n")
        #expect(try cli.run(["credentials", "rotate", "--password-stdin"] + dotenv, stdin: "n3w-Pass\n").status == 0)
        #expect(try cli.run(["credentials", "get", "--field", "password"] + dotenv).stdout == "n3w-Pass\n")
        #expect(try cli.run(["credentials", "rollback"] + dotenv).status == 0)
        #expect(try cli.run(["credentials", "get", "--field", "password"] + dotenv).stdout == "s3cret-Pass\n")
    }

    @Test func twentyProcessesShareOneLogin() throws {
        defer { keyring.stop(); server.stop() }
        try server.call("seed", ["count": 5])
        for _ in 0..<20 {
            let result = try cli.run("api", "/empregados/")
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try server.count("logins") == 1)

        // A token expired on the server side is replaced with exactly one login.
        try server.call("expire_tokens", [:])
        #expect(try cli.run("api", "/empregados/").status == 0)
        #expect(try cli.run("api", "/empregados/").status == 0)
        #expect(try server.count("logins") == 2)

        // Rotating invalidates the cached token: the next call logs in with the new password.
        try server.call("users", ["username": "alice", "password": "n3w-Pass"])
        #expect(try cli.run("credentials", "rotate", "--password-stdin", stdin: "n3w-Pass\n").status == 0)
        let loginsAfterRotate = try server.count("logins")
        #expect(try cli.run("api", "/empregados/").status == 0)
        #expect(try server.count("logins") == loginsAfterRotate + 1)
        #expect(try cli.run("api", "/empregados/").status == 0)
        #expect(try server.count("logins") == loginsAfterRotate + 1)
    }

    @Test func concurrentProcessesDoNotStampede() async throws {
        defer { keyring.stop(); server.stop() }
        let cli = self.cli
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<8 {
                group.addTask { try cli.run("token").status }
            }
            for try await status in group { #expect(status == 0) }
        }
        #expect(try server.count("logins") == 1)
    }
}
