/// A session's parameters kept in a file (`--config FILE`), one `name = value` per line, `#`
/// starting a comment. The strategy's are named as signal's flags without their dashes; exec's
/// and risk's carry their tool's name first (`exec.maker-fee-ppm`, `risk.max-drawdown`), so one
/// file covers the session:
///
///     # Avellaneda-Stoikov on BTCUSDT, on the paper venue
///     strategy = as
///     gamma = 0.01
///     quote-size = 0.01
///     exec.taker-fee-ppm = 750
///     risk.max-drawdown = 50
///
/// Each tool reads its section (`section`: nil for the unprefixed lines, signal's) and passes over
/// the others'. The lines become flags placed ahead of the command line's, which override them. A
/// name that is not one of the section's parameters, a line without `=`, or a name given twice
/// is an error naming the file and line; a bad value is named the same way when the flags are
/// read. Each is bad input (exit 1), as any file a user names is, not a usage error.
public struct ConfigFile {
    /// The tools with a section of their own.
    public static let sections = ["exec", "risk"]
    static let largestFile = 65_536

    public let path: String
    /// `--name value` pairs of the section, in file order, with the line each came from.
    public private(set) var entries: [(flag: String, value: String, line: Int)] = []

    /// `parameters`: the names the section may set (without its prefix); `kind` names them in an
    /// error ("a strategy parameter").
    public init(path: String, section: String? = nil, parameters: Set<String>, kind: String) throws(InvalidArgument) {
        try self.init(
            path: path, text: try ConfigFile.contents(of: path), section: section, parameters: parameters, kind: kind)
    }

    public init(
        path: String, text: String, section: String? = nil, parameters: Set<String>, kind: String
    ) throws(InvalidArgument) {
        self.path = path
        let prefix = section.map { $0 + "." } ?? ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let content = raw.prefix { $0 != "#" }.trimmingSpaces
            if content.isEmpty { continue }
            guard let equals = content.firstIndex(of: "=") else {
                throw InvalidArgument("\(path):\(line): expected name = value, got '\(content)'", isBadInput: true)
            }
            let written = String(content[..<equals].trimmingSpaces)
            let value = String(content[content.index(after: equals)...].trimmingSpaces)
            // Another tool's line (a section reads only its prefix's lines; signal the unprefixed
            // rest): that tool reads it.
            let othersLine =
                section != nil
                ? !written.hasPrefix(prefix) : ConfigFile.sections.contains { written.hasPrefix($0 + ".") }
            if othersLine { continue }
            let name = String(written.dropFirst(prefix.count))
            guard parameters.contains(name) else {
                throw InvalidArgument(
                    "\(path):\(line): '\(written)' is not \(kind) "
                        + "(\(parameters.sorted().map { prefix + $0 }.joined(separator: ", ")))", isBadInput: true)
            }
            guard !value.isEmpty else {
                throw InvalidArgument("\(path):\(line): \(written) needs a value", isBadInput: true)
            }
            if let earlier = entries.first(where: { $0.flag == "--\(name)" }) {
                throw InvalidArgument(
                    "\(path):\(line): \(written) already set on line \(earlier.line)", isBadInput: true)
            }
            entries.append(("--\(name)", value, line))
        }
    }

    /// The file's flags that the command line does not set, then the command line.
    public func arguments(overriddenBy commandLine: [String]) -> [String] {
        entries.filter { !commandLine.contains($0.flag) }.flatMap { [$0.flag, $0.value] } + commandLine
    }

    /// An error about one of the file's flags, placed at its line.
    public func locate(_ error: InvalidArgument, commandLine: [String]) -> InvalidArgument {
        guard let entry = entries.first(where: { error.description.hasPrefix("\($0.flag) ") }),
            !commandLine.contains(entry.flag)
        else { return error }
        return InvalidArgument("\(path):\(entry.line): \(error.description.dropFirst(2))", isBadInput: true)
    }

    /// A tool's options from `arguments` with the file `--config FILE` names read as `section`'s
    /// lines under them (`parse` makes them from flags); an error in one of the file's values is
    /// placed at its line.
    public static func parse<Options>(
        _ arguments: [String], section: String?, parameters: Set<String>, kind: String,
        _ parse: ([String]) throws(InvalidArgument) -> Options
    ) throws(InvalidArgument) -> Options {
        guard let index = arguments.firstIndex(of: "--config") else { return try parse(arguments) }
        guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else {
            throw InvalidArgument("--config needs a value")
        }
        var commandLine = arguments
        let file = try ConfigFile(path: commandLine[index + 1], section: section, parameters: parameters, kind: kind)
        commandLine.removeSubrange(index...(index + 1))
        guard !commandLine.contains("--config") else { throw InvalidArgument("--config given twice") }
        do { return try parse(file.arguments(overriddenBy: commandLine)) } catch {
            throw file.locate(error, commandLine: commandLine)
        }
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
