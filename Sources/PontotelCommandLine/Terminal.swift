import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reading secrets from the user: a no-echo terminal prompt, or one line of standard input.
package enum Terminal {
    nonisolated(unsafe) private static var savedAttributes = termios()
    nonisolated(unsafe) private static var savedDescriptor: Int32 = -1

    package static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Prompts on the terminal (`/dev/tty`) and reads one line. With `echo: false` the typing is
    /// hidden, and echo is restored even when the user presses Ctrl-C.
    package static func prompt(_ text: String, echo: Bool) throws(CommandFailure) -> String {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .usage(
                "there is no terminal to prompt on",
                fix: "pipe the password with --password-stdin (and give --username)")
        }
        defer { close(fd) }
        writeAll(fd, text)
        var original = termios()
        let isTTY = tcgetattr(fd, &original) == 0
        if !echo && isTTY {
            savedAttributes = original
            savedDescriptor = fd
            signal(SIGINT, restoreAndExit)
            signal(SIGTERM, restoreAndExit)
            signal(SIGHUP, restoreAndExit)
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO | ECHONL)
            silent.c_lflag |= tcflag_t(ICANON)
            tcsetattr(fd, TCSAFLUSH, &silent)
        }
        defer {
            if !echo && isTTY {
                tcsetattr(fd, TCSAFLUSH, &original)
                savedDescriptor = -1
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
                signal(SIGHUP, SIG_DFL)
                writeAll(fd, "\n")
            }
        }
        guard let line = readLine(fd) else {
            throw CommandFailure(.failure, "no input was given at the prompt")
        }
        return line
    }

    /// One line from standard input, without its line ending (`--password-stdin`).
    package static func readStandardInputLine() throws(CommandFailure) -> String {
        guard let line = readLine(STDIN_FILENO) else {
            throw .usage("standard input was empty", fix: "pipe the password, e.g. `printf '%s\\n' \"$PW\" | pontotel ... --password-stdin`")
        }
        return line
    }

    private static func readLine(_ fd: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        var sawAny = false
        while true {
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            sawAny = true
            if byte == 10 { break }
            bytes.append(byte)
        }
        if bytes.last == 13 { bytes.removeLast() }
        defer { for index in bytes.indices { bytes[index] = 0 } }
        return sawAny ? String(decoding: bytes, as: UTF8.self) : nil
    }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

/// Signal handler: put the terminal back as it was, then die of the signal as usual.
private func restoreAndExit(_ signalNumber: Int32) {
    if Terminal.descriptorForSignal >= 0 {
        var attributes = Terminal.attributesForSignal
        tcsetattr(Terminal.descriptorForSignal, TCSANOW, &attributes)
        _ = write(Terminal.descriptorForSignal, "\n", 1)
    }
    signal(signalNumber, SIG_DFL)
    raise(signalNumber)
}

extension Terminal {
    package static var descriptorForSignal: Int32 { savedDescriptor }
    package static var attributesForSignal: termios { savedAttributes }
}
