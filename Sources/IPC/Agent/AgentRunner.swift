/// Runs an `Agent` until its input ends, SIGINT/SIGTERM, or it stops: the one duty loop of every
/// stage (see `Agent` for the cycle).
public struct AgentRunner {
    /// Heartbeats of the session, output and inputs, and the agent's `housekeeping`.
    public static let housekeepingIntervalNs: Int64 = 100_000_000
    /// Gauges to the session's registry entry.
    public static let gaugeIntervalNs: Int64 = 1_000_000_000

    public let idle: IdleStrategy.Mode

    public init(idle: IdleStrategy.Mode) { self.idle = idle }

    /// Runs `agent`; returns how it stopped (exit code and last line), after closing its output
    /// and inputs and leaving its session.
    @inlinable
    public func run<A: Agent>(_ agent: inout A) -> AgentStop {
        let hasOutput = agent.output != nil
        if hasOutput {
            switch agent.output!.awaitReadersOrClose(agent.readers, membership: agent.membership, tool: agent.name) {
            case .attached: break
            case .stopped: return close(&agent, .endOfStream, outputClosed: true)
            case .timedOut(let reason): return close(&agent, .system(reason), outputClosed: true)
            }
        }
        var strategy = IdleStrategy(idle)
        var now = SystemClock.monotonicNanoseconds()
        var nextHousekeeping = now
        var nextGauges = now
        var upstream = UpstreamWatch(now: now)
        var stop = AgentStop.endOfStream
        while !SignalCounters.shutdownRequested {
            let work: Int
            do { work = try agent.doWork(now: now) } catch {
                stop = error
                break
            }
            now = SystemClock.monotonicNanoseconds()
            if now >= nextHousekeeping {
                nextHousekeeping = now + AgentRunner.housekeepingIntervalNs
                agent.membership?.heartbeat(now: now)
                if hasOutput { agent.output!.heartbeat(now: now) }
                agent.forEachInput { $0.heartbeat(now: now) }
                if now >= nextGauges, let membership = agent.membership {
                    nextGauges = now + AgentRunner.gaugeIntervalNs
                    agent.publishGauges(membership)
                }
                agent.housekeeping(now: now)
            }
            if hasOutput {
                do { try agent.output!.flush(deferringWake: true) } catch {
                    stop = .system("\(agent.name): writing \(agent.output!.endpoint): \(error)")
                    break
                }
            }
            if work > 0 {
                strategy.reset()
                upstream.inputArrived(now: now)
                continue
            }
            if upstream.isDue(now: now), let problem = upstream.problem(of: agent, now: now),
                let upstreamStop = agent.upstreamFailed(problem, now: now)
            {
                stop = upstreamStop
                break
            }
            if hasOutput { agent.output!.wakeDeferred() } // before this stage may sleep
            let sleeps = strategy.shouldSleep
            agent.idle(&strategy)
            if sleeps && hasOutput { agent.output!.wakeAhead() } // woken, most likely with work
        }
        return close(&agent, stop, outputClosed: false)
    }

    @usableFromInline
    func close<A: Agent>(_ agent: inout A, _ stop: AgentStop, outputClosed: Bool) -> AgentStop {
        var stop = agent.finish(stop)
        if !outputClosed, agent.output != nil {
            do { try agent.output!.close() } catch {
                if stop.code == ExitCode.success {
                    stop = .system("\(agent.name): closing \(agent.output!.endpoint): \(error)")
                }
            }
        }
        agent.forEachInput { $0.close() }
        agent.membership?.leave()
        return stop
    }
}
