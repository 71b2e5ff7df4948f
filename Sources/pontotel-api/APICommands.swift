import Foundation
import PontotelClient
import PontotelCommandLine
import PontotelCredentials

#if canImport(Glibc)
    import Glibc
#endif

/// `pontotel login | api | token | exec`: authenticated calls with the stored login.
enum APICommands {
    static let loginUsage = "usage: pontotel login [--env E] [--store S] [--dotenv PATH]"
    static let apiUsage = """
        usage: pontotel api [-X METHOD] PATH [-q key=value]... [--all] [--ndjson] [--page-size N]
                            [--data JSON|@file|@-] [--env E] [--store S] [--dotenv PATH]

          PATH             relative to the API base URL, e.g. /empregados/ or /empregados/12/
          -X, --method M   GET (default; POST when --data is given), POST, PUT, PATCH, DELETE
          -q, --query k=v  a query parameter (filters: -q cpf=123, -q is_active=true, -q id=em.(1,2))
          --all            walk every page (GET lists) and print one JSON array of the results
          --ndjson         with --all: one JSON object per line instead of an array
          --page-size N    1-100 (default 100 with --all)
          --data BODY      a JSON body: literal JSON, @file, or @- for standard input
        """
    static let tokenUsage = "usage: pontotel token [--env E] [--store S] [--dotenv PATH]   (prints a bearer token: treat it as a secret)"
    static let execUsage = "usage: pontotel exec [--env E] [--store S] [--dotenv PATH] -- CMD [ARGS...]"

    static func run(_ command: String, _ raw: [String]) async throws {
        switch command {
        case "login": try await login(raw)
        case "api": try await api(raw)
        case "token": try await token(raw)
        case "exec": try await exec(raw)
        default: throw CommandFailure.usage("unknown command \"\(command)\"", fix: "run `pontotel --help`")
        }
    }

    // MARK: Commands

    static func login(_ raw: [String]) async throws {
        let arguments = try parseArguments(raw, spec: CommandSpec(usage: loginUsage, options: CommandContext.storeOptions))
        if handledHelp(arguments, loginUsage) { return }
        // Always a real login: a cached token would prove nothing about the stored password.
        let (context, client, username) = try makeClient(arguments, sharesTokens: false)
        let token = try await client.token()
        let key = TokenKey(environment: context.environment, username: username, baseURL: client.baseURL.absoluteString)
        client.configuration.sharedTokenStore?.save(token, for: key)
        let minutes = Int(token.expiresAt.timeIntervalSinceNow / 60)
        Output.out(
            "logged in to \(context.environment) (\(client.baseURL.absoluteString)) as \(username); token expires at \(ISO8601DateFormatter().string(from: token.expiresAt)) (in \(minutes) min)")
    }

    static func token(_ raw: [String]) async throws {
        let arguments = try parseArguments(raw, spec: CommandSpec(usage: tokenUsage, options: CommandContext.storeOptions))
        if handledHelp(arguments, tokenUsage) { return }
        let (_, client, _) = try makeClient(arguments)
        Output.printSecret(try await client.token().token.reveal())
    }

    static func exec(_ raw: [String]) async throws {
        let spec = CommandSpec(usage: execUsage, options: CommandContext.storeOptions, acceptsTrailing: true)
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, execUsage) { return }
        guard !arguments.trailing.isEmpty else {
            throw CommandFailure.usage("exec needs a command after --", fix: "usage: pontotel exec -- CMD [ARGS...]")
        }
        let (context, client, _) = try makeClient(arguments)
        let token = try await client.token()
        let environment = childEnvironment(
            ProcessInfo.processInfo.environment, token: token.token.reveal(), baseURL: client.baseURL,
            environment: context.environment)
        // Replace this process (like `aws-vault exec`): signals, the terminal and the exit status
        // are the child's own. `env` finds CMD on the child's PATH.
        let reason = HandOff.replaceProcess(
            "/usr/bin/env", arguments: ["/usr/bin/env", "--"] + arguments.trailing, environment: environment)
        throw CommandFailure(
            .failure, "cannot start \(arguments.trailing[0]): \(reason)",
            fix: "check the command name and PATH")
    }

    /// The child's environment: ours without any password variable, plus the token, base URL
    /// and environment name.
    static func childEnvironment(
        _ parent: [String: String], token: String, baseURL: URL, environment: PontotelEnvironment
    ) -> [String: String] {
        // The login variables go entirely (a username without its password would be a broken
        // login for a nested `pontotel`, which uses PONTOTEL_TOKEN's environment instead).
        var child = parent.filter { name, _ in
            let upper = name.uppercased()
            return !(upper.hasPrefix("PONTOTEL_") && (upper.hasSuffix("PASSWORD") || upper.hasSuffix("USERNAME")))
        }
        child["PONTOTEL_TOKEN"] = token
        child["PONTOTEL_BASE_URL"] = baseURL.absoluteString
        child["PONTOTEL_ENV"] = environment.rawValue
        return child
    }

    static func api(_ raw: [String]) async throws {
        let options = CommandContext.storeOptions.merging([
            "method": .value, "query": .repeated, "all": .flag, "ndjson": .flag, "page-size": .value, "data": .value,
        ]) { $1 }
        let spec = CommandSpec(
            usage: apiUsage, options: options, aliases: ["-X": "--method", "-q": "--query", "-d": "--data"],
            maxPositionals: 1)
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, apiUsage) { return }
        guard let path = arguments.positionals.first else {
            throw CommandFailure.usage("api needs a PATH, such as /empregados/", fix: apiUsage)
        }
        let query = try parseQuery(arguments.all("query"))
        let body = try arguments.value("data").map(readBody)
        let method = try parseMethod(arguments.value("method"), hasBody: body != nil)
        var pageSize: Int?
        if let text = arguments.value("page-size") {
            guard let size = Int(text), (1...100).contains(size) else {
                throw CommandFailure.usage("--page-size must be a whole number from 1 to 100, not \"\(text)\"")
            }
            pageSize = size
        }
        let all = arguments.flag("all")
        if arguments.flag("ndjson") && !all {
            throw CommandFailure.usage("--ndjson only goes with --all", fix: "add --all to walk every page")
        }
        if all && (method != .get || body != nil) {
            throw CommandFailure.usage("--all only works with GET and no --data")
        }
        let (_, client, _) = try makeClient(arguments)
        if all {
            try await printAll(client, path: path, query: query, pageSize: pageSize ?? 100, ndjson: arguments.flag("ndjson"))
            return
        }
        var fullQuery = query
        if let pageSize { fullQuery = fullQuery.filter { $0.name != "page_size" } + [URLQueryItem(name: "page_size", value: String(pageSize))] }
        let data = try await client.send(method, path, query: fullQuery, body: body)
        guard !data.isEmpty else { return }
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw PontotelError(
                .invalidResponse, "the answer is not JSON (\(data.count) bytes)", method: method.rawValue, path: path)
        }
        Output.json(object)
    }

    // MARK: Helpers

    static func makeClient(
        _ arguments: ParsedArguments, sharesTokens: Bool = true
    ) throws -> (CommandContext, PontotelClient, String) {
        let context = try CommandContext(arguments)
        // The HTTPS policy first: a bad base URL is refused before anything else is touched.
        _ = try PontotelClient.resolveBaseURL(nil, environment: context.environment, variables: context.settings.environment)
        let resolved = try context.resolve(includeMetadata: false)
        var configuration = PontotelClient.Configuration()
        configuration.environmentVariables = context.settings.environment
        configuration.sharesTokens = sharesTokens
        configuration.sharedTokenStore = SharedTokenCache(settings: context.settings)
        let client = try PontotelClient(
            environment: context.environment, login: .fixed(resolved.login), configuration: configuration)
        return (context, client, resolved.login.username)
    }

    static func printAll(_ client: PontotelClient, path: String, query: [URLQueryItem], pageSize: Int, ndjson: Bool) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var first = true
        if !ndjson { FileHandle.standardOutput.write(Data("[".utf8)) }
        for try await item in client.items(path, query: query, pageSize: pageSize, as: JSONValue.self) {
            var line = try encoder.encode(item)
            if !ndjson { line = Data(((first ? "\n  " : ",\n  ")).utf8) + line }
            if ndjson { line.append(contentsOf: Array("\n".utf8)) }
            FileHandle.standardOutput.write(line)
            first = false
        }
        if !ndjson { FileHandle.standardOutput.write(Data((first ? "]\n" : "\n]\n").utf8)) }
    }

    static func parseQuery(_ values: [String]) throws(CommandFailure) -> [URLQueryItem] {
        try values.map { (text: String) throws(CommandFailure) -> URLQueryItem in
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw CommandFailure.usage("-q needs key=value, not \"\(text)\"", fix: "e.g. -q cpf=12345678909")
            }
            return URLQueryItem(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
        }
    }

    static func parseMethod(_ text: String?, hasBody: Bool) throws(CommandFailure) -> HTTPMethod {
        guard let text else { return hasBody ? .post : .get }
        let method = HTTPMethod(rawValue: text)
        guard [HTTPMethod.get, .post, .put, .patch, .delete, .head, .options].contains(method) else {
            throw CommandFailure.usage("-X must be GET, POST, PUT, PATCH or DELETE, not \"\(text)\"")
        }
        return method
    }

    /// `--data`: literal JSON, `@file` or `@-` (standard input); must be valid JSON.
    static func readBody(_ value: String) throws(CommandFailure) -> Data {
        let data: Data
        if value == "@-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else if value.hasPrefix("@") {
            let path = String(value.dropFirst())
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CommandFailure.usage("cannot read the --data file \(path)", fix: "check the path, or pass the JSON inline")
            }
            data = contents
        } else {
            data = Data(value.utf8)
        }
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw CommandFailure.usage("--data is not valid JSON", fix: "pass a JSON object such as '{\"nome\": \"Ana\"}', @file or @-")
        }
        return data
    }
}

/// Turns any error that is not a `CredentialError` into a message and an exit code:
/// 4 login rejected by the API, 6 network/TLS/HTTPS policy, 7 other API error (including a
/// response that is not the JSON expected), 64 a request refused as invalid, 1 anything else.
enum ClientErrorMapping {
    static func failure(for error: any Error) -> CommandFailure {
        guard let error = error as? PontotelError else {
            if error is CancellationError { return CommandFailure(.failure, "cancelled") }
            return CommandFailure(.failure, "unexpected error (\(type(of: error)))")
        }
        let exitCode: ExitCode =
            switch error.code {
            case .authenticationFailed: .loginRejected
            case .httpsRequired, .network: .network
            case .api, .rateLimited, .invalidResponse: .apiError
            case .invalidRequest: .usage
            default: .failure
            }
        var message = error
        message.fix = nil
        return CommandFailure(exitCode, message.description, fix: error.fix)
    }
}
