// samtak-web: the browser's server. Signs people in through the municipality's OpenID
// Connect providers and serves the pages; every read and write goes through the intake API.
import Foundation
import SamtakWeb

// A failure to start or to keep serving (a port already taken, a lost listener) is logged by
// the service ("stopped with an error") and ends the process with status 1, not a trap.
do {
    try await WebService.run()
} catch {
    exit(1)
}
