import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real ``HTTPTransport``: a `URLSession` with a session-level delegate that enforces the
/// redirect rules FoundationNetworking does not enforce on Linux:
///
/// - a redirect to a URL that is not https fails the call with ``PontotelError/Code/httpsRequired``;
/// - a redirect to another origin (scheme, host, port) drops the `Authorization` header.
///
/// No URL cache, no cookies. Every request is checked to be https before it is sent.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let delegate: RedirectPolicyDelegate

    /// - Parameter timeout: how long a request may wait for data before it fails.
    public init(timeout: Duration = .seconds(30)) {
        let delegate = RedirectPolicyDelegate()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.timeoutIntervalForRequest = timeout.seconds
        self.delegate = delegate
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    public func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        try HTTPSPolicy.check(request.url)
        let task = session.dataTask(with: request)
        let box = TaskBox(task)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                delegate.register(box.task, continuation)
                box.task.resume()
            }
        } onCancel: {
            box.task.cancel()
        }
    }
}

private struct TaskBox: @unchecked Sendable {
    let task: URLSessionDataTask
    init(_ task: URLSessionDataTask) { self.task = task }
}

/// Collects each task's data and enforces the redirect rules; one per session.
final class RedirectPolicyDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        var continuation: CheckedContinuation<(Data, HTTPURLResponse), any Error>
        var data = Data()
        var refusedRedirect: URL?
    }

    private let states = Mutex<[Int: State]>([:])

    func register(_ task: URLSessionTask, _ continuation: CheckedContinuation<(Data, HTTPURLResponse), any Error>) {
        states.withLock { $0[task.taskIdentifier] = State(continuation: continuation) }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        states.withLock { $0[dataTask.taskIdentifier]?.data.append(data) }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        guard let target = request.url, (try? HTTPSPolicy.check(target)) != nil else {
            states.withLock { $0[task.taskIdentifier]?.refusedRedirect = request.url ?? URL(string: "about:blank") }
            completionHandler(nil)  // the task then completes with the 3xx answer, turned into an error below
            return
        }
        var next = request
        let from = response.url ?? task.currentRequest?.url ?? task.originalRequest?.url
        if let from, !HTTPSPolicy.sameOrigin(from, target) {
            // A request with a body (the login's password, a record) is never carried to another
            // origin; a GET goes on without its Authorization header.
            let method = task.originalRequest?.httpMethod?.uppercased() ?? "GET"
            guard method == "GET" || method == "HEAD" else {
                states.withLock { $0[task.taskIdentifier]?.refusedRedirect = target }
                completionHandler(nil)
                return
            }
            next.setValue(nil, forHTTPHeaderField: "Authorization")
        }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let state = states.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let refused = state.refusedRedirect {
            state.continuation.resume(
                throwing: PontotelError(
                    .httpsRequired,
                    "refused a redirect to \(HTTPSPolicy.safeText(refused)): only https is allowed, and a request with a body (a login, a write) is never carried to another origin",
                    fix: "check the base URL; the server redirected away from it"))
            return
        }
        if let error {
            state.continuation.resume(throwing: error)
            return
        }
        guard let response = task.response as? HTTPURLResponse else {
            state.continuation.resume(throwing: URLError(.badServerResponse))
            return
        }
        state.continuation.resume(returning: (state.data, response))
    }
}
