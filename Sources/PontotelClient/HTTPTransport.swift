import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The narrow seam under ``PontotelClient``: send one request, get one answer.
///
/// Authentication, retries, pacing and caching sit above it, so they can be tested with an
/// in-memory transport; ``URLSessionTransport`` is the real one. A transport answers any HTTP
/// status (it does not throw for 4xx/5xx); it throws only when there is no answer.
public protocol HTTPTransport: Sendable {
    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse)
}
