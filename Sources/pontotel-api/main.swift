import Foundation
import PontotelCommandLine

#if canImport(Glibc)
    import Glibc
#endif

// `pontotel-api`: the commands that call the Pontotel API (`login`, `api`, `token`, `exec`,
// `credentials rotate`), run by `pontotel`. It accepts every `pontotel` command.
let network = NetworkCommands(
    run: { arguments in
        switch (arguments.first, arguments.dropFirst().first) {
        case ("credentials", "rotate"): try await RotateCommand.rotate(Array(arguments.dropFirst(2)))
        case (let command?, _): try await APICommands.run(command, Array(arguments.dropFirst()))
        default: throw CommandFailure.usage("no command given")
        }
    },
    failure: ClientErrorMapping.failure)
let status = await Pontotel.run(Array(CommandLine.arguments.dropFirst()), network: network)
exit(status)
