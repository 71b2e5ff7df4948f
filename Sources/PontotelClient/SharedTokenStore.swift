import Foundation
import PontotelCredentials

/// Where tokens can be kept beyond one client (a keyring entry, a private file), so that
/// several processes share one login. The token manager calls ``load(_:)`` before logging in,
/// ``save(_:for:)`` after, ``remove(_:)`` when the API refuses the token, and runs the whole
/// check-then-login inside ``withLoginLock(_:_:)`` so that only one process logs in.
///
/// `TokenKey` and `CachedToken` come from `PontotelCredentials`; its `SharedTokenCache`
/// (keyring, else 0600 files) conforms.
public protocol SharedTokenStore: Sendable {
    func load(_ key: TokenKey) -> CachedToken?
    func save(_ token: CachedToken, for key: TokenKey)
    func remove(_ key: TokenKey)
    func withLoginLock<T>(_ key: TokenKey, _ body: () async throws -> T) async rethrows -> T
}

extension SharedTokenCache: SharedTokenStore {}
