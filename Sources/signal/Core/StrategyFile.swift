import Glibc
import IPC

/// A strategy's parameters kept in a file (`signal --config FILE`), one `name = value` per line,
/// `#` starting a comment; the names are the strategy flags without their dashes:
///
///     # Avellaneda-Stoikov on BTCUSDT
///     strategy = as
///     gamma = 0.01
///     quote-size = 0.01
///
/// The file's lines become flags placed ahead of the command line's, which override them. A
/// name that is not a strategy parameter, a line without `=`, or a name given twice is an error
/// naming the file and line; a bad value is named the same way when the flags are read. Each is
/// bad input (exit 1), as any file a user names is, not a usage error.
struct StrategyFile {
    /// The names a file may set: signal's own and every strategy's parameters.
    let parameters: Set<String>
    static let largestFile = 65_536

    let path: String
    /// `--name value` pairs in file order, with the line each came from.
    private(set) var entries: [(flag: String, value: String, line: Int)] = []

    init(path: String, parameters: Set<String>) throws(InvalidArgument) {
        try self.init(path: path, text: try StrategyFile.contents(of: path), parameters: parameters)
    }

    init(path: String, text: String, parameters: Set<String>) throws(InvalidArgument) {
        self.path = path
        self.parameters = parameters
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let content = raw.prefix { $0 != "#" }.trimmingSpaces
            if content.isEmpty { continue }
            guard let equals = content.firstIndex(of: "=") else {
                throw InvalidArgument("\(path):\(line): expected name = value, got '\(content)'", isBadInput: true)
            }
            let name = String(content[..<equals].trimmingSpaces)
            let value = String(content[content.index(after: equals)...].trimmingSpaces)
            guard parameters.contains(name) else {
                throw InvalidArgument(
                    "\(path):\(line): '\(name)' is not a strategy parameter "
                        + "(\(parameters.sorted().joined(separator: ", ")))", isBadInput: true)
            }
            guard !value.isEmpty else {
                throw InvalidArgument("\(path):\(line): \(name) needs a value", isBadInput: true)
            }
            if let earlier = entries.first(where: { $0.flag == "--\(name)" }) {
                throw InvalidArgument("\(path):\(line): \(name) already set on line \(earlier.line)", isBadInput: true)
            }
            entries.append(("--\(name)", value, line))
        }
    }

    /// The file's flags that the command line does not set, then the command line.
    func arguments(overriddenBy commandLine: [String]) -> [String] {
        entries.filter { !commandLine.contains($0.flag) }.flatMap { [$0.flag, $0.value] } + commandLine
    }

    /// An error about one of the file's flags, placed at its line.
    func locate(_ error: InvalidArgument, commandLine: [String]) -> InvalidArgument {
        guard let entry = entries.first(where: { error.description.hasPrefix("\($0.flag) ") }),
            !commandLine.contains(entry.flag)
        else { return error }
        return InvalidArgument("\(path):\(entry.line): \(error.description.dropFirst(2))", isBadInput: true)
    }

    private static func contents(of path: String) throws(InvalidArgument) -> String {
        do { return try TextFile.read(path, limit: largestFile) } catch {
            throw InvalidArgument("--config \(path): \(error)", isBadInput: true)
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" || first == "\r" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" || last == "\r" { result.removeLast() }
        return result
    }
}
