import IPC

@testable import FeedCore

/// An exchangeInfo file (`feed --exchange-info F`: a body, or a cryptofeed capture's line; plain
/// or gzip) read into the instrument catalog; every instrument it yields can format the
/// largest price and size the wire holds.
enum ExchangeInfoTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let file = MemoryFile(input)
        var catalog = InstrumentCatalog()
        guard (try? catalog.add(exchangeInfo: file.path)) != nil else { return }
        for (symbol, _) in catalog.entries {
            guard let instrument = try? catalog.instrument(symbol, id: 1) else { continue }
            _ = instrument.formatPrice(FrameLayout.maxQuantity)
            _ = instrument.formatSize(FrameLayout.maxQuantity)
        }
    }
}
