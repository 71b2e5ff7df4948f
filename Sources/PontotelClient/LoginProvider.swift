import PontotelCredentials

/// Where the client gets its login: a fixed ``Login`` or a closure called once, on first use.
public struct LoginProvider: Sendable {
    let resolve: @Sendable () async throws -> Login

    /// A closure run the first time the client needs the login (the result is kept).
    public init(_ resolve: @escaping @Sendable () async throws -> Login) { self.resolve = resolve }

    /// A login known up front.
    public static func fixed(_ login: Login) -> LoginProvider { LoginProvider { login } }

    /// The login `credentials` resolve for `environment` (environment variables, secrets
    /// directory, keyring, `.env`), read lazily.
    public static func credentials(_ credentials: Credentials, environment: PontotelEnvironment) -> LoginProvider {
        LoginProvider { try credentials.resolve(environment).login }
    }
}
