import Foundation
import PontotelCredentials
import Testing

/// The contract of `CredentialStore` (see its doc comment), as one suite every store passes.
/// Call `checkWritableStore` for stores that can be written, `checkReadOnlySource` otherwise.
enum CredentialStoreConformance {
    static let changedAt = Date(timeIntervalSince1970: 1_764_000_000)

    /// Values every store must keep byte for byte.
    static let trickyValues = [
        "plain", "with space", " leading and trailing ", "quote'single", "quote\"double", "both'\"",
        "hash # not a comment", "#start", "a=b=c", "$HOME", "${", "$(id)", "$ {X}", "back\\slash",
        "trailing\\", "\\\\double", "tab\there", "ção-密码-🔑", "export X=1", "`backtick`", "%s%n",
    ]

    static func checkWritableStore(_ store: any CredentialStore) throws {
        #expect(store.isWritable)
        for environment in PontotelEnvironment.allCases {
            #expect(try store.load(environment) == nil, "an empty store has no \(environment) login")
        }

        // Save then load returns exactly what was saved; the other environment is untouched.
        let first = StoredLogin(
            login: Login(username: "alice", password: Secret("first-Secret#1")),
            previousPassword: nil, passwordChangedAt: changedAt)
        try store.save(first, for: .sandbox)
        #expect(try store.load(.sandbox) == first)
        #expect(try store.load(.production) == nil)

        // One login per environment: a new one replaces the old, whoever it belongs to.
        let second = StoredLogin(
            login: Login(username: "bob", password: Secret("second-Secret#2")),
            previousPassword: Secret("first-Secret#1"), passwordChangedAt: changedAt.addingTimeInterval(60))
        try store.save(second, for: .sandbox)
        #expect(try store.load(.sandbox) == second)

        // Saving without a previous password clears it.
        let third = StoredLogin(login: second.login, previousPassword: nil, passwordChangedAt: changedAt)
        try store.save(third, for: .sandbox)
        #expect(try store.load(.sandbox)?.previousPassword == nil)

        // Environments are apart.
        let production = StoredLogin(
            login: Login(username: "carol", password: Secret("prod-Secret#3")), passwordChangedAt: changedAt)
        try store.save(production, for: .production)
        #expect(try store.load(.production) == production)
        #expect(try store.load(.sandbox) == third)

        // Tricky values round-trip.
        for value in trickyValues {
            let login = StoredLogin(
                login: Login(username: "user-\(value.count)", password: Secret(value)),
                previousPassword: Secret("prev-" + value), passwordChangedAt: changedAt)
            try store.save(login, for: .sandbox)
            let loaded = try store.load(.sandbox)
            #expect(loaded == login, "round trip of a tricky value (\(value.count) characters)")
        }

        // Bad values are refused and lose nothing that was stored before.
        let before = try store.load(.sandbox)
        for bad in ["", "two\nlines", "carriage\rreturn", "nul\0byte"] {
            let attempt = StoredLogin(login: Login(username: "dave", password: Secret(bad)))
            #expect {
                try store.save(attempt, for: .sandbox)
            } throws: { error in
                (error as? CredentialError)?.code == .invalidValue
            }
            #expect(try store.load(.sandbox) == before, "a refused write leaves the old login")
        }
        #expect(throws: CredentialError.self) {
            try store.save(StoredLogin(login: Login(username: "", password: Secret("x"))), for: .sandbox)
        }

        // Nothing prints a secret.
        let loaded = try #require(try store.load(.sandbox))
        for text in [String(describing: store), String(describing: loaded), String(reflecting: loaded), dumped(loaded), dumped(loaded.login)] {
            #expect(!text.contains("prev-"), "no secret in description or dump")
            #expect(!text.contains(loaded.password.reveal()))
        }

        // Delete removes everything for one environment, and says whether anything was there.
        #expect(try store.delete(.sandbox) == true)
        #expect(try store.load(.sandbox) == nil)
        #expect(try store.delete(.sandbox) == false)
        #expect(try store.load(.production) == production)
        #expect(try store.delete(.production) == true)
    }

    /// A read-only source: `prepared` must already hold `expected` for sandbox and nothing for
    /// production.
    static func checkReadOnlySource(_ source: any CredentialStore, expected: StoredLogin) throws {
        #expect(!source.isWritable)
        #expect(try source.load(.sandbox) == expected)
        #expect(try source.load(.production) == nil)
        #expect {
            try source.save(expected, for: .sandbox)
        } throws: { ($0 as? CredentialError)?.code == .readOnlySource }
        #expect {
            try source.delete(.sandbox)
        } throws: { ($0 as? CredentialError)?.code == .readOnlySource }
        let secret = expected.password.reveal()
        #expect(!String(describing: source).contains(secret))
        #expect(!dumped(source).contains(secret))
        #expect(!dumped(expected).contains(secret))
    }

    static func dumped<T>(_ value: T) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }
}
