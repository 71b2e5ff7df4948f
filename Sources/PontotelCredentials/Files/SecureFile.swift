import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// File operations for files that hold secrets: owner-only modes, atomic replacement, locking.
enum SecureFile {
    /// The file's bytes, or nil when it does not exist.
    static func read(_ path: String) throws(CredentialError) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CredentialError(
                .fileFailure, "Cannot read \(path): \(describe(errno)).",
                fix: "check the file's owner and permissions (it should be yours, mode 0600)")
        }
    }

    /// Creates `path`'s directory (mode 0700 for directories we create) if needed.
    static func ensureDirectory(_ directory: String) throws(CredentialError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CredentialError(
                    .fileFailure, "\(directory) exists and is not a directory.",
                    fix: "move it away or choose another file with --dotenv")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw CredentialError(
                .fileFailure, "Cannot create the directory \(directory).",
                fix: "check the permissions of its parent directory")
        }
    }

    /// Replaces `path` with `data` atomically: a temporary file in the same directory, written
    /// with mode 0600, fsynced, renamed over the target, then the directory fsynced. A crash
    /// leaves the old file or the new one, never a torn one.
    static func atomicWrite(_ data: Data, to path: String) throws(CredentialError) {
        let directory = (path as NSString).deletingLastPathComponent
        try ensureDirectory(directory.isEmpty ? "." : directory)
        var template = Array(
            "\(directory.isEmpty ? "." : directory)/.\((path as NSString).lastPathComponent).tmp-XXXXXX"
                .utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw CredentialError(
                .fileFailure, "Cannot create a temporary file next to \(path): \(describe(errno)).",
                fix: "check that the directory \(directory) is writable")
        }
        let temporary = String(cString: template)
        var succeeded = false
        defer {
            if !succeeded { unlink(temporary) }
        }
        fchmod(fd, 0o600)
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
        let synced = written && fsync(fd) == 0
        close(fd)
        guard synced else {
            throw CredentialError(
                .fileFailure, "Cannot write \(path): \(describe(errno)). The old file is unchanged.",
                fix: "check free disk space and permissions")
        }
        guard rename(temporary, path) == 0 else {
            throw CredentialError(
                .fileFailure, "Cannot replace \(path): \(describe(errno)). The old file is unchanged.",
                fix: "check the permissions of \(directory)")
        }
        succeeded = true
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// How long a writer waits for another one's lock before giving up with an error.
    static let lockTimeout: TimeInterval = 10

    /// Runs `body` while holding an exclusive `flock` on `<path>.lock` (mode 0600), so that
    /// concurrent read-modify-write cycles from many processes never lose an update.
    static func withExclusiveLock<T>(
        _ path: String, _ body: () throws(CredentialError) -> T
    ) throws(CredentialError) -> T {
        let lockPath = path + ".lock"
        try ensureDirectory((lockPath as NSString).deletingLastPathComponent)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CredentialError(
                .fileFailure, "Cannot open the lock file \(lockPath): \(describe(errno)).",
                fix: "check the permissions of its directory")
        }
        defer { close(fd) }
        // Never wait forever: a writer holds the lock for milliseconds, so a lock held this long
        // belongs to a process that is stopped or stuck.
        let deadline = Date().addingTimeInterval(lockTimeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw CredentialError(
                    .fileFailure, "Cannot lock \(lockPath): \(describe(errno)).", fix: "check the permissions of its directory")
            }
            guard Date() < deadline else {
                throw CredentialError(
                    .fileFailure,
                    "Another process has held the lock on \(path) for more than \(Int(lockTimeout)) s; nothing was changed.",
                    fix: "let the other pontotel finish (or stop it), then try again")
            }
            usleep(10_000)
        }
        defer { flock(fd, LOCK_UN) }
        removeStaleTemporaries(of: path)
        return try body()
    }

    /// Temporary files of `path` left by a writer that was killed before its rename: they may
    /// hold secrets, and under the lock no other writer can own one, so they are removed.
    static func removeStaleTemporaries(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = ".\((path as NSString).lastPathComponent).tmp-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        for name in names where name.hasPrefix(prefix) {
            unlink((directory.isEmpty ? "." : directory) + "/" + name)
        }
    }

    /// Mode bits of the file, or nil when it does not exist.
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    /// A warning when a file holding secrets can be read by group or others, with the fix.
    static func permissionWarning(_ path: String) -> String? {
        guard let mode = mode(path), mode & 0o077 != 0 else { return nil }
        return "\(path) holds credentials and is readable by others (mode \(String(mode, radix: 8))): run `chmod 600 \(path)`"
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
