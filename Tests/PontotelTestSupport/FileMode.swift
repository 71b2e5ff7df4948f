import Foundation

/// Permission bits of a file, or -1 when it cannot be read: for asserting 0600/0700.
public enum FileMode {
    public static func of(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }
}
