import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Replaces this process with a sibling executable (installed next to `pontotel`), passing the
/// command line, standard streams and environment through unchanged. Nothing secret is in the
/// arguments: passwords travel only on stdin or in the stores.
package enum HandOff {
    package static func exec(_ program: String, _ arguments: [String]) throws(CommandFailure) -> Never {
        let path = siblingPath(program)
        let reason = replaceProcess(path, arguments: [path] + arguments, environment: nil)
        throw CommandFailure(
            .failure, "cannot run \(path): \(reason)",
            fix: "reinstall with scripts/install; \(program) must sit next to pontotel")
    }

    /// `execv`/`execve`: returns (the reason, from errno) only when the program could not start.
    /// `environment` nil keeps this process's environment.
    package static func replaceProcess(_ path: String, arguments: [String], environment: [String: String]?) -> String {
        var cArguments = arguments.map { strdup($0) } + [nil]
        if let environment {
            var cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            execve(path, &cArguments, &cEnvironment)
        } else {
            execv(path, &cArguments)
        }
        return String(cString: strerror(errno))
    }

    /// `program` in the directory of the running executable.
    static func siblingPath(_ program: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        let executable = length > 0 ? String(cString: buffer) : CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent + "/" + program
    }

    package static func failure(_ error: any Error) -> CommandFailure {
        CommandFailure(.failure, "unexpected error (\(type(of: error)))")
    }
}
