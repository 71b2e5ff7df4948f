// Replaced by issue 3 (PontotelClient).
enum APICommands {
    static func run(_ command: String, _ raw: [String]) async throws { throw CommandFailure(.failure, "not built yet") }
}

enum ClientErrorMapping {
    static func failure(for error: Error) -> CommandFailure { CommandFailure(.failure, "\(type(of: error))") }
}
