import Foundation
import PontotelTestSupport
import Testing

/// The no-echo prompt, through a real pseudo-terminal (Python's pty module drives it).
@Suite("Terminal prompt")
struct TerminalPromptTests {
    func drive(_ mode: String) throws -> [String: Any] {
        let (cli, root) = sessionWithoutDBus()
        defer { TestHarness.cleanUp(root) }
        let result = try ProcessRunner.run(
            try TestHarness.python(), ["\(try TestHarness.fixtures())/tty_prompt.py", try TestHarness.binary(), mode],
            environment: cli.environment, stdin: "tty-Secret-9\n", timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func passwordIsNotEchoed() throws {
        let report = try drive("answer")
        #expect(report["transcript_has_prompt"] as? Bool == true)
        #expect(report["echo_during_password_prompt"] as? Bool == false)
        #expect(report["password_echoed"] as? Bool == false)
        #expect(report["exit_status"] as? Int == 0)
    }

    @Test func echoIsRestoredOnCtrlC() throws {
        let report = try drive("interrupt")
        #expect(report["echo_during_password_prompt"] as? Bool == false)
        #expect(report["echo_after_interrupt"] as? Bool == true)
        #expect(report["exit_status"] as? Int != 0)
    }
}
