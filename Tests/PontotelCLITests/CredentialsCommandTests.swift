import Foundation
import PontotelTestSupport
import Testing

@Suite("pontotel credentials, env and status, end to end")
struct CredentialsCommandTests {
    @Test func setShowGetListDeleteInTheKeyring() throws {
        let keyring = try PrivateKeyring()
        defer { keyring.stop() }
        let cli = CLI(keyring: keyring)
        let password = "Kr'ng \"pw\" #$ ção-1234"

        let set = try cli.run("credentials", "set", "--username", "alice", "--password-stdin", stdin: password + "\n")
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stderr.contains("keyring"))
        #expect(!set.stderr.contains("plaintext"), "no plaintext warning when the keyring took it")
        #expect(!FileManager.default.fileExists(atPath: cli.dotenvPath), "nothing written to .env")

        // The tools people already have read exactly the password.
        #expect(try cli.secretTool("lookup", "service", "pontotel-sandbox", "username", "alice").stdout == password)

        let get = try cli.run("credentials", "get", "--field", "password")
        #expect(get.status == 0)
        #expect(get.stdout == password + "\n")
        #expect(try cli.run("credentials", "get", "--field", "username").stdout == "alice\n")

        let show = try cli.run("credentials", "show", "--json")
        #expect(show.status == 0)
        #expect(!show.output.contains(password))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(json["username"] as? String == "alice")
        #expect(json["source"] as? String == "keyring")
        #expect(json["environment"] as? String == "sandbox")
        #expect(json["password"] as? String == "********", "a fixed mask: no character of the password")
        #expect(json["password_changed_at"] is String)
        #expect(json["has_previous_password"] as? Bool == false)

        // Production is separate.
        #expect(try cli.run("credentials", "get", "--env", "production", "--field", "username").status == 3)
        #expect(try cli.run("credentials", "set", "--env", "production", "--username", "bob", "--password-stdin", stdin: "prod-pw\n").status == 0)
        let list = try cli.run("credentials", "list", "--json")
        let logins = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["logins"] as? [[String: Any]])
        #expect(Set(logins.compactMap { $0["username"] as? String }) == ["alice", "bob"])
        #expect(!list.output.contains(password) && !list.output.contains("prod-pw"))

        // Replacing a login changes what secret-tool sees; the old user's item is gone.
        #expect(try cli.run("credentials", "set", "--username", "carol", "--password-stdin", stdin: "new-pw\n").status == 0)
        #expect(try cli.secretTool("lookup", "service", "pontotel-sandbox", "username", "carol").stdout == "new-pw")
        #expect(try cli.secretTool("lookup", "service", "pontotel-sandbox", "username", "alice").stdout == "")

        let delete = try cli.run("credentials", "delete")
        #expect(delete.status == 0)
        #expect(try cli.run("credentials", "get", "--field", "password").status == 3)
        #expect(try cli.run("credentials", "delete").status == 3)
        #expect(try cli.run("credentials", "get", "--env", "production", "--field", "password").stdout == "prod-pw\n")
    }

    @Test func noDBusFallsBackToDotenvWithAWarningEveryTime() throws {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        for attempt in 1...2 {
            let started = Date()
            let set = try cli.run("credentials", "set", "--username", "u\(attempt)", "--password-stdin", stdin: "pw-\(attempt)\n")
            #expect(set.status == 0, "\(set.stderr)")
            #expect(set.stderr.contains("plaintext"), "the plaintext fallback is announced every time")
            #expect(Date().timeIntervalSince(started) < 10)
        }
        #expect(FileMode.of(cli.dotenvPath) == 0o600)
        #expect(FileMode.of((cli.dotenvPath as NSString).deletingLastPathComponent) == 0o700)
        #expect(try cli.run("credentials", "get", "--field", "password").stdout == "pw-2\n")
        let show = try cli.run("credentials", "show", "--json")
        #expect(show.stdout.contains("\"dotenv\""))

        // Forcing the keyring where none exists is an error, not a fallback, and loses nothing.
        let forced = try cli.run("credentials", "set", "--store", "keyring", "--username", "x", "--password-stdin", stdin: "other\n")
        #expect(forced.status == 5)
        #expect(forced.stderr.contains("--store dotenv"))
        #expect(try cli.run("credentials", "get", "--field", "password").stdout == "pw-2\n")
        let viaVariable = try cli.run("credentials", "set", "--username", "x", "--password-stdin", stdin: "other\n", extra: ["PONTOTEL_STORE": "keyring"])
        #expect(viaVariable.status == 5)
    }

    @Test func busWithoutSecretServiceFallsBackToo() throws {
        let keyring = try PrivateKeyring(withSecretService: false)
        defer { keyring.stop() }
        let cli = CLI(keyring: keyring)
        let started = Date()
        let set = try cli.run("credentials", "set", "--username", "u", "--password-stdin", stdin: "pw\n")
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stderr.contains("plaintext"))
        #expect(Date().timeIntervalSince(started) < 10)
        let status = try cli.run("status", "--json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["write_store"] as? String == "dotenv")
        #expect((json["warnings"] as? [String])?.contains { $0.contains("plaintext") } == true)
    }

    @Test func explicitDotenvKeepsUnrelatedLines() throws {
        let keyring = try PrivateKeyring()
        defer { keyring.stop() }
        let cli = CLI(keyring: keyring)
        let path = keyring.root + "/project.env"
        let original = "# my project\nexport DATABASE_URL=\"postgres://x\"\n\nOTHER='keep me' # trailing\n"
        try original.write(toFile: path, atomically: true, encoding: .utf8)
        let set = try cli.run("credentials", "set", "--dotenv", path, "--store", "dotenv", "--username", "d", "--password-stdin", stdin: "dot pw\n")
        #expect(set.status == 0, "\(set.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix(original), "every unrelated line kept as it was")
        #expect(try cli.run("credentials", "get", "--dotenv", path, "--store", "dotenv", "--field", "password").stdout == "dot pw\n")
        // PONTOTEL_DOTENV picks the file too.
        #expect(try cli.run("credentials", "get", "--store", "dotenv", "--field", "username", extra: ["PONTOTEL_DOTENV": path]).stdout == "d\n")
        #expect(try cli.secretTool("lookup", "service", "pontotel-sandbox", "username", "d").stdout == "", "the keyring was not written")
    }

    @Test func environmentVariablesOverrideAndGenericOnesNeverReachProduction() throws {
        let keyring = try PrivateKeyring()
        defer { keyring.stop() }
        let cli = CLI(keyring: keyring)
        #expect(try cli.run("credentials", "set", "--username", "stored", "--password-stdin", stdin: "stored-pw\n").status == 0)
        #expect(try cli.run("credentials", "set", "--env", "production", "--username", "pstored", "--password-stdin", stdin: "pstored-pw\n").status == 0)

        let specific = ["PONTOTEL_SANDBOX_USERNAME": "envuser", "PONTOTEL_SANDBOX_PASSWORD": "env-pw"]
        #expect(try cli.run("credentials", "get", "--field", "username", extra: specific).stdout == "envuser\n")
        let show = try cli.run("credentials", "show", "--json", extra: specific)
        #expect(show.stdout.contains("\"source\" : \"environment\""))

        let generic = ["PONTOTEL_USERNAME": "generic", "PONTOTEL_PASSWORD": "generic-pw"]
        #expect(try cli.run("credentials", "get", "--field", "username", extra: generic).stdout == "generic\n")
        #expect(try cli.run("credentials", "get", "--env", "production", "--field", "username", extra: generic).stdout == "pstored\n",
                "generic variables never apply to production by accident")
        var toProduction = generic
        toProduction["PONTOTEL_ENV"] = "production"
        #expect(try cli.run("credentials", "get", "--field", "username", extra: toProduction).stdout == "generic\n")
        #expect(try cli.run("credentials", "get", "--env", "sandbox", "--field", "username", extra: toProduction).stdout == "stored\n")

        // Half a login in the environment is an error, not a silent mix.
        let half = try cli.run("credentials", "get", "--field", "username", extra: ["PONTOTEL_SANDBOX_PASSWORD": "x"])
        #expect(half.status == 64)
        #expect(half.stderr.contains("PONTOTEL_SANDBOX_USERNAME"))
    }

    @Test func secretsDirectoryRanksAfterEnvironmentVariables() throws {
        let keyring = try PrivateKeyring()
        defer { keyring.stop() }
        let cli = CLI(keyring: keyring)
        #expect(try cli.run("credentials", "set", "--username", "stored", "--password-stdin", stdin: "stored-pw\n").status == 0)
        let directory = keyring.root + "/creds"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "svc\n".write(toFile: directory + "/pontotel-sandbox-username", atomically: true, encoding: .utf8)
        try "svc-pw\n".write(toFile: directory + "/pontotel-sandbox-password", atomically: true, encoding: .utf8)
        for variable in ["CREDENTIALS_DIRECTORY", "PONTOTEL_SECRETS_DIR"] {
            let result = try cli.run("credentials", "get", "--field", "password", extra: [variable: directory])
            #expect(result.stdout == "svc-pw\n", "\(variable)")
        }
        let both = ["PONTOTEL_SECRETS_DIR": directory, "PONTOTEL_SANDBOX_USERNAME": "e", "PONTOTEL_SANDBOX_PASSWORD": "env-pw"]
        #expect(try cli.run("credentials", "get", "--field", "password", extra: both).stdout == "env-pw\n")
    }

    @Test func switchingEnvironments() throws {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        #expect(try cli.run("env").stdout.hasPrefix("sandbox"))
        #expect(try cli.run("env", "use", "production").status == 0)
        let saved = try cli.run("env", "--json")
        #expect(saved.stdout.contains("\"environment\" : \"production\""))
        #expect(saved.stdout.contains("\"reason\" : \"config\""))
        #expect(try String(contentsOfFile: root + "/.config/pontotel/config", encoding: .utf8).contains("environment=production"))
        #expect(try cli.run("env", extra: ["PONTOTEL_ENV": "sandbox"]).stdout.hasPrefix("sandbox"))
        #expect(try cli.run("env", "--env", "sandbox").stdout.hasPrefix("sandbox"))
        // The active environment decides where a login goes.
        #expect(try cli.run("credentials", "set", "--username", "p", "--password-stdin", stdin: "ppw\n").status == 0)
        #expect(try cli.run("credentials", "get", "--env", "production", "--field", "username").stdout == "p\n")
        #expect(try cli.run("credentials", "get", "--env", "sandbox", "--field", "username").status == 3)
        #expect(try cli.run("env", "use", "staging").status == 64)
        #expect(try cli.run("env", extra: ["PONTOTEL_ENV": "prod"]).status == 64)
    }

    @Test(arguments: [
        (["credentials", "set", "--password", "hunter2"], "never accepted as an argument"),
        (["credentials", "set", "--password-stdin"], "--username"),
        (["credentials", "get"], "--field"),
        (["credentials", "get", "--field", "token"], "--field"),
        (["credentials", "show", "--env", "staging"], "--env"),
        (["credentials", "show", "--bogus"], "unknown option"),
        (["credentials", "set", "--store", "vault", "--username", "u", "--password-stdin"], "--store"),
        (["credentials", "frobnicate"], "unknown subcommand"),
        (["frobnicate"], "unknown command"),
        (["status", "extra"], "unexpected argument"),
        (["credentials", "show", "--env"], "needs a value"),
    ])
    func usageErrorsExit64WithAClearMessage(arguments: [String], expected: String) throws {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        let result = try cli.run(arguments, stdin: "hunter2\n")
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        #expect(!result.output.contains("hunter2"))
        #expect(!FileManager.default.fileExists(atPath: cli.dotenvPath), "nothing stored on a usage error")
    }

    @Test func badSettingsInTheEnvironmentAreUsageErrors() throws {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        for (name, value) in [("PONTOTEL_STORE", "vault"), ("PONTOTEL_KEYRING_TIMEOUT", "soon"), ("PONTOTEL_ENV", "qa"), ("PONTOTEL_ROTATION_DAYS", "-1")] {
            let result = try cli.run("credentials", "show", extra: [name: value])
            #expect(result.status == 64, "\(name)")
            #expect(result.stderr.contains(name), "\(name): \(result.stderr)")
        }
    }

    @Test func helpAndVersion() throws {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        let help = try cli.run("--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("credentials set"))
        #expect(try cli.run("--version").stdout.hasPrefix("pontotel "))
        for command in [["credentials", "--help"], ["credentials", "set", "--help"], ["env", "--help"], ["status", "--help"]] {
            let result = try cli.run(command)
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("usage"), "\(command)")
        }
        #expect(try cli.run([]).status == 64)
    }
}
