import Foundation
import PontotelCredentials

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension PontotelClient {
    /// Checks the URL, then answers from the cache (GET) or runs the call; a write drops the
    /// cached reads of its resource (even when it fails, since it may have been applied).
    func perform(_ method: HTTPMethod, url: URL, body: Data?) async throws -> HTTPAnswer {
        try HTTPSPolicy.check(url)
        let resource = resource(of: url)
        if method == .get, body == nil, let cache {
            let username = try await username()
            let key = "\(environment)|\(username)|\(resource)|\(url.absoluteString)"
            return try await cache.value(key: key, resource: resource) { [self] in
                try await execute(method, url: url, body: body, authenticated: true)
            }
        }
        if method.isWrite, let cache {
            do {
                let answer = try await execute(method, url: url, body: body, authenticated: true)
                await cache.invalidate(resource: resource)
                return answer
            } catch {
                await cache.invalidate(resource: resource)
                throw error
            }
        }
        return try await execute(method, url: url, body: body, authenticated: true)
    }

    /// One logical call: token, pacing, transport, then 401 (one fresh login and one retry),
    /// 429 (wait `Retry-After` up to the maximum), 5xx and dropped connections (backoff, for
    /// idempotent methods or when `retryable` says so).
    func execute(
        _ method: HTTPMethod, url: URL, body: Data?, authenticated: Bool, retryable: Bool? = nil
    ) async throws -> HTTPAnswer {
        let clock = configuration.clock
        let policy = configuration.retry
        let mayRetry = retryable ?? policy.retries(method: method)
        let path = relativePath(url)
        var retries = 0
        var rateLimitWaits = 0
        var loggedInAgain = false
        while true {
            try Task.checkCancellation()
            var token: CachedToken?
            if authenticated { token = try await self.token() }
            try await limiter.acquire()
            try HTTPSPolicy.check(url)
            var request = URLRequest(url: url)
            request.httpMethod = method.rawValue
            request.timeoutInterval = configuration.requestTimeout.seconds
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            request.setValue(configuration.userAgent, forHTTPHeaderField: "User-Agent")
            if let body {
                request.httpBody = body
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            if let token { request.setValue("Bearer \(token.token.reveal())", forHTTPHeaderField: "Authorization") }

            let answer: HTTPAnswer
            do {
                let (data, response) = try await transport.send(request)
                answer = HTTPAnswer(response, data: data)
            } catch var error as PontotelError {
                error.method = error.method ?? method.rawValue
                error.path = error.path ?? path
                throw error
            } catch {
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                if mayRetry, retries < policy.maxRetries {
                    retries += 1
                    try await clock.sleep(policy.delay(forRetry: retries))
                    continue
                }
                throw Self.networkError(error, method: method, path: path, attempts: retries + 1)
            }
            await limiter.record(headers: answer.headers)

            switch answer.status {
            case 200..<300:
                return answer
            case 401 where token != nil && !loggedInAgain:
                loggedInAgain = true
                await tokens.invalidate(token!.token)
                continue
            case 429:
                let retryAfter = Self.retryAfter(answer.headers, now: clock.now())
                let wait = retryAfter ?? .seconds(1)
                if wait <= configuration.maxRetryAfter, rateLimitWaits < configuration.maxRateLimitRetries {
                    rateLimitWaits += 1
                    await limiter.blocked(until: clock.now().addingTimeInterval(wait.seconds))
                    try await clock.sleep(wait)
                    continue
                }
                var error = PontotelError.fromResponse(
                    status: 429, body: answer.data, method: method.rawValue, path: path, retryAfter: retryAfter)
                let when = clock.now().addingTimeInterval(wait.seconds)
                error.message = "rate limit exceeded: the API asks to wait \(wait.secondsText) s"
                    + (wait > configuration.maxRetryAfter ? " (more than the \(configuration.maxRetryAfter.secondsText) s allowed)" : " (gave up after \(rateLimitWaits) waits)")
                error.fix = "retry after \(ISO8601DateFormatter().string(from: when)), or raise maxRetryAfter"
                throw error
            case let status where mayRetry && policy.retryableStatuses.contains(status) && retries < policy.maxRetries:
                retries += 1
                var wait = policy.delay(forRetry: retries)
                if let asked = Self.retryAfter(answer.headers, now: clock.now()), asked <= configuration.maxRetryAfter {
                    wait = max(wait, asked)
                }
                try await clock.sleep(wait)
                continue
            default:
                throw PontotelError.fromResponse(
                    status: answer.status, body: answer.data, method: method.rawValue, path: path,
                    retryAfter: Self.retryAfter(answer.headers, now: clock.now()))
            }
        }
    }

    /// `POST /login/`: a 401/403 is ``PontotelError/Code/authenticationFailed`` (never retried);
    /// 5xx and dropped connections are retried (a login creates nothing).
    func performLogin(_ login: Login) async throws -> CachedToken {
        let url = try url(for: "/login/")
        let body = try JSONSerialization.data(withJSONObject: ["username": login.username, "password": login.password.reveal()])
        let issued = configuration.clock.now()
        let answer: HTTPAnswer
        do {
            answer = try await execute(.post, url: url, body: body, authenticated: false, retryable: true)
        } catch var error as PontotelError where error.status == 401 || error.status == 403 {
            error.code = .authenticationFailed
            error.message = "the API rejected the \(environment) login for user \"\(login.username)\" (\(error.apiError ?? "HTTP \(error.status!)"))"
            error.fix = "check the username and password (`pontotel credentials show --env \(environment)`), then store the right ones with `pontotel credentials set --env \(environment)`"
            throw error
        }
        guard let object = (try? JSONSerialization.jsonObject(with: answer.data)) as? [String: Any],
            let token = object["access_token"] as? String, !token.isEmpty
        else {
            throw PontotelError(
                .invalidResponse, "the login answer has no access_token", status: answer.status,
                method: "POST", path: "/login/", fix: "check that the base URL \(HTTPSPolicy.safeText(baseURL)) is the Pontotel API")
        }
        var lifetime = configuration.defaultTokenLifetime.seconds
        if let value = object["expires_in"] as? NSNumber, !(value is Bool), value.doubleValue > 0 {
            lifetime = value.doubleValue
        } else if let text = object["expires_in"] as? String, let value = Double(text), value > 0 {
            lifetime = value
        }
        return CachedToken(token: Secret(token), expiresAt: issued.addingTimeInterval(lifetime))
    }

    /// One page at a full URL, with its `next` link checked (https, same origin as the base URL).
    func page<T: Decodable & Sendable>(at url: URL) async throws -> Page<T> {
        let answer = try await perform(.get, url: url, body: nil)
        let page = try decode(Page<T>.self, from: answer.data, method: .get, url: url)
        if let next = page.next {
            do {
                try HTTPSPolicy.check(next, what: "next link")
            } catch {
                var error = error
                error.method = "GET"
                error.path = relativePath(url)
                throw error
            }
            guard HTTPSPolicy.sameOrigin(next, baseURL) else {
                throw PontotelError(
                    .httpsRequired,
                    "refusing the next link \(HTTPSPolicy.safeText(next)): not on the API's origin \(HTTPSPolicy.origin(baseURL))",
                    method: "GET", path: relativePath(url), fix: "check the base URL; the API pointed the next page at another host")
            }
        }
        return page
    }

    static func retryAfter(_ headers: [String: String], now: Date) -> Duration? {
        guard let text = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return .seconds(double: seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: text) { return .seconds(double: date.timeIntervalSince(now)) }
        return nil
    }

    static func networkError(_ error: any Error, method: HTTPMethod, path: String, attempts: Int) -> PontotelError {
        let reason: String
        var fix = "check the network and the base URL, then retry"
        if let urlError = error as? URLError {
            switch urlError.code {
            case .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
                .serverCertificateHasUnknownRoot, .secureConnectionFailed, .clientCertificateRejected:
                reason = "TLS failed (\(urlError.code.rawValue)): the server's certificate is not trusted"
                fix = "the system CA bundle must trust the server's certificate"
            case .timedOut: reason = "timed out"
            case .cannotFindHost, .dnsLookupFailed: reason = "cannot resolve the host"
            case .cannotConnectToHost: reason = "cannot connect to the host"
            case .networkConnectionLost: reason = "the connection was lost"
            case .notConnectedToInternet: reason = "no network"
            default: reason = "network error \(urlError.code.rawValue)"
            }
        } else {
            reason = "\(type(of: error))"
        }
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        return PontotelError(.network, "\(reason)\(tries)", method: method.rawValue, path: path, fix: fix)
    }
}
