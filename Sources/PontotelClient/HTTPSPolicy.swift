import Foundation

/// The https-only rule, applied to the base URL, every URL about to be called, redirects and
/// `next` links. There is no switch to turn it off.
enum HTTPSPolicy {
    /// Throws unless `url` is an absolute `https` URL with a host and no user or password in it.
    static func check(_ url: URL?, what: String = "URL") throws(PontotelError) {
        guard let url, let components = URLComponents(url: url, resolvingAgainstBaseURL: true) else {
            throw PontotelError(.httpsRequired, "the \(what) is not a valid URL", fix: "use an https:// URL")
        }
        guard components.scheme?.lowercased() == "https" else {
            throw PontotelError(
                .httpsRequired,
                "refusing the \(what) \(safeText(url)): only https is allowed (no plain http, ever)",
                fix: "use an https:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PontotelError(.httpsRequired, "the \(what) \(safeText(url)) has no host", fix: "use an https:// URL with a host")
        }
        guard components.user == nil, components.password == nil else {
            throw PontotelError(
                .httpsRequired, "the \(what) must not carry a user or password",
                fix: "remove the user:password@ part; the login comes from `pontotel credentials`")
        }
    }

    /// `scheme://host:port` with the default port made explicit, lower-cased.
    static func origin(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let host = url.host?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
        return "\(scheme)://\(host):\(port)"
    }

    static func sameOrigin(_ a: URL, _ b: URL) -> Bool { origin(a) == origin(b) }

    /// The URL without user info, query or fragment, for messages.
    static func safeText(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return "<invalid URL>" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "<invalid URL>"
    }
}
