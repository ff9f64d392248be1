// signal: strategies that turn book tops, trades and exec's reports into quote intents. See
// SignalOptions.usage and docs/signal.md.
import SignalCore

SignalTool.main(strategies: .builtIn)
