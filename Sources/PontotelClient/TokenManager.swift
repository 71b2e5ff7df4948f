import Foundation
import PontotelCredentials

/// Holds the bearer token: logs in lazily, reuses the token, logs in again before it expires,
/// and lets any number of concurrent callers share one login in flight.
actor TokenManager {
    /// A token and when to stop using it.
    struct Held: Sendable {
        var token: CachedToken
        var refreshAt: Date
        var fromStore = false
    }

    private let provider: LoginProvider
    private let environment: PontotelEnvironment
    private let baseURL: URL
    private let store: (any SharedTokenStore)?
    private let clock: ClientClock
    private let margin: Duration

    private var login: Login?
    private var loginResolution: Task<Login, any Error>?
    private var current: Held?
    private var inFlight: Task<Held, any Error>?
    /// Number of logins this manager performed (not counting tokens taken from a shared store).
    private(set) var loginCount = 0

    init(
        provider: LoginProvider, environment: PontotelEnvironment, baseURL: URL,
        store: (any SharedTokenStore)?, clock: ClientClock, margin: Duration
    ) {
        self.provider = provider
        self.environment = environment
        self.baseURL = baseURL
        self.store = store
        self.clock = clock
        self.margin = margin
    }

    /// The login, resolved once.
    func resolvedLogin() async throws -> Login {
        if let login { return login }
        let task = loginResolution ?? Task { [provider] in try await provider.resolve() }
        loginResolution = task
        do {
            let value = try await task.value
            login = value
            return value
        } catch {
            loginResolution = nil
            throw error
        }
    }

    /// A token that is not about to expire; logs in (once, for all concurrent callers) if needed.
    func token(performLogin: @escaping @Sendable (Login) async throws -> CachedToken) async throws -> CachedToken {
        if let current, clock.now() < current.refreshAt { return current.token }
        if let inFlight { return try await inFlight.value.token }
        let login = try await resolvedLogin()
        if let current, clock.now() < current.refreshAt { return current.token }
        if let inFlight { return try await inFlight.value.token }
        let key = TokenKey(environment: environment, username: login.username, baseURL: baseURL.absoluteString)
        let task = Task { [store, clock, margin] in
            try await Self.obtain(login: login, key: key, store: store, clock: clock, margin: margin, performLogin: performLogin)
        }
        inFlight = task
        do {
            let held = try await task.value
            if inFlight == task { inFlight = nil }
            current = held
            if !held.fromStore { loginCount += 1 }
            return held.token
        } catch {
            if inFlight == task { inFlight = nil }
            throw error
        }
    }

    /// Forgets `token` after the API refused it (only if it is still the current one, so that
    /// many concurrent 401s lead to one new login).
    func invalidate(_ token: Secret) {
        guard let current, current.token.token == token else { return }
        self.current = nil
        if let store, let login {
            store.remove(TokenKey(environment: environment, username: login.username, baseURL: baseURL.absoluteString))
        }
    }

    private static func obtain(
        login: Login, key: TokenKey, store: (any SharedTokenStore)?, clock: ClientClock, margin: Duration,
        performLogin: @Sendable (Login) async throws -> CachedToken
    ) async throws -> Held {
        func fresh() async throws -> Held {
            let issued = clock.now()
            let token = try await performLogin(login)
            let lifetime = token.expiresAt.timeIntervalSince(issued)
            let refreshAt = token.expiresAt.addingTimeInterval(-min(margin.seconds, max(0, lifetime) / 2))
            return Held(token: token, refreshAt: refreshAt)
        }
        guard let store else { return try await fresh() }
        return try await store.withLoginLock(key) {
            if let cached = store.load(key) {
                let refreshAt = cached.expiresAt.addingTimeInterval(-margin.seconds)
                if clock.now() < refreshAt {
                    var held = Held(token: cached, refreshAt: refreshAt)
                    held.fromStore = true
                    return held
                }
            }
            let held = try await fresh()
            store.save(held.token, for: key)
            return held
        }
    }
}
