/// A spot symbol's base asset and quote currency, for the report's units: "BTCUSDT" is BTC
/// quoted in USDT. Read off the symbol by the quote currencies Binance lists pairs in; a symbol
/// that ends in none of them is "base asset" in "quote currency".
struct AssetNames: Equatable {
    let base: String
    let quote: String

    /// The quote currencies, longest first where one ends another (FDUSD before USD).
    static let quotes = [
        "FDUSD", "USDT", "USDC", "TUSD", "BUSD", "USDP", "DAI", "BTC", "ETH", "BNB", "EUR", "TRY", "BRL", "JPY", "GBP",
        "AUD", "USD"
    ]

    init(base: String, quote: String) {
        self.base = base
        self.quote = quote
    }

    init(symbol: String) {
        if let quote = AssetNames.quotes.first(where: { symbol.hasSuffix($0) && symbol.count > $0.count }) {
            base = String(symbol.dropLast(quote.count))
            self.quote = quote
        } else {
            base = "base asset"
            quote = "quote currency"
        }
    }

    var pair: (base: String, quote: String) { (base, quote) }
}
