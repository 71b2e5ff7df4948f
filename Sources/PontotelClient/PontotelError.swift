import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The one error type of `PontotelClient`: a struct wrapping a ``Code`` (so new codes do not break
/// callers), with the HTTP status, Pontotel's `error` code, message and field details.
///
/// Its `description` is built only from these fields: never from a token, a password, a request
/// header or a request body.
public struct PontotelError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The API rejected the login (`/login/` answered 401 or 403).
        public static let authenticationFailed = Code(rawValue: "authentication-failed")
        /// A URL (base URL, redirect, `next` link) is not https or not on the API's origin.
        public static let httpsRequired = Code(rawValue: "https-required")
        /// The connection failed (DNS, refused, dropped, TLS, timeout).
        public static let network = Code(rawValue: "network")
        /// 429 and the wait the server asks for is longer than allowed, or retries ran out.
        public static let rateLimited = Code(rawValue: "rate-limited")
        /// Any other HTTP error answer from the API (400, 403, 404, 409, 5xx, ...).
        public static let api = Code(rawValue: "api")
        /// An answer that is not the JSON expected.
        public static let invalidResponse = Code(rawValue: "invalid-response")
        /// A request the client refuses to send (bad page size, missing field, bad path).
        public static let invalidRequest = Code(rawValue: "invalid-request")
    }

    public var code: Code
    /// What went wrong, without secrets.
    public var message: String
    /// The HTTP status, when there was an answer.
    public var status: Int?
    /// Pontotel's `error` field (`validation_error`, `conflict`, `not_found`, ...).
    public var apiError: String?
    /// Pontotel's `details`: messages per field.
    public var details: [String: [String]]
    /// How long the server asked to wait (429 `Retry-After`).
    public var retryAfter: Duration?
    /// The method and path (no query, no host) of the call that failed.
    public var method: String?
    public var path: String?
    /// What the user can do about it.
    public var fix: String?

    public init(
        _ code: Code, _ message: String, status: Int? = nil, apiError: String? = nil,
        details: [String: [String]] = [:], retryAfter: Duration? = nil,
        method: String? = nil, path: String? = nil, fix: String? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.apiError = apiError
        self.details = details
        self.retryAfter = retryAfter
        self.method = method
        self.path = path
        self.fix = fix
    }

    public var description: String {
        var text = ""
        if let method, let path { text += "\(method) \(path): " }
        if let status { text += "HTTP \(status)" + (apiError.map { " \($0)" } ?? "") + ": " }
        text += message
        for field in details.keys.sorted() {
            text += "\n  \(field): \(details[field]!.joined(separator: "; "))"
        }
        if let fix { text += "\n  fix: \(fix)" }
        return text
    }
}

extension PontotelError {
    /// Builds an API error from an error answer `{"error","message","details"}`; tolerant of any body.
    static func fromResponse(
        status: Int, body: Data, method: String, path: String, retryAfter: Duration? = nil
    ) -> PontotelError {
        var apiError: String?
        var message = HTTPURLResponse.localizedString(forStatusCode: status)
        var details: [String: [String]] = [:]
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
            apiError = object["error"] as? String
            if let text = object["message"] as? String { message = String(text.prefix(500)) }
            if let raw = object["details"] as? [String: Any] {
                for (field, value) in raw {
                    if let list = value as? [Any] {
                        details[field] = list.map { String(String(describing: $0).prefix(300)) }
                    } else {
                        details[field] = [String(String(describing: value).prefix(300))]
                    }
                }
            }
        }
        let code: Code = status == 429 ? .rateLimited : .api
        var fix: String?
        switch status {
        case 401: fix = "the token was refused even after a fresh login: check the account's permissions"
        case 403: fix = "the account lacks permission for this resource"
        case 429:
            fix = retryAfter.map { "retry after \($0.secondsText) s" } ?? "retry later"
        default: break
        }
        return PontotelError(
            code, message, status: status, apiError: apiError, details: details,
            retryAfter: retryAfter, method: method, path: path, fix: fix)
    }
}

extension Duration {
    /// Seconds as a `Double`.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Seconds with at most 3 decimals, for messages.
    var secondsText: String {
        let value = seconds
        if value == value.rounded() { return String(Int(value)) }
        return String(format: "%.3f", value)
    }

    static func seconds(double value: Double) -> Duration {
        .nanoseconds(Int64((max(0, value) * 1e9).rounded()))
    }
}
