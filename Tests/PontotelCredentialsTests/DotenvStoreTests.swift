import Foundation
import PontotelCredentials
import PontotelTestSupport
import Testing

@Suite("The .env store's file safety")
struct DotenvStoreTests {
    let directory = TestHarness.temporaryDirectory("pontotel-dotenv")
    var path: String { directory + "/.env" }

    func login(_ user: String, _ password: String) -> StoredLogin {
        StoredLogin(login: Login(username: user, password: Secret(password)), passwordChangedAt: Date(timeIntervalSince1970: 1_764_000_000))
    }

    @Test func refusesNameReferencesThatDotenvReadersWouldExpand() throws {
        defer { TestHarness.cleanUp(directory) }
        let store = DotenvStore(path: path)
        try store.save(login("u", "before"), for: .sandbox)
        #expect {
            try store.save(login("u", "ab${HOME}cd"), for: .sandbox)
        } throws: { ($0 as? CredentialError)?.code == .invalidValue }
        #expect(try store.load(.sandbox)?.password == Secret("before"))
        // The keyring has no such limit; the in-memory store stands in for it here.
        let memory = InMemoryStore()
        try memory.save(login("u", "ab${HOME}cd"), for: .sandbox)
        #expect(try memory.load(.sandbox)?.password == Secret("ab${HOME}cd"))
    }

    @Test func incompleteLoginIsAClearError() throws {
        defer { TestHarness.cleanUp(directory) }
        try "PONTOTEL_SANDBOX_USERNAME=u\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try DotenvStore(path: path).load(.sandbox)
        } throws: { error in
            let error = error as? CredentialError
            return error?.code == .invalidConfiguration && error?.message.contains("PONTOTEL_SANDBOX_PASSWORD") == true
        }
    }

    @Test func doesNotRewriteAFileWithInvalidUTF8() throws {
        defer { TestHarness.cleanUp(directory) }
        let original = Data("OTHER=\u{00}".utf8) + Data([0xff, 0xfe, 0x0a])
        FileManager.default.createFile(atPath: path, contents: original)
        #expect(throws: CredentialError.self) { try DotenvStore(path: path).save(login("u", "p"), for: .sandbox) }
        #expect(FileManager.default.contents(atPath: path) == original)
    }

    @Test func reportsAFileReadableByOthers() throws {
        defer { TestHarness.cleanUp(directory) }
        let store = DotenvStore(path: path)
        try store.save(login("u", "p"), for: .sandbox)
        #expect(store.permissionWarning() == nil)
        chmod(path, 0o644)
        let warning = try #require(store.permissionWarning())
        #expect(warning.contains("chmod 600 \(path)"))
        // Writing again restores 0600.
        try store.save(login("u", "p2"), for: .sandbox)
        #expect(store.permissionWarning() == nil)
    }

    @Test func refusesToWriteIntoAGitWorkTreeUnlessAskedToIgnoreIt() throws {
        defer { TestHarness.cleanUp(directory) }
        let git = try #require(ProcessRunner.which("git"))
        let result = try ProcessRunner.run(git, ["init", "-q", directory], environment: ProcessInfo.processInfo.environment)
        #expect(result.status == 0)
        #expect {
            try DotenvStore(path: path).save(login("u", "p"), for: .sandbox)
        } throws: { error in
            let error = error as? CredentialError
            return error?.code == .unsafeLocation && error?.fix?.contains("--add-to-gitignore") == true
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        try DotenvStore(path: path, addToGitignore: true).save(login("u", "p"), for: .sandbox)
        #expect(try String(contentsOfFile: directory + "/.gitignore", encoding: .utf8).contains("/.env"))
        let check = try ProcessRunner.run(git, ["-C", directory, "check-ignore", "-q", path], environment: ProcessInfo.processInfo.environment)
        #expect(check.status == 0, "git now ignores the file")
        // Once ignored, plain writes work.
        try DotenvStore(path: path).save(login("u", "p3"), for: .sandbox)
    }

    @Test func concurrentWritersLoseNothing() async throws {
        defer { TestHarness.cleanUp(directory) }
        try "# keep me\nOTHER='x'\n".write(toFile: path, atomically: true, encoding: .utf8)
        let path = self.path
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let environment: PontotelEnvironment = index % 2 == 0 ? .sandbox : .production
                    try DotenvStore(path: path).save(
                        StoredLogin(login: Login(username: "user\(index)", password: Secret("pw\(index)"))), for: environment)
                }
            }
            try await group.waitForAll()
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# keep me\nOTHER='x'\n"))
        let store = DotenvStore(path: path)
        for environment in PontotelEnvironment.allCases {
            let loaded = try #require(try store.load(environment))
            let index = try #require(Int(loaded.username.dropFirst(4)))
            #expect(loaded.password == Secret("pw\(index)"), "username and password come from the same write")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }
}
