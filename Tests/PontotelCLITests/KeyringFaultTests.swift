import Foundation
import PontotelTestSupport
import Testing

/// Keyring faults end in bounded time with the right message and exit code, and never in a
/// silent downgrade to plaintext.
@Suite("Keyring faults")
struct KeyringFaultTests {
    @Test func lockedCollectionIsAnErrorNotAFallback() throws {
        let keyring = try PrivateKeyring()
        defer { keyring.stop() }
        let cli = CLI(keyring: keyring)
        #expect(try cli.run("credentials", "set", "--username", "a", "--password-stdin", stdin: "before\n").status == 0)
        try keyring.lockCollection()
        let started = Date()
        let get = try cli.run("credentials", "get", "--field", "password", extra: ["PONTOTEL_KEYRING_TIMEOUT": "3"])
        #expect(get.status == 5)
        #expect(get.stderr.contains("locked"))
        #expect(get.stderr.contains("--store dotenv"))
        #expect(!get.stdout.contains("before"))
        let set = try cli.run("credentials", "set", "--username", "a", "--password-stdin", stdin: "after\n", extra: ["PONTOTEL_KEYRING_TIMEOUT": "3"])
        #expect(set.status == 5)
        #expect(set.stderr.contains("unlock"))
        #expect(!FileManager.default.fileExists(atPath: cli.dotenvPath), "no silent downgrade to plaintext")
        #expect(Date().timeIntervalSince(started) < 20)
        let status = try cli.run("status", "--json", extra: ["PONTOTEL_KEYRING_TIMEOUT": "3"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("locked"))
    }

    @Test func keyringThatNeverAnswersTimesOut() throws {
        let keyring = try PrivateKeyring()
        defer { keyring.stop() }
        let cli = CLI(keyring: keyring)
        #expect(try cli.run("credentials", "set", "--username", "a", "--password-stdin", stdin: "pw\n").status == 0)
        keyring.freezeKeyring()
        defer { keyring.resumeKeyring() }
        for arguments in [["credentials", "get", "--field", "password"], ["credentials", "set", "--username", "b", "--password-stdin"]] {
            let started = Date()
            let result = try cli.run(arguments, stdin: "new\n", extra: ["PONTOTEL_KEYRING_TIMEOUT": "1"], timeout: 30)
            let elapsed = Date().timeIntervalSince(started)
            #expect(!result.timedOut)
            #expect(result.status == 5, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("did not answer within 1 s"), "\(result.stderr)")
            #expect(elapsed < 8, "bounded by the deadline, not the D-Bus default of 25 s")
        }
        #expect(!FileManager.default.fileExists(atPath: cli.dotenvPath))
    }

    @Test func keyringKilledBetweenTwoOperations() throws {
        let keyring = try PrivateKeyring()
        defer { keyring.stop() }
        let cli = CLI(keyring: keyring)
        #expect(try cli.run("credentials", "set", "--username", "a", "--password-stdin", stdin: "pw\n").status == 0)
        try keyring.killKeyring()
        let started = Date()
        let get = try cli.run("credentials", "get", "--field", "password")
        #expect(get.status == 3)
        #expect(get.stderr.contains("keyring could not be searched"), "\(get.stderr)")
        let forced = try cli.run("credentials", "get", "--store", "keyring", "--field", "password")
        #expect(forced.status == 5)
        #expect(forced.stderr.contains("No Secret Service"), "\(forced.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        // Writing now falls back to plaintext, and says so.
        let set = try cli.run("credentials", "set", "--username", "a", "--password-stdin", stdin: "pw2\n")
        #expect(set.status == 0)
        #expect(set.stderr.contains("plaintext"))
    }
}

@Suite("The .env file under concurrent and interrupted writers")
struct DotenvProcessSafetyTests {
    @Test func fiftyProcessesSettingLoginsAtOnceLoseNothing() async throws {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        let path = root + "/shared.env"
        let header = "# team settings\nAPI_TIMEOUT=30\nexport OTHER_TOKEN='keep'\n"
        try header.write(toFile: path, atomically: true, encoding: .utf8)
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<50 {
                group.addTask {
                    let environment = index % 2 == 0 ? "sandbox" : "production"
                    return try cli.run(
                        "credentials", "set", "--store", "dotenv", "--dotenv", path, "--env", environment,
                        "--username", "user\(index)", "--password-stdin", stdin: "pw-\(index)\n").status
                }
            }
            for try await status in group { #expect(status == 0) }
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix(header), "unrelated lines kept")
        for environment in ["sandbox", "production"] {
            let username = try cli.run("credentials", "get", "--store", "dotenv", "--dotenv", path, "--env", environment, "--field", "username").stdout
            let password = try cli.run("credentials", "get", "--store", "dotenv", "--dotenv", path, "--env", environment, "--field", "password").stdout
            let index = try #require(Int(username.dropFirst(4).dropLast()))
            #expect(password == "pw-\(index)\n", "username and password from the same writer")
        }
        #expect(text.components(separatedBy: "PONTOTEL_SANDBOX_PASSWORD=").count == 2, "one binding per key")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func writersWaitForTheLock() throws {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        let path = root + "/locked.env"
        #expect(try cli.run("credentials", "set", "--store", "dotenv", "--dotenv", path, "--username", "before", "--password-stdin", stdin: "pw-before\n").status == 0)
        let original = try String(contentsOfFile: path, encoding: .utf8)
        // Hold the lock as another writer would.
        let lock = open(path + ".lock", O_RDWR | O_CREAT, 0o600)
        #expect(flock(lock, LOCK_EX) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestHarness.binary())
        process.arguments = ["credentials", "set", "--store", "dotenv", "--dotenv", path, "--username", "after", "--password-stdin"]
        process.environment = cli.environment
        let input = Pipe()
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("pw-after\n".utf8))
        try input.fileHandleForWriting.close()
        usleep(800_000)
        #expect(process.isRunning, "the writer waits for the lock")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original, "and has not written")
        flock(lock, LOCK_UN)
        close(lock)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try cli.run("credentials", "get", "--store", "dotenv", "--dotenv", path, "--field", "username").stdout == "after\n")
    }

    @Test func processesKilledMidWriteLeaveTheOldFileOrTheNew() async throws {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        let path = root + "/killed.env"
        // A large file (about 2 MB of other settings) makes each write long enough to be hit.
        let header = (0..<40_000).map { "# setting \($0): keep this line exactly as it is\n" }.joined()
        try header.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try cli.run("credentials", "set", "--store", "dotenv", "--dotenv", path, "--username", "user0", "--password-stdin", stdin: "pw-0\n").status == 0)
        let binary = try TestHarness.binary()
        for round in 1...30 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["credentials", "set", "--store", "dotenv", "--dotenv", path, "--username", "user\(round)", "--password-stdin"]
            process.environment = cli.environment
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data("pw-\(round)\n".utf8))
            try input.fileHandleForWriting.close()
            usleep(UInt32.random(in: 0...60_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let username = try cli.run("credentials", "get", "--store", "dotenv", "--dotenv", path, "--field", "username")
            let password = try cli.run("credentials", "get", "--store", "dotenv", "--dotenv", path, "--field", "password")
            #expect(username.status == 0 && password.status == 0, "round \(round): the file is always whole")
            let index = Int(username.stdout.dropFirst(4).dropLast()) ?? -1
            #expect(password.stdout == "pw-\(index)\n", "round \(round)")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix(header), "round \(round): the other lines are whole")
        }
        // A killed writer may leave its temporary file (with the password in it); the next
        // write removes it.
        #expect(try cli.run("credentials", "set", "--store", "dotenv", "--dotenv", path, "--username", "last", "--password-stdin", stdin: "pw-last\n").status == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }
}
