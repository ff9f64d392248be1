import IPC

/// signal's `main`: the command line parsed against a registry of strategies, then the stage run
/// with the strategy it names, specialised for it. A signal of your own with your strategies:
///
/// ```swift
/// import SignalCore
/// SignalTool.main(strategies: StrategyRegistry([.init(MyStrategy.self)] + StrategyRegistry.builtIn.entries))
/// ```
public enum SignalTool {
    public static func main(strategies: StrategyRegistry) -> Never {
        let options = ToolStart.options(tool: "signal", usage: SignalOptions.usage(strategies)) {
            (arguments) throws(InvalidArgument) in try SignalOptions(arguments, strategies: strategies)
        }
        options.strategy.run(options)
    }
}
