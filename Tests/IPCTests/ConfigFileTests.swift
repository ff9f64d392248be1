import IPC
import XCTest

/// A session file: each tool reads its own section's lines, passes over the others', and names
/// the file and line of anything wrong.
final class ConfigFileTests: XCTestCase {
    let text = """
        # a session
        strategy = as
        gamma = 0.01   # the strategy's
        exec.taker-fee-ppm = 750
        risk.max-drawdown = 50

        exec.queue-model = risk-averse
        """

    func testEachToolReadsItsOwnLines() throws {
        let signal = try ConfigFile(
            path: "s.conf", text: text, parameters: ["strategy", "gamma"], kind: "a strategy parameter")
        XCTAssertEqual(signal.entries.map(\.flag), ["--strategy", "--gamma"])
        XCTAssertEqual(signal.entries.map(\.line), [2, 3])
        let exec = try ConfigFile(
            path: "s.conf", text: text, section: "exec", parameters: ["taker-fee-ppm", "queue-model"],
            kind: "an exec parameter")
        XCTAssertEqual(
            exec.arguments(overriddenBy: ["--taker-fee-ppm", "0"]),
            ["--queue-model", "risk-averse", "--taker-fee-ppm", "0"], "the command line overrides the file")
        let risk = try ConfigFile(
            path: "s.conf", text: text, section: "risk", parameters: ["max-drawdown"], kind: "a risk parameter")
        XCTAssertEqual(risk.entries.map(\.value), ["50"])
        // The strategy's lines, and any not behind exec's name, are signal's to check.
        let other = try ConfigFile(
            path: "s.conf", text: "spread-ticks = 4\nfeed.speed = 2\n", section: "exec", parameters: [],
            kind: "an exec parameter")
        XCTAssertEqual(other.entries.count, 0)
    }

    func testAWrongLineIsNamedWithItsFileAndLine() {
        for (text, section, problem): (String, String?, String) in [
            (
                "exec.fee = 1\n", "exec",
                "s.conf:1: 'exec.fee' is not an exec parameter (exec.queue-model, exec.taker-fee-ppm)"
            ),
            ("feed.speed = 2\n", nil, "s.conf:1: 'feed.speed' is not an exec parameter ("),
            ("exec.queue-model =\n", "exec", "s.conf:1: exec.queue-model needs a value"),
            (
                "exec.queue-model = power\n\nexec.queue-model = proportional\n", "exec",
                "s.conf:3: exec.queue-model already set on line 1"
            ),
            ("exec.queue-model power\n", "risk", "s.conf:1: expected name = value, got 'exec.queue-model power'")
        ] {
            XCTAssertThrowsError(
                try ConfigFile(
                    path: "s.conf", text: text, section: section, parameters: ["taker-fee-ppm", "queue-model"],
                    kind: "an exec parameter")
            ) {
                XCTAssertTrue("\($0)".hasPrefix(problem), "\($0)")
                XCTAssertTrue(($0 as? InvalidArgument)?.isBadInput ?? false, "a file the user named: bad input")
            }
        }
    }

    func testAnErrorInAValueIsPlacedAtItsLine() throws {
        let exec = try ConfigFile(
            path: "s.conf", text: text, section: "exec", parameters: ["taker-fee-ppm", "queue-model"],
            kind: "an exec parameter")
        let located = exec.locate(InvalidArgument("--taker-fee-ppm '750': too much"), commandLine: [])
        XCTAssertEqual(located.description, "s.conf:4: taker-fee-ppm '750': too much")
        XCTAssertEqual(
            exec.locate(InvalidArgument("--taker-fee-ppm '1': too much"), commandLine: ["--taker-fee-ppm", "1"])
                .description, "--taker-fee-ppm '1': too much", "the command line's own value")
    }
}
