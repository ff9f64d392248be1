import IPC

/// A strategy's parameters, declared once: the values with their defaults, and for each one its
/// name, the kind of value it takes and its range. signal's flags (`--name value`), its strategy
/// files (`name = value`), its --help and the parsing of all three come from this declaration.
///
/// ```swift
/// static let parameters = StrategyParameters(Parameters(), [
///     .integer("spread-ticks", \.spreadTicks, in: 1...1_000_000, value: "N"),
///     .decimal("kappa", \.kappa, in: 1e-9...1e6, or: "estimate", value: "K|estimate"),
/// ])
/// ```
public struct StrategyParameters<Values> {
    public let defaults: Values
    public let list: [StrategyParameter<Values>]

    public init(_ defaults: Values, _ list: [StrategyParameter<Values>]) {
        var seen = Set<String>()
        for parameter in list {
            precondition(seen.insert(parameter.name).inserted, "parameter \(parameter.name) declared twice")
            precondition(
                !SignalOptions.ownNames.contains(parameter.name),
                "parameter \(parameter.name) is one of signal's own")
        }
        self.defaults = defaults
        self.list = list
    }

    public var names: [String] { list.map(\.name) }

    /// The defaults with the given `--name value` pairs applied; an error names the flag.
    public func values(_ arguments: [(flag: String, value: String)]) throws(InvalidArgument) -> Values {
        var values = defaults
        for (flag, text) in arguments {
            guard let parameter = list.first(where: { "--\($0.name)" == flag }) else {
                throw InvalidArgument("unknown option \(flag)")
            }
            try parameter.parse(&values, text)
        }
        return values
    }
}

/// One parameter of a strategy: a name (the flag without its dashes), the field of the strategy's
/// parameters it sets, what it accepts.
public struct StrategyParameter<Values> {
    public let name: String
    /// What the value is, for --help: `N`, `SECONDS`, `K|estimate`.
    public let value: String
    let parse: (inout Values, String) throws(InvalidArgument) -> Void
    /// The value in `values`, as --help shows a default.
    let show: (Values) -> String

    /// A whole number in `range`.
    public static func integer(
        _ name: String, _ field: WritableKeyPath<Values, Int64>, in range: ClosedRange<Int64>, value: String = "N"
    ) -> StrategyParameter {
        StrategyParameter(
            name: name, value: value,
            parse: { (values, text) throws(InvalidArgument) in
                guard let number = Int64(text), range.contains(number) else {
                    throw InvalidArgument(
                        "--\(name) '\(text)': expected an integer in \(range.lowerBound)...\(range.upperBound)")
                }
                values[keyPath: field] = number
            },
            show: { "\($0[keyPath: field])" })
    }

    /// Text, not empty: a command line, a path.
    public static func text(_ name: String, _ field: WritableKeyPath<Values, String>, value: String)
        -> StrategyParameter
    {
        StrategyParameter(
            name: name, value: value,
            parse: { (values, text) throws(InvalidArgument) in
                guard !text.isEmpty else { throw InvalidArgument("--\(name): expected \(value), found nothing") }
                values[keyPath: field] = text
            },
            show: { $0[keyPath: field].isEmpty ? "none" : $0[keyPath: field] })
    }

    /// A number in `range`.
    public static func decimal(
        _ name: String, _ field: WritableKeyPath<Values, Double>, in range: ClosedRange<Double>, value: String
    ) -> StrategyParameter {
        StrategyParameter(
            name: name, value: value,
            parse: { (values, text) throws(InvalidArgument) in
                guard let number = Double(text), number.isFinite, range.contains(number) else {
                    throw InvalidArgument(
                        "--\(name) '\(text)': expected a number in \(range.lowerBound)...\(range.upperBound)")
                }
                values[keyPath: field] = number
            },
            show: { StrategyParameter.format($0[keyPath: field]) })
    }

    /// A number in `range`, or `keyword` for none (nil): `--horizon inf`, `--kappa estimate`.
    /// `expected` says what is accepted when a value is not.
    public static func decimal(
        _ name: String, _ field: WritableKeyPath<Values, Double?>, in range: ClosedRange<Double>,
        or keyword: String, value: String, expected: String? = nil
    ) -> StrategyParameter {
        StrategyParameter(
            name: name, value: value,
            parse: { (values, text) throws(InvalidArgument) in
                if text == keyword {
                    values[keyPath: field] = nil
                } else if let number = Double(text), number.isFinite, range.contains(number) {
                    values[keyPath: field] = number
                } else {
                    let accepted = expected ?? "a number in \(range.lowerBound)...\(range.upperBound) or \(keyword)"
                    throw InvalidArgument("--\(name) '\(text)': expected \(accepted)")
                }
            },
            show: { $0[keyPath: field].map(StrategyParameter.format) ?? keyword })
    }

    /// 60 rather than 60.0; 0.001 as it is.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
    }
}
