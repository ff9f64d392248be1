import IPC

/// The strategies a `signal` can run, by name. Each entry is made from the strategy's type
/// where that type is known, so the stage it starts is specialised for it: no `any` between
/// the ring and the strategy's handlers.
///
/// ```swift
/// StrategyRegistry([StrategyRegistry.Entry(MyStrategy.self)] + StrategyRegistry.builtIn.entries)
/// ```
public struct StrategyRegistry {
    public struct Entry {
        public let name: String
        let summary: String
        let parameterNames: [String]
        /// Each parameter as --help shows it: `--name VALUE` and its default.
        let parameterDefaults: [(option: String, defaultValue: String)]
        /// Checks `--name value` pairs of the strategy's: each parsed, the whole accepted by its init.
        let validate: ([(flag: String, value: String)]) throws(InvalidArgument) -> Void
        /// Runs signal with this strategy, specialised for it.
        let run: (SignalOptions) -> Never
        /// The strategy's type, for the in-process harness.
        public let type: any Strategy.Type

        public init<S: Strategy>(_ type: S.Type) {
            name = S.name
            summary = S.summary
            let parameters = S.parameters
            parameterNames = parameters.names
            parameterDefaults = parameters.list.map { ("--\($0.name) \($0.value)", $0.show(parameters.defaults)) }
            validate = { (arguments) throws(InvalidArgument) in _ = try S(S.parameters.values(arguments)) }
            run = { options in SignalAgent<S>.run(options) }
            self.type = type
        }
    }

    public let entries: [Entry]

    public init(_ entries: [Entry]) {
        var names = Set<String>()
        for entry in entries {
            precondition(names.insert(entry.name).inserted, "two strategies named \(entry.name)")
        }
        precondition(!entries.isEmpty, "a registry of no strategies")
        self.entries = entries
    }

    /// signal's own strategies; the first is the default.
    public static var builtIn: StrategyRegistry {
        StrategyRegistry([
            Entry(AvellanedaStoikov.self),
            Entry(FixedSpread.self),
            Entry(VolatilityBand.self),
            Entry(Momentum.self),
            Entry(PairsTrading.self),
            Entry(BookImbalance.self),
            Entry(Grid.self),
            Entry(EmaCrossover.self),
            Entry(RelativeStrength.self),
            Entry(Bollinger.self),
            Entry(Combined.self),
            Entry(ExternalStrategy.self)
        ])
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// Every strategy's parameter names.
    var parameterNames: Set<String> { Set(entries.flatMap(\.parameterNames)) }

    /// "as, fixed, band, momentum or pairs"
    var namesListed: String {
        let names = entries.map(\.name)
        return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
