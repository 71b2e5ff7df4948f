// Temporary: replaced as issues 3 and 4 land.
import PontotelCredentials
enum RotationCommands {
    static func rotate(_ raw: [String]) async throws { throw CommandFailure(.failure, "not built yet") }
    static func rollback(_ raw: [String]) throws { throw CommandFailure(.failure, "not built yet") }
}
enum TokenCacheInvalidation {
    static func invalidate(context: CommandContext, environment: PontotelEnvironment) {}
}
enum APICommands {
    static func run(_ command: String, _ raw: [String]) async throws { throw CommandFailure(.failure, "not built yet") }
}
enum ClientErrorMapping {
    static func failure(for error: Error) -> CommandFailure { CommandFailure(.failure, "\(type(of: error))") }
}
