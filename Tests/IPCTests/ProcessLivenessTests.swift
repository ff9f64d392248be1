import Foundation
import XCTest

@testable import IPC

/// `ProcessLiveness`, on real processes: this one, a child running, the same child exited but
/// not yet reaped (a zombie: `kill(pid, 0)` still finds it), and the child once reaped.
final class ProcessLivenessTests: XCTestCase {
    func testAliveRunningZombieAndGone() throws {
        XCTAssertTrue(ProcessLiveness.isAlive(getpid()))
        XCTAssertFalse(ProcessLiveness.isZombie(getpid()))

        var child: pid_t = 0
        var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("0.3"), nil]
        defer { for argument in arguments { free(argument) } }
        XCTAssertEqual(posix_spawn(&child, "/bin/sleep", nil, nil, &arguments, environ), 0)
        XCTAssertTrue(ProcessLiveness.isAlive(child), "running")

        // Wait for it to exit without reaping it: WNOWAIT leaves the zombie in place.
        var info = siginfo_t()
        XCTAssertEqual(waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT), 0)
        XCTAssertTrue(ProcessLiveness.isZombie(child), "exited, not reaped")
        XCTAssertFalse(ProcessLiveness.isAlive(child), "a zombie is not alive")

        var status: Int32 = 0
        XCTAssertEqual(waitpid(child, &status, 0), child)
        XCTAssertFalse(ProcessLiveness.isAlive(child), "reaped")
        XCTAssertFalse(ProcessLiveness.isAlive(0))
    }
}
