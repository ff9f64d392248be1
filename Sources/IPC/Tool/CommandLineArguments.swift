/// A tool's flags, `--name value` and `--switch`, checked as they are read: an unknown flag, a
/// missing value or a value of the wrong form is an `InvalidArgument` naming the flag.
///
/// A tool declares what it accepts by asking for it; `finish()` then rejects whatever is left.
public struct CommandLineArguments {
    /// The arguments not yet asked for.
    public private(set) var remaining: [String]
    public let tool: String

    public init(tool: String, _ arguments: [String]) {
        self.tool = tool
        self.remaining = arguments
    }

    /// True if `--name` is present (and removes it).
    public mutating func flag(_ name: String) -> Bool {
        guard let index = remaining.firstIndex(of: name) else { return false }
        remaining.remove(at: index)
        return true
    }

    /// The value after `--name`, or nil when absent.
    public mutating func value(_ name: String) throws(InvalidArgument) -> String? {
        guard let index = remaining.firstIndex(of: name) else { return nil }
        guard index + 1 < remaining.count, !remaining[index + 1].hasPrefix("--") else {
            throw InvalidArgument("\(name) needs a value")
        }
        let value = remaining[index + 1]
        remaining.removeSubrange(index...(index + 1))
        guard remaining.firstIndex(of: name) == nil else { throw InvalidArgument("\(name) given twice") }
        return value
    }

    /// Every value of a repeatable `--name`, in order.
    public mutating func values(_ name: String) throws(InvalidArgument) -> [String] {
        var found: [String] = []
        while let index = remaining.firstIndex(of: name) {
            guard index + 1 < remaining.count, !remaining[index + 1].hasPrefix("--") else {
                throw InvalidArgument("\(name) needs a value")
            }
            found.append(remaining[index + 1])
            remaining.removeSubrange(index...(index + 1))
        }
        return found
    }

    /// An integer value within `range`.
    public mutating func integer(_ name: String, in range: ClosedRange<Int>) throws(InvalidArgument) -> Int? {
        guard let text = try value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw InvalidArgument("\(name) '\(text)': expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// A decimal value within `range`.
    public mutating func decimal(_ name: String, in range: ClosedRange<Double>) throws(InvalidArgument) -> Double? {
        guard let text = try value(name) else { return nil }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw InvalidArgument("\(name) '\(text)': expected a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// Arguments that are not flags (e.g. file names), removed in order. Ask for every flag
    /// with a value first, or its value would be taken for a positional.
    public mutating func positionals() -> [String] {
        var found: [String] = []
        var index = 0
        while index < remaining.count {
            if remaining[index].hasPrefix("--") {
                index += 1
            } else {
                found.append(remaining.remove(at: index))
            }
        }
        return found
    }

    /// Rejects anything not asked for.
    public func finish() throws(InvalidArgument) {
        if let first = remaining.first {
            throw InvalidArgument(first.hasPrefix("--") ? "unknown option \(first)" : "unexpected argument '\(first)'")
        }
    }
}

/// Exit codes every tool documents (after s6): 0 done, 1 bad input data or a failed run,
/// 100 usage error (bad flag or value), 111 a system call failed (shared memory, files).
public enum ExitCode {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 100
    public static let system: Int32 = 111
}
