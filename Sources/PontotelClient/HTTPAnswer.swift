import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An HTTP answer reduced to what the client needs; `Sendable` on every platform.
struct HTTPAnswer: Sendable {
    var status: Int
    /// Header names lower-cased.
    var headers: [String: String]
    var data: Data
    var url: URL?

    init(_ response: HTTPURLResponse, data: Data) {
        status = response.statusCode
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            headers[String(describing: name).lowercased()] = String(describing: value)
        }
        self.headers = headers
        self.data = data
        url = response.url
    }
}
