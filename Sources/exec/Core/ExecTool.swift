import IPC

/// What `exec` runs after its options: the paper venue with the models they name (each a
/// concrete type, so the duty cycle is specialised for the combination: docs/models.md),
/// behind an `ExecAgent`.
public enum ExecTool {
    public static func run(_ options: ExecOptions) -> Never {
        func models() throws(InvalidArgument) -> Never {
            if let path = options.latencyFile { withQueue(try RecordedLatency(path: path)) }
            withQueue(ConstantLatency(latencyNs: options.entryLatencyNs))
        }
        func withQueue<Latency: LatencyModel>(_ latency: Latency) -> Never {
            switch options.queue {
            case .proportional: withFees(latency, ProportionalQueue())
            case .power(let power): withFees(latency, PowerQueue(power: power))
            case .riskAverse: withFees(latency, RiskAverseQueue())
            }
        }
        func withFees<Latency: LatencyModel, Queue: QueueModel>(_ latency: Latency, _ queue: Queue) -> Never {
            guard let path = options.feeSchedule else { start(latency, queue, options.fees) }
            do { start(latency, queue, try FeeSchedule(path: path, others: options.fees)) } catch {
                ToolStart.fail("exec: \(error)", ExitCode.failure)
            }
        }
        func start<Latency: LatencyModel, Queue: QueueModel, Fees: FeeModel>(
            _ latency: Latency, _ queue: Queue, _ fees: Fees
        ) -> Never {
            let venues = PaperVenues(
                latency: latency, marketDataLatencyNs: options.marketDataLatencyNs, queue: queue, fees: fees)
            ToolStart.run(idle: options.idle) { () throws(AgentStop) in try ExecAgent(options, venues: venues) }
        }
        do { try models() } catch { ToolStart.fail("exec: \(error)", ExitCode.failure) }
    }
}
