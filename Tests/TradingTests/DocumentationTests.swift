import Foundation
import TestSupport
import XCTest

/// The docs as a reference: each tool's page names every option its `--help` does, with the
/// default its help gives; every link between the pages leads to a file, and the README stays a
/// page you read in a minute.
final class DocumentationTests: XCTestCase {
    let root: URL = {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        return directory
    }()

    func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The `--flags` a usage text names.
    func flags(_ usage: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: "--[a-z][a-z0-9-]*")
        let range = NSRange(usage.startIndex..., in: usage)
        return Set(pattern.matches(in: usage, range: range).map { String(usage[Range($0.range, in: usage)!]) })
    }

    func testEveryToolsPageNamesEveryOptionOfItsHelp() throws {
        for tool in ["feed", "book", "signal", "exec", "risk"] {
            let help = try ChildProcess(tool, ["--help"]).finish()
            XCTAssertEqual(help.status, 0, help.err)
            let page = try text("docs/\(tool).md")
            let missing = flags(help.out).filter { !page.contains("`\($0)") }
            XCTAssertEqual(missing.sorted(), [], "docs/\(tool).md does not name these options of `\(tool) --help`")
        }
        let runScript = try ChildProcess(root.appendingPathComponent("run.sh").path, ["--help"]).finish()
        XCTAssertEqual(runScript.status, 0, runScript.err)
        let operations = try text("docs/operations.md")
        let missing = flags(runScript.out).filter { !operations.contains("`\($0)") }
        XCTAssertEqual(missing.sorted(), [], "docs/operations.md does not name these options of `./run.sh --help`")
    }

    /// Each `--help` gives every option's default (its VALUE naming the unit) in a `defaults`
    /// block, the same default as the tool's page: the help and the docs cannot drift apart.
    func testEveryHelpGivesEachOptionsDefaultAsItsPageDoes() throws {
        let tools: [(help: [String], page: String)] =
            ["feed", "book", "signal", "exec", "risk"].map { ([$0], "docs/\($0).md") }
            + [([root.appendingPathComponent("run.sh").path], "docs/operations.md")]
        for (command, page) in tools {
            let help = try ChildProcess(command[0], ["--help"]).finish()
            XCTAssertEqual(help.status, 0, help.err)
            let lines = help.out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("defaults (") }, "\(command[0]): \(help.out)")
            let block = lines[start...].prefix { !$0.hasPrefix("exit codes:") }
            // The page's table: option, default (empty: none for a valued option, off for a switch).
            for line in try text(page).split(separator: "\n") where line.hasPrefix("| `--") {
                let cells = line.replacingOccurrences(of: "\\|", with: "\u{1}").split(
                    separator: "|", omittingEmptySubsequences: false
                ).map { $0.replacingOccurrences(of: "\u{1}", with: "|").replacingOccurrences(of: "`", with: "") }
                let option = cells[1].trimmingCharacters(in: .whitespaces)
                guard !option.hasPrefix("--check-options"), !option.hasPrefix("--cpu") else { continue }
                var value = cells[2].trimmingCharacters(in: .whitespaces)
                if value.isEmpty {
                    value =
                        option.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).contains(" ") }
                        ? "none" : "off"
                }
                XCTAssertTrue(
                    block.contains { $0.hasPrefix(option + " ") && $0.hasSuffix(" " + value) },
                    "\(command[0]) --help gives \(option) the default of \(page) (\(value))")
            }
            // And every option of the synopsis has its line there.
            // The synopsis: the usage line and its continuations (not the subcommands or the prose).
            let synopsis = lines[..<start].prefix { $0.hasPrefix("usage:") || $0.hasPrefix("[") }.joined(
                separator: "\n")
            let listed = flags(block.joined(separator: "\n"))
            let missing = flags(synopsis).subtracting(listed).subtracting(["--check-options", "--cpu", "--help"])
            XCTAssertEqual(missing.sorted(), [], "\(command[0]) --help: options without a default line")
        }
    }

    func testEveryLinkBetweenThePagesLeadsToAFile() throws {
        let pages =
            ["README.md", "BENCHMARKS.md"]
            + (try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path))
            .filter { $0.hasSuffix(".md") }.map { "docs/\($0)" }
        let link = try NSRegularExpression(pattern: "\\]\\(([^)#:]+)(#[^)]*)?\\)")
        var checked = 0
        for page in pages {
            let content = try text(page)
            let base = root.appendingPathComponent(page).deletingLastPathComponent()
            for match in link.matches(in: content, range: NSRange(content.startIndex..., in: content)) {
                let target = String(content[Range(match.range(at: 1), in: content)!])
                XCTAssertTrue(
                    FileManager.default.fileExists(atPath: base.appendingPathComponent(target).path),
                    "\(page) links to \(target), which is not there")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
    }

    func testTheREADMEIsShort() throws {
        let lines = try text("README.md").split(separator: "\n", omittingEmptySubsequences: false).count
        XCTAssertLessThanOrEqual(lines, 200, "the README is the front page; the reference is under docs/")
    }
}
