import IPC

/// Binance spot for each instrument exec learns of, every one on the same connection
/// (`exec --venue binance-spot`).
struct BinanceSpotVenues: VenueFactory {
    let connection: BinanceSpotConnection

    func venue(for instrument: Instrument) -> BinanceSpotVenue {
        let venue = BinanceSpotVenue(instrument: instrument, connection: connection)
        connection.register(venue)
        return venue
    }

    var isLive: Bool { true }
    /// Answers wait no longer than this behind a quiet input.
    var maxWaitMs: Int32 { 1 }
    func poll() -> Bool { connection.poll() }
    func cancelEverything() -> Bool { connection.cancelEverything() }
    var failure: String? { connection.journal.failure }
    var balanceDifferences: Int { connection.balanceDifferences }
    func joined(_ block: ControlBlock) { connection.controlBlock = block }
    func close() { connection.close() }
}
