import Foundation
import PontotelCredentials

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An authenticated HTTPS client for the Pontotel API v4.
///
/// ```swift
/// let client = try PontotelClient(credentials: Credentials(), environment: .sandbox)
/// for try await employee in client.employees.list([.equal("is_active", "true")]) {
///     print(employee.nome ?? "")
/// }
/// let raw = try await client.send(.get, "/jornadas/")
/// ```
///
/// It logs in lazily, reuses the token, refreshes it before expiry, retries idempotent calls on
/// 5xx and dropped connections, waits out 429s (up to a limit) and paces itself from the
/// server's rate-limit headers. Only https URLs are ever called.
public final class PontotelClient: Sendable {
    public let environment: PontotelEnvironment
    /// The API root, e.g. `https://sandbox-apis.pontotel.com.br/pontotel/api/v4` (no trailing slash).
    public let baseURL: URL
    public let configuration: Configuration

    let transport: any HTTPTransport
    let tokens: TokenManager
    let limiter: RateLimiter
    let cache: ResponseCache?

    /// - Parameters:
    ///   - baseURL: overrides `PONTOTEL_<ENV>_BASE_URL` and the published default. Must be https.
    ///   - login: where the login comes from (read on first use).
    ///   - transport: nil for the real ``URLSessionTransport``.
    /// - Throws: ``PontotelError`` `.httpsRequired` for a base URL that is not https (before any I/O).
    public init(
        environment: PontotelEnvironment, baseURL: URL? = nil, login: LoginProvider,
        configuration: Configuration = .init(), transport: (any HTTPTransport)? = nil
    ) throws(PontotelError) {
        self.environment = environment
        self.configuration = configuration
        self.baseURL = try Self.resolveBaseURL(baseURL, environment: environment, variables: configuration.environmentVariables)
        self.transport = transport ?? URLSessionTransport(timeout: configuration.requestTimeout)
        tokens = TokenManager(
            provider: login, environment: environment, baseURL: self.baseURL,
            store: Self.tokenStore(configuration), clock: configuration.clock,
            margin: configuration.tokenRefreshMargin)
        limiter = RateLimiter(
            clock: configuration.clock, honourHeaders: configuration.honourRateLimitHeaders,
            clientLimit: configuration.clientRateLimit)
        cache = configuration.cache.map { ResponseCache(configuration: $0, clock: configuration.clock) }
    }

    /// The shared token store the configuration asks for, if any.
    static func tokenStore(_ configuration: Configuration) -> (any SharedTokenStore)? {
        guard configuration.sharesTokens else { return nil }
        if let store = configuration.sharedTokenStore { return store }
        guard let settings = try? CredentialSettings(environment: configuration.environmentVariables) else { return nil }
        return SharedTokenCache(settings: settings)
    }

    /// A client whose login is resolved (lazily) from `credentials` for `environment`.
    public convenience init(
        credentials: Credentials, environment: PontotelEnvironment, baseURL: URL? = nil,
        configuration: Configuration = .init()
    ) throws(PontotelError) {
        try self.init(
            environment: environment, baseURL: baseURL,
            login: .credentials(credentials, environment: environment), configuration: configuration)
    }

    /// The base URL in use: `explicit`, else `PONTOTEL_<ENV>_BASE_URL`, else the published one.
    public static func resolveBaseURL(
        _ explicit: URL?, environment: PontotelEnvironment, variables: [String: String]
    ) throws(PontotelError) -> URL {
        let variable = "PONTOTEL_\(environment.variableWord)_BASE_URL"
        let url: URL
        let what: String
        if let explicit {
            url = explicit
            what = "base URL"
        } else if let text = variables[variable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let parsed = URL(string: text) else {
                throw PontotelError(.httpsRequired, "\(variable) is not a valid URL", fix: "set \(variable) to an https:// URL, or unset it")
            }
            url = parsed
            what = "base URL from \(variable)"
        } else {
            url = URL(string: environment.defaultBaseURL)!
            what = "base URL"
        }
        do {
            try HTTPSPolicy.check(url, what: what)
        } catch {
            var error = error
            if explicit == nil, variables[variable] != nil {
                error.fix = "set \(variable) to an https:// URL, or unset it to use \(environment.defaultBaseURL)"
            }
            throw error
        }
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text)!
    }

    // MARK: Public calls

    /// A valid bearer token (logging in if needed). Treat it as a secret.
    public func token() async throws -> CachedToken {
        try await tokens.token(performLogin: { [self] login in try await performLogin(login) })
    }

    /// The username of the login in use.
    public func username() async throws -> String { try await tokens.resolvedLogin().username }

    /// Number of logins this client has performed (tokens from a shared store not counted).
    public var loginCount: Int { get async { await tokens.loginCount } }

    /// An authenticated call; the raw answer body of a 2xx answer.
    ///
    /// `path` is relative to the base URL (`/empregados/12/`) or a full https URL on the same
    /// origin. Errors: ``PontotelError``.
    public func send(
        _ method: HTTPMethod = .get, _ path: String, query: [URLQueryItem] = [], body: Data? = nil
    ) async throws -> Data {
        let url = try url(for: path, query: query)
        return try await perform(method, url: url, body: body).data
    }

    /// An authenticated call with a JSON-encoded body.
    public func send<Body: Encodable & Sendable>(
        _ method: HTTPMethod, _ path: String, query: [URLQueryItem] = [], json body: Body
    ) async throws -> Data {
        let data: Data
        do {
            data = try JSONEncoder().encode(body)
        } catch {
            throw PontotelError(.invalidRequest, "the request body cannot be encoded as JSON: \(error)", method: method.rawValue, path: path)
        }
        return try await send(method, path, query: query, body: data)
    }

    /// An authenticated call whose answer is decoded as `T`.
    public func json<T: Decodable>(
        _ method: HTTPMethod = .get, _ path: String, query: [URLQueryItem] = [], body: Data? = nil,
        as type: T.Type = T.self
    ) async throws -> T {
        let url = try url(for: path, query: query)
        let answer = try await perform(method, url: url, body: body)
        return try decode(T.self, from: answer.data, method: method, url: url)
    }

    /// Every item of a paged list, fetched page by page (memory stays flat), following `next`.
    /// `pageSize` must be 1...100; a bad value fails on the first iteration, before any I/O.
    public func items<T: Decodable & Sendable>(
        _ path: String, query: [URLQueryItem] = [], pageSize: Int = 100, as type: T.Type = T.self
    ) -> PageSequence<T> {
        PageSequence(client: self, path: path, query: query, pageSize: pageSize)
    }

    /// One page of a list.
    public func page<T: Decodable & Sendable>(
        _ path: String, query: [URLQueryItem] = [], pageSize: Int = 100, as type: T.Type = T.self
    ) async throws -> Page<T> {
        try Self.checkPageSize(pageSize)
        let url = try url(for: path, query: Self.withPageSize(query, pageSize))
        return try await page(at: url)
    }

    /// The typed employees API (`/empregados/`).
    public var employees: EmployeesAPI { EmployeesAPI(client: self) }

    // MARK: URLs

    /// The full URL for `path` (relative to the base URL, or an absolute https URL on its origin)
    /// with `query` appended. Throws before any I/O for anything not https or off-origin.
    public func url(for path: String, query: [URLQueryItem] = []) throws(PontotelError) -> URL {
        var text: String
        if path.contains("://") {
            guard let absolute = URL(string: path) else {
                throw PontotelError(.invalidRequest, "\"\(path)\" is not a valid URL", fix: "give a path such as /empregados/")
            }
            try HTTPSPolicy.check(absolute)
            guard HTTPSPolicy.sameOrigin(absolute, baseURL) else {
                throw PontotelError(
                    .httpsRequired, "refusing \(HTTPSPolicy.safeText(absolute)): not on the API's origin \(HTTPSPolicy.origin(baseURL))",
                    fix: "give a path relative to the base URL, such as /empregados/")
            }
            text = path
        } else {
            guard !path.isEmpty else {
                throw PontotelError(.invalidRequest, "the API path is empty", fix: "give a path such as /empregados/")
            }
            guard !path.split(separator: "/").contains("..") else {
                throw PontotelError(.invalidRequest, "the API path \"\(path)\" contains \"..\"", fix: "give a path such as /empregados/12/")
            }
            text = baseURL.absoluteString + (path.hasPrefix("/") ? path : "/" + path)
        }
        if !query.isEmpty {
            let encoded = query.map { item in
                Self.encodeQuery(item.name) + (item.value.map { "=" + Self.encodeQuery($0) } ?? "")
            }.joined(separator: "&")
            text += (text.contains("?") ? "&" : "?") + encoded
        }
        guard let url = URL(string: text) else {
            throw PontotelError(.invalidRequest, "\"\(path)\" does not make a valid URL", fix: "percent-encode special characters in the path")
        }
        try HTTPSPolicy.check(url)
        return url
    }

    private static let queryAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._~(),:@!*'/")
        return set
    }()

    static func encodeQuery(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? text
    }

    static func checkPageSize(_ size: Int) throws(PontotelError) {
        guard (1...100).contains(size) else {
            throw PontotelError(
                .invalidRequest, "page_size must be between 1 and 100, not \(size)",
                fix: "use a page size from 1 to 100 (Pontotel's maximum is 100)")
        }
    }

    static func withPageSize(_ query: [URLQueryItem], _ size: Int) -> [URLQueryItem] {
        query.filter { $0.name != "page_size" } + [URLQueryItem(name: "page_size", value: String(size))]
    }

    /// The path after the base path, for messages and cache keys.
    func relativePath(_ url: URL) -> String {
        let path = URLComponents(url: url, resolvingAgainstBaseURL: true)?.path ?? url.path
        let basePath = URLComponents(url: baseURL, resolvingAgainstBaseURL: true)?.path ?? baseURL.path
        if !basePath.isEmpty, path.hasPrefix(basePath) {
            let rest = String(path.dropFirst(basePath.count))
            return rest.isEmpty ? "/" : rest
        }
        return path
    }

    /// The first segment of the relative path (`/empregados/12/` → `empregados`).
    func resource(of url: URL) -> String {
        relativePath(url).split(separator: "/").first.map(String.init) ?? ""
    }

    func decode<T: Decodable>(_ type: T.Type, from data: Data, method: HTTPMethod, url: URL) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw PontotelError(
                .invalidResponse, "the answer is not the JSON expected (\(Self.describe(error)))",
                method: method.rawValue, path: relativePath(url))
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(path(context.codingPath))"
        case .keyNotFound(let key, let context):
            return "missing \"\(path(context.codingPath + [key]))\""
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) is not \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected \(type)"
        @unknown default:
            return "decoding failed"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
