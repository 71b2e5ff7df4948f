// Replaced by issue 4.
import PontotelCredentials

enum RotationCommands {
    static func rotate(_ raw: [String]) async throws { throw CommandFailure(.failure, "not built yet") }
    static func rollback(_ raw: [String]) throws { throw CommandFailure(.failure, "not built yet") }
}

enum TokenCacheInvalidation {
    static func invalidate(context: CommandContext, environment: PontotelEnvironment) {}
}
