// tickpipe's signal with FillCooldown registered beside the built-in strategies:
// `my-signal --strategy cooldown …`, or `./run.sh --signal .build/debug/my-signal --strategy cooldown`.
import FillCooldown
import SignalCore

SignalTool.main(strategies: StrategyRegistry([.init(FillCooldown.self)] + StrategyRegistry.builtIn.entries))
