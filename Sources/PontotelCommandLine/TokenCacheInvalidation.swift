import PontotelCredentials

/// Dropping cached bearer tokens after the login changed (set, rotate, rollback, delete).
package enum TokenCacheInvalidation {
    package static func invalidate(context: CommandContext, environment: PontotelEnvironment) {
        SharedTokenCache(settings: context.settings).removeAll(environment)
    }
}
