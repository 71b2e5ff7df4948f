import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// `pontotel`: the command line for people and shell scripts. See README.md.
let status = await Pontotel.run(Array(CommandLine.arguments.dropFirst()))
exit(status)
