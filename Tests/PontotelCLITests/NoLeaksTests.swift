import Foundation
import PontotelTestSupport
import Testing

/// Every command, end to end, with canary password and token values: they appear only where the
/// user asked for them (`credentials get --field password`, `token`).
@Suite("No leaks")
struct NoLeaksTests {
    static let password = "CANARY-pw-Zq81x"

    @Test(arguments: ["keyring", "dotenv"])
    func canariesAppearOnlyWhereAskedFor(store: String) throws {
        let keyring = try PrivateKeyring()
        let server = try FakePontotelServer.start()
        defer { keyring.stop(); server.stop() }
        try server.call("config", ["users": ["alice": Self.password]])
        try server.call("seed", ["count": 3])

        // A `git` on PATH that records its arguments and environment, to check what we spawn.
        let spy = keyring.root + "/spy"
        try FileManager.default.createDirectory(atPath: spy, withIntermediateDirectories: true)
        let spyLog = keyring.root + "/spawned.log"
        let realGit = ProcessRunner.which("git") ?? "/usr/bin/git"
        try "#!/bin/sh\n{ echo \"ARGS: $*\"; env; } >> \(spyLog)\nexec \(realGit) \"$@\"\n"
            .write(toFile: spy + "/git", atomically: true, encoding: .utf8)
        chmod(spy + "/git", 0o755)

        var environment = keyring.environment
        environment["PATH"] = spy + ":" + (environment["PATH"] ?? "")
        environment["PONTOTEL_SANDBOX_BASE_URL"] = server.baseURL.absoluteString
        environment["PONTOTEL_STORE"] = store
        let cli = CLI(environment)

        var transcripts: [(String, ProcessResult)] = []
        func run(_ arguments: String..., stdin: String? = nil) throws -> ProcessResult {
            let result = try cli.run(arguments, stdin: stdin)
            transcripts.append((arguments.joined(separator: " "), result))
            return result
        }
        #expect(try run("credentials", "set", "--username", "alice", "--password-stdin", stdin: Self.password + "\n").status == 0)

        // Where the user asked for them.
        let asked = try cli.run("credentials", "get", "--field", "password")
        #expect(asked.stdout == Self.password + "\n")
        let tokenResult = try cli.run("token")
        #expect(tokenResult.status == 0, "\(tokenResult.stderr)")
        let token = tokenResult.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count >= 16)

        // Everything else.
        _ = try run("credentials", "show")
        _ = try run("credentials", "show", "--json")
        _ = try run("credentials", "list")
        _ = try run("credentials", "list", "--json")
        _ = try run("status")
        _ = try run("status", "--json")
        _ = try run("env")
        _ = try run("env", "use", "sandbox")
        _ = try run("login")
        _ = try run("api", "/empregados/")
        _ = try run("api", "/empregados/", "--all", "--page-size", "1")
        _ = try run("api", "/nao-existe/")
        _ = try run("api", "-X", "POST", "/empregados/", "--data", "{\"nome\": \"x\"}")
        _ = try run("credentials", "get", "--env", "production", "--field", "password")
        _ = try run("credentials", "rotate", "--password-stdin", stdin: "wrong-" + Self.password + "\n")
        _ = try run("credentials", "set", "--password", Self.password)
        _ = try run("credentials", "set", "--username", "a", Self.password)
        let wrongLogin = try cli.run(["login"], extra: ["PONTOTEL_SANDBOX_USERNAME": "alice", "PONTOTEL_SANDBOX_PASSWORD": "wrong-" + Self.password])
        transcripts.append(("login with a wrong password", wrongLogin))
        #expect(wrongLogin.status == 4, "login verifies the password, whatever token is cached")
        let exec = try run("exec", "--", "/usr/bin/env")
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout.contains("PONTOTEL_TOKEN="), "exec hands the token over, by design")
        #expect(exec.stdout.contains("PONTOTEL_BASE_URL=\(server.baseURL.absoluteString)"))
        #expect(exec.stdout.contains("PONTOTEL_ENV=sandbox"))
        let execWithPasswordInEnvironment = try cli.run(
            ["exec", "--", "/usr/bin/env"],
            extra: ["PONTOTEL_SANDBOX_USERNAME": "alice", "PONTOTEL_SANDBOX_PASSWORD": Self.password])
        #expect(execWithPasswordInEnvironment.status == 0)
        #expect(!execWithPasswordInEnvironment.stdout.contains(Self.password), "the password never reaches exec children")

        // A nested pontotel inside exec works (the child has the token, not half a login).
        let nested = try cli.run(
            ["exec", "--", try TestHarness.binary(), "env"],
            extra: ["PONTOTEL_SANDBOX_USERNAME": "alice", "PONTOTEL_SANDBOX_PASSWORD": Self.password])
        #expect(nested.status == 0, "\(nested.stderr)")
        #expect(!execWithPasswordInEnvironment.stdout.contains("PONTOTEL_SANDBOX_USERNAME="))

        let tail = String(Self.password.suffix(5))
        for (command, result) in transcripts {
            #expect(!result.output.contains(Self.password), "password in the output of `\(command)`")
            #expect(!result.output.contains(tail), "part of the password in the output of `\(command)`")
            if !command.hasPrefix("exec") {
                #expect(!result.output.contains(token), "token in the output of `\(command)`")
            }
        }
        #expect(!exec.stdout.contains(Self.password))
        let config = (try? String(contentsOfFile: keyring.home + "/.config/pontotel/config", encoding: .utf8)) ?? ""
        #expect(!config.contains(Self.password) && !config.contains(token))
        let spawned = (try? String(contentsOfFile: spyLog, encoding: .utf8)) ?? ""
        #expect(!spawned.contains(Self.password), "no secret in what we spawn")
        #expect(!spawned.contains(token))
        if store == "dotenv" {
            #expect(spawned.contains("ARGS: "), "the git safety check did run")
        }
    }
}
