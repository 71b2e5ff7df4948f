import Foundation

/// Refuses to write a plaintext credentials file that git would commit (Pontotel's guide: never
/// commit credentials), or adds it to `.gitignore` when the user asks.
enum GitGuard {
    /// The work tree's top directory when `path` is inside a git work tree and not ignored.
    static func unignoredWorkTree(for path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: directory),
            let top = run(["rev-parse", "--show-toplevel"], in: directory)?.output,
            !top.isEmpty
        else { return nil }
        // check-ignore exits 0 when ignored, 1 when not ignored.
        guard let check = run(["check-ignore", "-q", "--no-index", path], in: directory) else {
            return nil
        }
        return check.status == 0 ? nil : top
    }

    /// Appends the file's path, relative to the work tree, to the work tree's `.gitignore`.
    static func addToGitignore(_ path: String, workTree: String) throws(CredentialError) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let top = URL(fileURLWithPath: workTree).standardizedFileURL.path
        var relative = absolute
        if absolute.hasPrefix(top + "/") { relative = String(absolute.dropFirst(top.count)) }
        let gitignore = top + "/.gitignore"
        var text = (try? String(contentsOfFile: gitignore, encoding: .utf8)) ?? ""
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += "# pontotel credentials: never commit\n\(relative)\n"
        do {
            try text.write(toFile: gitignore, atomically: true, encoding: .utf8)
        } catch {
            throw CredentialError(
                .fileFailure, "Cannot update \(gitignore).", fix: "add \(relative) to it by hand")
        }
    }

    private static func run(_ arguments: [String], in directory: String) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit else { return nil }
        let output = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // 128: not a git repository (or git missing: 127).
        if process.terminationStatus >= 127 { return nil }
        return (process.terminationStatus, output)
    }
}
