import Foundation

/// Time for the client: the current date and a way to wait. Tests inject a fake one.
public struct ClientClock: Sendable {
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// The wall clock and `Task.sleep`.
    public static let system = ClientClock(now: { Date() }, sleep: { try await Task.sleep(for: $0) })
}

/// Retries of failed calls (5xx, dropped connections), with exponential backoff and jitter.
///
/// Only idempotent methods are retried: GET, HEAD, PUT, DELETE, and PATCH when
/// ``retryPATCH`` is true (the default: Pontotel's PATCH merges the given fields, so applying
/// the same PATCH twice leaves the same state). POST is never retried.
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt (0 turns retries off).
    public var maxRetries: Int = 3
    /// Delay before the first retry; doubled for each further retry, capped at ``maxDelay``.
    public var baseDelay: Duration = .milliseconds(250)
    public var maxDelay: Duration = .seconds(8)
    /// The HTTP statuses that are retried.
    public var retryableStatuses: Set<Int> = [500, 502, 503, 504]
    public var retryPATCH = true

    public init() {}

    /// The wait before retry number `attempt` (1-based): `base * 2^(attempt-1)`, capped, with
    /// "equal jitter" (half fixed, half random) so that many clients do not retry in step.
    func delay(forRetry attempt: Int) -> Duration {
        let exponential = baseDelay.seconds * pow(2, Double(max(0, attempt - 1)))
        let capped = min(exponential, maxDelay.seconds)
        return .seconds(double: capped / 2 + Double.random(in: 0...(capped / 2)))
    }

    func retries(method: HTTPMethod) -> Bool {
        switch method {
        case .get, .head, .put, .delete, .options: return true
        case .patch: return retryPATCH
        default: return false
        }
    }
}

/// A client-side request limit: at most `requests` in any `interval`.
public struct ClientRateLimit: Sendable {
    public var requests: Int
    public var interval: Duration

    public init(requests: Int, per interval: Duration) {
        self.requests = requests
        self.interval = interval
    }
}

/// The opt-in response cache: GET answers kept for ``ttl``, at most ``maxEntries`` (least
/// recently used evicted first).
public struct CacheConfiguration: Sendable {
    public var ttl: Duration = .seconds(300)
    public var maxEntries: Int = 1000

    public init(ttl: Duration = .seconds(300), maxEntries: Int = 1000) {
        self.ttl = ttl
        self.maxEntries = maxEntries
    }
}

extension PontotelClient {
    /// Everything about the client's behaviour, with sensible defaults.
    public struct Configuration: Sendable {
        /// Where `PONTOTEL_SANDBOX_BASE_URL` / `PONTOTEL_PRODUCTION_BASE_URL` are read.
        public var environmentVariables: [String: String] = ProcessInfo.processInfo.environment
        /// How long one request may wait for data.
        public var requestTimeout: Duration = .seconds(30)
        /// Log in again this long before the token expires (capped at half the token's
        /// lifetime, so very short-lived tokens are still reused).
        public var tokenRefreshMargin: Duration = .seconds(60)
        /// Lifetime assumed when `/login/` does not say (`expires_in` missing).
        public var defaultTokenLifetime: Duration = .seconds(3600)
        public var retry = RetryPolicy()
        /// The longest `Retry-After` honoured on 429; a longer one is thrown as `.rateLimited`.
        public var maxRetryAfter: Duration = .seconds(60)
        /// How many 429 answers in a row are waited out for one call.
        public var maxRateLimitRetries = 5
        /// Pace from the server's `X-RateLimit-Remaining` / `X-RateLimit-Reset` headers.
        public var honourRateLimitHeaders = true
        /// An extra limit applied by the client itself.
        public var clientRateLimit: ClientRateLimit?
        /// nil (the default) turns the response cache off.
        public var cache: CacheConfiguration?
        /// Share the bearer token with every process of the same user, environment and base URL
        /// (``SharedTokenCache``: a keyring item, else a 0600 file under `$XDG_RUNTIME_DIR`), so
        /// scripts that start many processes log in once. On by default; false keeps the token
        /// in this client only.
        public var sharesTokens = true
        /// The store used when ``sharesTokens`` is on; nil means a ``SharedTokenCache`` built
        /// from ``environmentVariables``.
        public var sharedTokenStore: (any SharedTokenStore)?
        public var clock: ClientClock = .system
        public var userAgent = "pontotel-swift/0.1"

        public init() {}
    }
}
