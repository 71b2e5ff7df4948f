import Foundation

/// A Pontotel API login: the username and its password.
public struct Login: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var username: String
    public var password: Secret

    public init(username: String, password: Secret) {
        self.username = username
        self.password = password
    }

    public var description: String { "Login(username: \(username), password: <redacted>)" }
    public var customMirror: Mirror {
        Mirror(self, children: ["username": username], displayStyle: .struct)
    }
}

/// What a store holds for one environment: the current login, the password it replaced (kept by
/// `rotate` for `rollback`) and when the password last changed.
public struct StoredLogin: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var login: Login
    public var previousPassword: Secret?
    public var passwordChangedAt: Date?

    public init(login: Login, previousPassword: Secret? = nil, passwordChangedAt: Date? = nil) {
        self.login = login
        self.previousPassword = previousPassword
        self.passwordChangedAt = passwordChangedAt
    }

    public var username: String { login.username }
    public var password: Secret { login.password }

    public var description: String {
        "StoredLogin(username: \(login.username), password: <redacted>, previous: \(previousPassword == nil ? "none" : "<redacted>"))"
    }
    public var customMirror: Mirror {
        Mirror(self, children: ["username": login.username], displayStyle: .struct)
    }
}
