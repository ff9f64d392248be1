// feed: market data in, frames out. See FeedOptions.usage and docs/feed.md.
import FeedCore
import IPC

let options = ToolStart.options(tool: "feed", usage: FeedOptions.usage) { (arguments) throws(InvalidArgument) in
    try FeedOptions(arguments)
}
FeedTool.run(options)
