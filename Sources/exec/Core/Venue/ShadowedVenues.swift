import IPC

/// The live venue for each instrument exec learns of, with the paper venue in its shadow
/// (`exec --venue binance-spot --shadow-paper FILE`): the session, its failures and its end are
/// the live venue's; the shadow's reports go to `journal`.
final class ShadowedVenues<Live: VenueFactory, Papers: VenueFactory>: VenueFactory {
    let live: Live
    let papers: Papers
    let journal: ShadowJournal
    private var made: [ShadowedVenue<Live.Made, Papers.Made>] = []

    init(live: Live, papers: Papers, journal: ShadowJournal) {
        self.live = live
        self.papers = papers
        self.journal = journal
    }

    func venue(for instrument: Instrument) -> ShadowedVenue<Live.Made, Papers.Made> {
        journal.record(Frame(InstrumentDefinition(instrument)))
        let venue = ShadowedVenue(
            live: live.venue(for: instrument), paper: papers.venue(for: instrument), journal: journal,
            instrument: instrument.id)
        made.append(venue)
        return venue
    }

    var isLive: Bool { live.isLive }
    var maxWaitMs: Int32 { live.maxWaitMs }

    /// Once a duty cycle: the shadow's records of the last one flushed, as exec's journal is.
    func poll() -> Bool {
        journal.flush()
        return live.poll()
    }

    func cancelEverything() -> Bool { live.cancelEverything() }
    var failure: String? { live.failure }
    var balanceDifferences: Int { live.balanceDifferences }
    func joined(_ block: ControlBlock) { live.joined(block) }

    func close() {
        live.close()
        for venue in made { venue.finish() }
        journal.close()
    }
}
