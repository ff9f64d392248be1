import IPC

/// The paper venue for each instrument, all with the same models (the fee model applied to each
/// instrument's own rates): what `exec` trades on unless told otherwise.
struct PaperVenues<Latency: LatencyModel, Queue: QueueModel, Fees: FeeModel>: VenueFactory {
    let latency: Latency
    /// How old the market data is when it reaches exec (`--md-latency-ms`).
    let marketDataLatencyNs: Int64
    let queue: Queue
    let fees: Fees

    func venue(for instrument: Instrument) -> PaperVenue<Latency, Queue, Fees> {
        PaperVenue(
            instrument: instrument.id, latency: latency, marketDataLatencyNs: marketDataLatencyNs, queue: queue,
            fees: fees.applying(to: instrument))
    }
}
