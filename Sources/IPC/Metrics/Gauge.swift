import Synchronization

/// What a stage tells the operator, one number each, in its control-block registry entry's
/// gauges (like Aeron's counters file): written by the stage in its housekeeping, read by the
/// dashboard and `risk status` without stopping anyone. Each role uses the gauges that concern
/// it; a gauge never written reads as nil.
public enum Gauge: Int, CaseIterable, Sendable {
    /// signal: quote intents sent.
    case quotes = 0
    /// The last second's latency from the market data's receive time: signal's tick-to-quote,
    /// exec's tick-to-order, in nanoseconds (`LatencyHistogram`: within 12.5 %), and its count.
    case latencyP50Ns, latencyP99Ns, latencyMaxNs, latencySamples
    /// exec: orders placed (new and replace), orders working, fills.
    case ordersPlaced, openOrders, fills
    /// risk's limits (units of the base asset, quote currency, milliseconds; nil: no limit).
    case maxPosition, maxNotional, maxDrawdown, staleMs
    /// risk's view: exposure and PnL in the quote currency, the PnL's peak.
    case exposure, pnl, peakPnl
    /// exec on a live venue: the balance differences its fills did not explain, said so far.
    case balanceDifferences
}

extension ControlBlock {
    func gaugeWord(_ gauge: Gauge, entry index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        precondition(index >= 0 && index < ControlBlockDescriptor.maxProcesses, "registry entry \(index) out of range")
        return sharedUInt64(
            base,
            ControlBlockDescriptor.gaugesOffset
                + (index * ControlBlockDescriptor.gaugesPerProcess + gauge.rawValue) * 8)
    }

    /// Sets a gauge of a registry entry; nil clears it. Relaxed: each gauge is a value on its own.
    public func setGauge(_ gauge: Gauge, _ value: Double?, entry index: Int) {
        gaugeWord(gauge, entry: index).pointee.store((value ?? .nan).bitPattern, ordering: .relaxed)
    }

    public func gauge(_ gauge: Gauge, entry index: Int) -> Double? {
        let value = Double(bitPattern: gaugeWord(gauge, entry: index).pointee.load(ordering: .relaxed))
        return value.isNaN ? nil : value
    }

    /// Clears every gauge of an entry (a process taking it).
    func clearGauges(entry index: Int) {
        for gauge in Gauge.allCases { setGauge(gauge, nil, entry: index) }
    }
}

extension SessionMembership {
    public func setGauge(_ gauge: Gauge, _ value: Double?) {
        controlBlock.setGauge(gauge, value, entry: entry)
    }

    /// Publishes a window's latency percentiles and starts the next window.
    public func publishLatency(_ histogram: LatencyHistogram) {
        setGauge(.latencyP50Ns, histogram.percentile(0.5).map(Double.init))
        setGauge(.latencyP99Ns, histogram.percentile(0.99).map(Double.init))
        setGauge(.latencyMaxNs, histogram.count > 0 ? Double(histogram.max) : nil)
        setGauge(.latencySamples, Double(histogram.count))
        histogram.reset()
    }
}
