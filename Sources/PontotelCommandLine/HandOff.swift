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
        let argv = [path] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        execv(path, &cArguments)
        let reason = String(cString: strerror(errno))
        throw CommandFailure(
            .failure, "cannot run \(path): \(reason)",
            fix: "reinstall with scripts/install; \(program) must sit next to pontotel")
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
