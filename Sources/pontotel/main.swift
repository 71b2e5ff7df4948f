import Foundation
import PontotelCommandLine

#if canImport(Glibc)
    import Glibc
#endif

// `pontotel`: the command line for people and shell scripts. See README.md.
// Credential commands run here; commands that call the API are handed to `pontotel-api`.
let status = await Pontotel.run(
    Array(CommandLine.arguments.dropFirst()),
    network: NetworkCommands(run: { try HandOff.exec("pontotel-api", $0) }, failure: HandOff.failure))
exit(status)
