// book: local L2 books from feed's frames. See BookOptions.usage and docs/book.md.
import BookCore
import IPC

let options = ToolStart.options(tool: "book", usage: BookOptions.usage) { (arguments) throws(InvalidArgument) in
    try BookOptions(arguments)
}
BookAgent.run(options)
